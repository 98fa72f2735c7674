#include "model/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace spamguard {
namespace {

struct Decoded {
  char32_t code_point;
  uint32_t length;
};

Decoded DecodeAt(const std::string& text, size_t i) {
  uint32_t length = 0;
  const char32_t code_point = DecodeCodePointAt(text, i, &length);
  return {code_point, length};
}

TEST(Utf8Test, DecodeCodePointAtReadsOneCharacterOfAnyLength) {
  const std::string text = "a\u00E9\u20AC\U0001F48E";  // 1, 2, 3 and 4 bytes
  EXPECT_EQ(DecodeAt(text, 0).code_point, U'a');
  EXPECT_EQ(DecodeAt(text, 1).code_point, U'\u00E9');
  EXPECT_EQ(DecodeAt(text, 1).length, 2u);
  EXPECT_EQ(DecodeAt(text, 3).code_point, U'\u20AC');
  EXPECT_EQ(DecodeAt(text, 3).length, 3u);
  EXPECT_EQ(DecodeAt(text, 6).code_point, U'\U0001F48E');
  EXPECT_EQ(DecodeAt(text, 6).length, 4u);
}

// Each bad byte stands for itself: a stray continuation byte, an overlong form, a surrogate,
// a sequence cut short inside the text and one cut short by its end.
TEST(Utf8Test, AnIllFormedSequenceIsOneReplacementCharacterPerByte) {
  for (const std::string& bad :
       {std::string("\x80"), std::string("\xC0\xAF"), std::string("\xED\xA0\x80"),
        std::string("\xE2\x82 "), std::string("\xF0\x9F\x98")}) {
    const Decoded decoded = DecodeAt(bad, 0);
    EXPECT_EQ(decoded.code_point, kReplacementCharacter) << bad.size();
    EXPECT_EQ(decoded.length, 1u) << bad.size();
  }
}

}  // namespace
}  // namespace spamguard
