#include "model/html_text.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace spamguard {
namespace {

// The code point and length of the reference at the start of text; {0, 0} when none.
std::pair<char32_t, size_t> Read(std::string_view text) {
  const std::optional<CharacterReference> reference = ReadCharacterReference(text);
  if (!reference) return {0, 0};
  return {reference->code_point, reference->length};
}

TEST(HtmlTextTest, DecimalAndHexadecimalReferencesGiveTheirCodePoint) {
  EXPECT_EQ(Read("&#87;hatsapp"), std::make_pair(char32_t{'W'}, size_t{5}));
  EXPECT_EQ(Read("&#x57;hatsapp"), std::make_pair(char32_t{'W'}, size_t{6}));
  EXPECT_EQ(Read("&#X6a;"), std::make_pair(char32_t{'j'}, size_t{6}));
  EXPECT_EQ(Read("&#39;"), std::make_pair(char32_t{'\''}, size_t{5}));
  EXPECT_EQ(Read("&#1086;"), std::make_pair(char32_t{0x43E}, size_t{7}));  // Cyrillic o
  EXPECT_EQ(Read("&#x1F600;"), std::make_pair(char32_t{0x1F600}, size_t{9}));
  EXPECT_TRUE(ReadCharacterReference("&#87;")->numeric);
}

TEST(HtmlTextTest, NumericReferencesNeedNoSemicolonAndMayHaveLeadingZeros) {
  EXPECT_EQ(Read("&#87hatsapp"), std::make_pair(char32_t{'W'}, size_t{4}));
  EXPECT_EQ(Read("&#0000000087;"), std::make_pair(char32_t{'W'}, size_t{13}));
  EXPECT_EQ(Read("&#x57 now"), std::make_pair(char32_t{'W'}, size_t{5}));
}

TEST(HtmlTextTest, ValuesABrowserRefusesReadAsTheReplacementCharacter) {
  EXPECT_EQ(Read("&#0;"), std::make_pair(char32_t{0xFFFD}, size_t{4}));
  EXPECT_EQ(Read("&#xD800;"), std::make_pair(char32_t{0xFFFD}, size_t{8}));
  EXPECT_EQ(Read("&#x110000;"), std::make_pair(char32_t{0xFFFD}, size_t{10}));
  // Any number of digits is one reference, and never overflows.
  const std::string huge = "&#" + std::string(300, '9') + ";";
  EXPECT_EQ(Read(huge), std::make_pair(char32_t{0xFFFD}, huge.size()));
  const std::string huge_hex = "&#x" + std::string(300, 'f');
  EXPECT_EQ(Read(huge_hex), std::make_pair(char32_t{0xFFFD}, huge_hex.size()));
}

// Text pasted from a word processor: a browser shows these as windows-1252 characters.
TEST(HtmlTextTest, C1ControlValuesReadAsTheirWindows1252Characters) {
  EXPECT_EQ(Read("&#146;"), std::make_pair(char32_t{0x2019}, size_t{6}));  // right quote
  EXPECT_EQ(Read("&#x96;"), std::make_pair(char32_t{0x2013}, size_t{6}));  // en dash
  EXPECT_EQ(Read("&#128;"), std::make_pair(char32_t{0x20AC}, size_t{6}));  // euro sign
  EXPECT_EQ(Read("&#x9F;"), std::make_pair(char32_t{0x178}, size_t{6}));
  EXPECT_EQ(Read("&#x81;"), std::make_pair(char32_t{0x81}, size_t{6}));  // no character
}

TEST(HtmlTextTest, NamedReferencesComeFromTheHtmlTableAndNeedTheirSemicolon) {
  EXPECT_EQ(Read("&amp;"), std::make_pair(char32_t{'&'}, size_t{5}));
  EXPECT_EQ(Read("&apos;s"), std::make_pair(char32_t{'\''}, size_t{6}));
  EXPECT_EQ(Read("&nbsp;"), std::make_pair(char32_t{0xA0}, size_t{6}));
  EXPECT_EQ(Read("&eacute;"), std::make_pair(char32_t{0xE9}, size_t{8}));
  EXPECT_EQ(Read("&Eacute;"), std::make_pair(char32_t{0xC9}, size_t{8}));
  EXPECT_EQ(Read("&thetasym;"), std::make_pair(char32_t{0x3D1}, size_t{10}));
  EXPECT_FALSE(ReadCharacterReference("&amp;")->numeric);
  EXPECT_FALSE(ReadCharacterReference("&amp"));        // no ';'
  EXPECT_FALSE(ReadCharacterReference("&amp chips"));  // no ';'
  EXPECT_FALSE(ReadCharacterReference("&EACUTE;"));    // names are case-sensitive
  EXPECT_FALSE(ReadCharacterReference("&whatsapp;"));  // not an HTML name
  EXPECT_FALSE(ReadCharacterReference("&NewLine;"));   // HTML5-only names stay text
}

TEST(HtmlTextTest, AnAmpersandThatStartsNoReferenceIsText) {
  for (const char* text : {"&", "& ", "&&", "&#", "&#;", "&#x;", "&#xg;", "&;", "&1;", "fish"}) {
    EXPECT_FALSE(ReadCharacterReference(text)) << text;
  }
}

// The length of the tag run at the start of text and whether it breaks the line; {0, false}
// when none starts there.
std::pair<size_t, bool> TagRunAt(std::string_view text) {
  const std::optional<TagRun> run = ReadTagRun(text);
  if (!run) return {0, false};
  return {run->length, run->breaks_line};
}

TEST(HtmlTextTest, StartAndEndTagsAndCommentsAreTags) {
  EXPECT_EQ(TagRunAt("<b>x"), std::make_pair(size_t{3}, false));
  EXPECT_EQ(TagRunAt("</b>x"), std::make_pair(size_t{4}, false));
  EXPECT_EQ(TagRunAt("<span class=\"a b\">x"), std::make_pair(size_t{18}, false));
  EXPECT_EQ(TagRunAt("<a href=\"http://x.com/\">x"), std::make_pair(size_t{24}, false));
  EXPECT_EQ(TagRunAt("<br/>x"), std::make_pair(size_t{5}, true));
  EXPECT_EQ(TagRunAt("<!-- a -->x"), std::make_pair(size_t{10}, false));
  EXPECT_EQ(TagRunAt("<!-->x-->"), std::make_pair(size_t{5}, false));  // empty, as in a browser
  EXPECT_EQ(TagRunAt("<!--->x-->"), std::make_pair(size_t{6}, false));
  EXPECT_EQ(TagRunAt("<CENTER>"), std::make_pair(size_t{8}, true));
  EXPECT_EQ(TagRunAt("<h1>"), std::make_pair(size_t{4}, true));
}

TEST(HtmlTextTest, TagsBackToBackAreOneRunThatBreaksTheLineIfAnyOfThemDoes) {
  EXPECT_EQ(TagRunAt("<b></b>sapp"), std::make_pair(size_t{7}, false));
  EXPECT_EQ(TagRunAt("<br /><br />More"), std::make_pair(size_t{12}, true));
  EXPECT_EQ(TagRunAt("</B><P>x"), std::make_pair(size_t{7}, true));  // names in any case
  EXPECT_EQ(TagRunAt("<b> <i>"), std::make_pair(size_t{3}, false));  // a space ends the run
}

TEST(HtmlTextTest, AnAngleBracketThatStartsNoTagIsText) {
  for (const char* text : {"<", "< 3", "<3", "<b", "<b x", "<b<i>", "<my-tag>", "<!-- open", "<!->",
                           "</>", "<>", "<=>"}) {
    EXPECT_FALSE(ReadTagRun(text)) << text;
  }
  // A tag is at most kMaxTagBytes long.
  const std::string long_tag = "<a title=\"" + std::string(kMaxTagBytes, 'x') + "\">";
  EXPECT_FALSE(ReadTagRun(long_tag));
  const std::string long_comment = "<!--" + std::string(kMaxCommentBytes, 'x') + "-->";
  EXPECT_FALSE(ReadTagRun(long_comment));
}

}  // namespace
}  // namespace spamguard
