#include "model/fnv_hash.h"

namespace spamguard {

uint64_t Fnv1a64(std::string_view bytes, uint64_t basis) {
  uint64_t hash = basis;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= kFnv1a64Prime;
  }
  return hash;
}

}  // namespace spamguard
