// StringSet: a set of std::string that is probed with a std::string_view without building
// a string (and allocating) per probe, through a transparent hash. Used for word lists,
// public-suffix rules and domain lists, which are looked up once per token or per parent
// domain of a link.
//
// Thread safety: as std::unordered_set (concurrent reads of an unchanging set are safe).
#ifndef SPAMGUARD_MODEL_STRING_SET_H_
#define SPAMGUARD_MODEL_STRING_SET_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace spamguard {

// Hashes std::string and std::string_view alike.
struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
using StringSet = std::unordered_set<std::string, StringViewHash, std::equal_to<>>;

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_STRING_SET_H_
