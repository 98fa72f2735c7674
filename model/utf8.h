// utf8: reading bytes as UTF-8 the way ICU's U8_NEXT does: no overlong forms, no surrogates,
// nothing above U+10FFFF, no truncated sequence. IsValidUtf8 is the one check for every text
// that enters Spamguard: request fields (server/request_validation), data-file lines
// (model/dataset), comments a local `spamguardctl check` reads. ForEachCodePoint is the one
// walk for code that rewrites text by code point (FeatureBuilder's tokens, the CLI's
// escaping of what it prints); DecodeCodePointAt reads one code point where a caller walks
// the text itself (the normalizer).
//
// Pure functions: safe from any thread.
#ifndef SPAMGUARD_MODEL_UTF8_H_
#define SPAMGUARD_MODEL_UTF8_H_

#include <unicode/utf8.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace spamguard {

// U+FFFD, what stands in for a sequence that is not a character: an ill-formed UTF-8 byte,
// an HTML reference to no character.
inline constexpr char32_t kReplacementCharacter = 0xFFFD;

// True when `text` is well-formed UTF-8. On false, *error_offset (when given) is the byte
// offset of the first bad sequence.
bool IsValidUtf8(std::string_view text, size_t* error_offset = nullptr);

// Calls visit(begin, end, code_point) for each sequence of `text` in order, [begin, end) its
// bytes; code_point is negative for an ill-formed sequence.
template <typename Visit>
void ForEachCodePoint(std::string_view text, Visit visit) {
  const auto length = static_cast<int64_t>(text.size());
  int64_t i = 0;
  while (i < length) {
    const int64_t begin = i;
    UChar32 code_point = 0;
    U8_NEXT(text.data(), i, length, code_point);
    visit(static_cast<size_t>(begin), static_cast<size_t>(i), code_point);
  }
}

// The code point at text[i] (i < text.size()), read as ForEachCodePoint reads it; *length
// is its byte count. An ill-formed sequence reads as kReplacementCharacter of length 1, so
// that each bad byte stands for itself (the normalizer maps it to itself).
inline char32_t DecodeCodePointAt(std::string_view text, size_t i, uint32_t* length) {
  auto next = static_cast<int64_t>(i);
  UChar32 code_point = 0;
  U8_NEXT(text.data(), next, static_cast<int64_t>(text.size()), code_point);
  if (code_point < 0) {
    *length = 1;
    return kReplacementCharacter;
  }
  *length = static_cast<uint32_t>(next - static_cast<int64_t>(i));
  return static_cast<char32_t>(code_point);
}

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_UTF8_H_
