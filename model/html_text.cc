#include "model/html_text.h"

#include <libxml/HTMLparser.h>

#include <algorithm>
#include <iterator>
#include <string>

#include "model/ascii.h"
#include "model/utf8.h"

namespace spamguard {
namespace {

constexpr char32_t kBeyondUnicode = 0x110000;
// The longest name in libxml2's table ("thetasym") has 8 letters.
constexpr size_t kMaxNameLength = 8;

// What a numeric reference to U+0080..U+009F shows: the windows-1252 character of that byte
// (the HTML standard's table for numeric references); 0 where the byte has none, and the
// reference stands for the control character itself.
constexpr char32_t kWindows1252[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 80-87
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,       // 88-8F
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90-97
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,  // 98-9F
};

int HexValue(char c) {
  if (IsAsciiDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<CharacterReference> ReadNumeric(std::string_view text) {
  // text starts with "&#".
  size_t at = 2;
  const bool hex = at < text.size() && (text[at] == 'x' || text[at] == 'X');
  if (hex) ++at;
  const int base = hex ? 16 : 10;
  const size_t digits_begin = at;
  char32_t value = 0;
  for (; at < text.size(); ++at) {
    const int digit = hex ? HexValue(text[at]) : (IsAsciiDigit(text[at]) ? text[at] - '0' : -1);
    if (digit < 0) break;
    // Once past Unicode the value stays there, however many digits follow.
    value = value >= kBeyondUnicode ? kBeyondUnicode
                                    : std::min<char32_t>(value * base + digit, kBeyondUnicode);
  }
  if (at == digits_begin) return std::nullopt;
  if (at < text.size() && text[at] == ';') ++at;
  if (value == 0 || value >= kBeyondUnicode || (value >= 0xD800 && value <= 0xDFFF)) {
    value = kReplacementCharacter;
  } else if (value >= 0x80 && value <= 0x9F && kWindows1252[value - 0x80] != 0) {
    value = kWindows1252[value - 0x80];
  }
  return CharacterReference{value, at, true};
}

std::optional<CharacterReference> ReadNamed(std::string_view text) {
  // text starts with '&' and a letter.
  size_t at = 1;
  while (at < text.size() && at <= kMaxNameLength && IsAsciiAlnum(text[at])) ++at;
  if (at >= text.size() || text[at] != ';') return std::nullopt;
  const std::string name(text.substr(1, at - 1));
  const htmlEntityDesc* entity = htmlEntityLookup(reinterpret_cast<const xmlChar*>(name.c_str()));
  if (entity == nullptr) return std::nullopt;
  return CharacterReference{static_cast<char32_t>(entity->value), at + 1, false};
}

// Elements a browser starts a new line or block for: their tags separate the words around
// them. (Lower case; names are compared case-insensitively.)
constexpr std::string_view kLineBreakingElements[] = {
    "address", "article", "aside",   "blockquote", "br",    "caption",  "center",     "dd",
    "details", "dir",     "div",     "dl",         "dt",    "fieldset", "figcaption", "figure",
    "footer",  "form",    "h1",      "h2",         "h3",    "h4",       "h5",         "h6",
    "header",  "hr",      "legend",  "li",         "main",  "menu",     "nav",        "ol",
    "p",       "pre",     "section", "summary",    "table", "tbody",    "td",         "tfoot",
    "th",      "thead",   "tr",      "ul"};

bool IsLineBreaking(std::string_view name) {
  constexpr size_t kLongest = 10;  // "blockquote"
  if (name.size() > kLongest) return false;
  char lower[kLongest];
  for (size_t k = 0; k < name.size(); ++k) {
    lower[k] = static_cast<char>(name[k] | 0x20);  // ASCII letters and digits only
  }
  const std::string_view folded(lower, name.size());
  return std::find(std::begin(kLineBreakingElements), std::end(kLineBreakingElements), folded) !=
         std::end(kLineBreakingElements);
}

bool IsHtmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// One tag or comment at text[0] == '<'.
std::optional<TagRun> ReadOneTag(std::string_view text) {
  if (text.starts_with("<!--")) {
    // "<!-->" and "<!--->" are empty comments to a browser.
    if (text.starts_with("<!-->")) return TagRun{5, false};
    if (text.starts_with("<!--->")) return TagRun{6, false};
    const size_t close = text.substr(0, kMaxCommentBytes).find("-->", 4);
    if (close == std::string_view::npos) return std::nullopt;
    return TagRun{close + 3, false};
  }
  const std::string_view bounded = text.substr(0, kMaxTagBytes);
  size_t at = 1;
  if (at < bounded.size() && bounded[at] == '/') ++at;
  if (at >= bounded.size() || !IsAsciiLetter(bounded[at])) return std::nullopt;
  const size_t name_begin = at;
  while (at < bounded.size() && IsAsciiAlnum(bounded[at])) ++at;
  const std::string_view name = bounded.substr(name_begin, at - name_begin);
  if (at >= bounded.size()) return std::nullopt;
  if (bounded[at] != '>' && bounded[at] != '/' && !IsHtmlSpace(bounded[at])) return std::nullopt;
  while (at < bounded.size() && bounded[at] != '>' && bounded[at] != '<') ++at;
  if (at >= bounded.size() || bounded[at] != '>') return std::nullopt;
  return TagRun{at + 1, IsLineBreaking(name)};
}

}  // namespace

std::optional<TagRun> ReadTagRun(std::string_view text) {
  std::optional<TagRun> run;
  while (true) {
    const size_t at = run ? run->length : 0;
    if (at >= text.size() || text[at] != '<') break;
    const std::optional<TagRun> tag = ReadOneTag(text.substr(at));
    if (!tag) break;
    if (!run) run.emplace();
    run->length += tag->length;
    run->breaks_line = run->breaks_line || tag->breaks_line;
  }
  return run;
}

std::optional<CharacterReference> ReadCharacterReference(std::string_view text) {
  if (text.size() < 3 || text[0] != '&') return std::nullopt;
  if (text[1] == '#') return ReadNumeric(text);
  if (IsAsciiLetter(text[1])) return ReadNamed(text);
  return std::nullopt;
}

}  // namespace spamguard
