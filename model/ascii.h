// ascii: the ASCII character tests the text code shares (entities, normalization, and the
// readers and matchers of rule patterns). They take a code point, so that a char, an unsigned
// char or a char32_t can be passed: a byte of a UTF-8 sequence (a negative char) converts to
// a value past ASCII and is none of these.
//
// Pure functions: safe from any thread.
#ifndef SPAMGUARD_MODEL_ASCII_H_
#define SPAMGUARD_MODEL_ASCII_H_

namespace spamguard {

constexpr bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
constexpr bool IsAsciiLetter(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool IsAsciiAlnum(char32_t c) { return IsAsciiLetter(c) || IsAsciiDigit(c); }
// What RE2's \w and \b count as a word character: [0-9A-Za-z_].
constexpr bool IsAsciiWordCharacter(char32_t c) { return IsAsciiAlnum(c) || c == '_'; }

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_ASCII_H_
