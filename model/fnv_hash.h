// FNV-1a, 64 bit: the one hash behind everything that must be the same on every build and
// machine (std::hash is not): dataset splits and subsampling, duplicate-window and
// feedback keys, the rule pack version, and the model payload checksum.
//
// Fnv1a64(b, Fnv1a64(a)) is the hash of a followed by b, so a hash can be extended piece by
// piece. Not a cryptographic hash. Pure function; safe from any thread.
#ifndef SPAMGUARD_MODEL_FNV_HASH_H_
#define SPAMGUARD_MODEL_FNV_HASH_H_

#include <cstdint>
#include <string_view>

namespace spamguard {

// The standard FNV-1a 64-bit offset basis.
inline constexpr uint64_t kFnv1a64Basis = 14695981039346656037ull;
// The FNV 64-bit prime: hash = (hash ^ byte) * prime, one byte at a time.
inline constexpr uint64_t kFnv1a64Prime = 1099511628211ull;

// FNV-1a 64 of bytes, starting from `basis` (the standard basis, or an earlier hash).
uint64_t Fnv1a64(std::string_view bytes, uint64_t basis = kFnv1a64Basis);

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_FNV_HASH_H_
