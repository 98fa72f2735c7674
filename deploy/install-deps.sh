#!/usr/bin/env bash
# Installs the Debian 12 packages Spamguard needs to build, test and run; only the ones
# that are missing, so a set-up machine runs this in well under a second.
set -euo pipefail

packages=(
  g++ cmake make pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libfasttext-dev liblinear-dev libre2-dev libicu-dev libphonenumber-dev libyaml-cpp-dev
  libcli11-dev libsqlite3-dev nlohmann-json3-dev libxml2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nghttp2-client python3-grpcio python3-grpc-tools clang-format
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing missing packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
