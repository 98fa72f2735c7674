#include "server/random_id.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace spamguard::server {
namespace {

constexpr size_t kIdBytes = 16;
constexpr size_t kBufferBytes = 4096;

// Per-thread buffer of kernel randomness; each id consumes kIdBytes of it, once.
struct RandomBuffer {
  unsigned char bytes[kBufferBytes];
  size_t used = kBufferBytes;

  void Refill() {
    size_t filled = 0;
    while (filled < kBufferBytes) {
      const ssize_t got = getrandom(bytes + filled, kBufferBytes - filled, 0);
      if (got < 0) {
        if (errno == EINTR) continue;
        std::fprintf(stderr, "spamguard: getrandom failed: %s\n", std::strerror(errno));
        std::abort();
      }
      filled += static_cast<size_t>(got);
    }
    used = 0;
  }
};

}  // namespace

std::string RandomId(std::string_view prefix) {
  thread_local RandomBuffer buffer;
  if (buffer.used + kIdBytes > kBufferBytes) buffer.Refill();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(prefix);
  id.reserve(prefix.size() + 2 * kIdBytes);
  for (size_t i = 0; i < kIdBytes; ++i) {
    const unsigned char byte = buffer.bytes[buffer.used + i];
    id += kHex[byte >> 4];
    id += kHex[byte & 0x0F];
  }
  // Consumed bytes are wiped, so a later memory disclosure cannot replay earlier ids.
  std::memset(buffer.bytes + buffer.used, 0, kIdBytes);
  buffer.used += kIdBytes;
  return id;
}

}  // namespace spamguard::server
