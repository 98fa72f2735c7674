#!/usr/bin/env bash
# Model swaps under load: h2load drives CheckComment at half the server's measured maximum
# while a real gRPC client (which reads grpc-status) calls it in a loop, and the model is
# swapped every second — alternately by switching the store's `current` link (the server
# polls it) and by Admin.ReloadModel. Prints h2load's figures, the loop client's
# ok/failed counts and the model versions it saw. Exit 1 on any failed RPC.
#
#   bench/swap_under_load.sh [SECONDS]
# Needs: make build, make model, nghttp2-client (h2load), python3-grpcio.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-12}
port=${PORT:-50072}
work=$(mktemp -d)
trap 'kill "$server_pid" "$loop_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
ctl=build/spamguardctl

# A store with two versions: the default model, and a small one trained on YouTube only.
mkdir -p "$work/store"
default_version=$(basename "$(readlink -f models/current)")
cp -r "models/$default_version" "$work/store/"
ln -s "$default_version" "$work/store/current"
$ctl train --model "$work/store" --publish --no-search data/youtube-spam/youtube-spam.tsv \
  > "$work/train.log" 2>&1
small_version=$(basename "$(readlink -f "$work/store/current")")
$ctl models rollback "$default_version" --model "$work/store" > /dev/null

build/spamguard-server --listen "127.0.0.1:$port" --model "$work/store" \
  --data-dir "$work/var" 2>"$work/server.log" &
server_pid=$!
/usr/bin/python3 bench/grpc_frames.py wait "127.0.0.1:$port" 20
/usr/bin/python3 bench/grpc_frames.py bodies "$work"
url="http://127.0.0.1:$port/spamguard.v1.CommentFilter/CheckComment"
headers=(-H 'content-type: application/grpc' -H 'te: trailers')

h2load -n 30000 -c 4 -m 16 -d "$work/check_spam.bin" "${headers[@]}" "$url" > "$work/max.out"
max_rps=$(grep -o '[0-9.]* req/s' "$work/max.out" | head -1 | cut -d' ' -f1)
clients=4
per_client=$(awk -v r="$max_rps" -v c="$clients" 'BEGIN {printf "%d", r / 2 / c}')
echo "maximum: $max_rps req/s; driving at half: $clients clients x $per_client req/s for ${seconds}s"

/usr/bin/python3 bench/grpc_frames.py loop "127.0.0.1:$port" "$seconds" > "$work/loop.out" &
loop_pid=$!
h2load -D "$seconds" -c "$clients" -m 4 --rps "$per_client" -d "$work/check_spam.bin" \
  "${headers[@]}" --log-file "$work/load.log" "$url" > "$work/load.out" &
load_pid=$!
swaps=0
for ((i = 1; i < seconds; i++)); do
  sleep 1
  if ((i % 2)); then
    target=$([ $((i % 4)) -eq 1 ] && echo "$small_version" || echo "$default_version")
    $ctl models rollback "$target" --model "$work/store" > /dev/null
  else
    $ctl reload --server "127.0.0.1:$port" > /dev/null
  fi
  swaps=$((swaps + 1))
done
wait "$load_pid"
wait "$loop_pid" || true
echo "swaps: $swaps (link switches and Admin.ReloadModel, alternating)"
echo "h2load: $(grep -o 'finished in .*req/s' "$work/load.out"); $(grep -o 'requests: .*' "$work/load.out")"
awk '$2 != 200 {bad++} END {printf "h2load non-200 responses: %d of %d\n", bad, NR}' "$work/load.log"
echo "loop client (reads grpc-status): $(cat "$work/loop.out")"
echo "model loads logged by the server: $(grep -c "^.*model: " "$work/server.log")"
grep -q "failed=0" "$work/loop.out"
