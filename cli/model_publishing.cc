// Publishing a trained model into a model store (cli/model_publishing.h): fingerprints for
// manifests, atomic text files, the staging directory and the rename into a version.
#include "cli/model_publishing.h"

#include <unistd.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <system_error>

#include "model/durable_files.h"
#include "model/fnv_hash.h"
#include "model/model_store.h"

namespace spamguard::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// SHA-256 (FIPS 180-4), for the data hashes in manifests.
class Sha256 {
 public:
  void Update(std::string_view bytes) {
    for (unsigned char c : bytes) {
      block_[block_size_++] = c;
      if (block_size_ == 64) {
        Compress();
        block_size_ = 0;
      }
      length_bits_ += 8;
    }
  }
  std::string HexDigest() {
    const uint64_t length = length_bits_;
    Update(std::string_view("\x80", 1));
    while (block_size_ != 56) Update(std::string_view("\0", 1));
    for (int i = 7; i >= 0; --i) {
      block_[block_size_++] = static_cast<unsigned char>(length >> (8 * i));
    }
    Compress();
    std::ostringstream out;
    for (uint32_t word : state_) out << std::hex << std::setw(8) << std::setfill('0') << word;
    return out.str();
  }

 private:
  static uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
  void Compress() {
    static constexpr std::array<uint32_t, 64> k = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      w[i] = (uint32_t(block_[4 * i]) << 24) | (uint32_t(block_[4 * i + 1]) << 16) |
             (uint32_t(block_[4 * i + 2]) << 8) | uint32_t(block_[4 * i + 3]);
    }
    for (int i = 16; i < 64; ++i) {
      const uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4],
             f = state_[5], g = state_[6], h = state_[7];
    for (int i = 0; i < 64; ++i) {
      const uint32_t t1 =
          h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      const uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    const uint32_t add[8] = {a, b, c, d, e, f, g, h};
    for (int i = 0; i < 8; ++i) state_[i] += add[i];
  }
  std::array<uint32_t, 8> state_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<unsigned char, 64> block_{};
  size_t block_size_ = 0;
  uint64_t length_bits_ = 0;
};

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  Sha256 sha;
  sha.Update(bytes);
  return sha.HexDigest();
}

json FileFingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string data = bytes.str();
  char fnv[17];
  std::snprintf(fnv, sizeof(fnv), "%016llx", static_cast<unsigned long long>(Fnv1a64(data)));
  return {{"path", path}, {"bytes", data.size()}, {"sha256", Sha256Hex(data)}, {"fnv1a64", fnv}};
}

json StagedModelFingerprint(const std::string& staged_model_path) {
  json fingerprint = FileFingerprint(staged_model_path);
  fingerprint["path"] = kModelFileName;
  return fingerprint;
}

std::string GitRevision() {
  FILE* pipe = ::popen("git rev-parse HEAD 2>/dev/null", "r");
  if (pipe == nullptr) return "unknown";
  char buffer[128] = {};
  const size_t read = std::fread(buffer, 1, sizeof(buffer) - 1, pipe);
  const int status = ::pclose(pipe);
  std::string revision(buffer, read);
  while (!revision.empty() && std::isspace(static_cast<unsigned char>(revision.back()))) {
    revision.pop_back();
  }
  return status == 0 && revision.size() == 40 ? revision : "unknown";
}

Status WriteText(const std::string& path, const std::string& text) {
  return WriteFileAtomically(path, text);
}

Result<std::string> CreateStagingDirectory(const std::string& store) {
  // 0777 minus the umask, as the version directory it becomes is served from.
  Result<std::string> staging = CreateUniqueDirectory(store, kStagingPrefix, 0777);
  if (!staging.ok()) {
    return Status::IoError("cannot create a staging directory in model store " + store + ": " +
                           staging.status().message());
  }
  return staging;
}

StagingGuard::~StagingGuard() {
  std::error_code ignored;
  if (!path_.empty()) fs::remove_all(path_, ignored);
}

Status Publish(const std::string& store, const std::string& staging, const std::string& version,
               const json& metrics, const json& manifest, bool switch_current) {
  // Until the rename, a failure removes the staging directory: nothing half-made stays.
  auto discard = [&staging](Status status) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    return status;
  };
  if (Status s = WriteText((fs::path(staging) / "metrics.json").string(), metrics.dump(2) + "\n");
      !s.ok()) {
    return discard(s);
  }
  if (Status s = WriteText((fs::path(staging) / "manifest.json").string(), manifest.dump(2) + "\n");
      !s.ok()) {
    return discard(s);
  }
  const fs::path target = fs::path(store) / version;
  std::error_code error;
  if (fs::exists(target, error)) {
    return discard(
        Status::FailedPrecondition("version " + version + " already exists in " + store));
  }
  fs::rename(staging, target, error);
  if (error) {
    return discard(Status::IoError("cannot move " + staging + " to " + target.string() + ": " +
                                   error.message()));
  }
  // The version's name must survive power loss before `current` can point at it.
  if (Status s = SyncDirectory(store); !s.ok()) return s;
  return switch_current ? SetCurrent(store, version) : Status::Ok();
}

}  // namespace spamguard::cli
