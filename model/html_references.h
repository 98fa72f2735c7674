// html_references: reading one HTML character reference ("&#87;", "&#x57;", "&amp;") the way
// a browser displays it. Blog engines hand over comment HTML, so a reader sees "&#87;hatsapp"
// as "Whatsapp"; the Normalizer decodes references before anything else reads the text.
//
// What is read (the HTML standard's tokenizer, simplified):
//   - decimal "&#" digits and hexadecimal "&#x" / "&#X" hex digits, with or without the
//     closing ';' (browsers accept both). Any number of leading zeros. A value of 0, a
//     surrogate or one above U+10FFFF reads as U+FFFD, and one of U+0080..U+009F as the
//     windows-1252 character of that byte ("don&#146;t" shows "don’t"), as in a browser.
//   - named references "&name;" of HTML 4 and XHTML (libxml2's table: amp, lt, quot, apos,
//     nbsp, eacute, hellip, ... 253 names, case-sensitive), only with the ';'. HTML5's further
//     names ("&NewLine;", "&bigstar;") and names without ';' are left as text.
//
// Pure functions: safe from any thread.
#ifndef SPAMGUARD_MODEL_HTML_REFERENCES_H_
#define SPAMGUARD_MODEL_HTML_REFERENCES_H_

#include <cstddef>
#include <optional>
#include <string_view>

namespace spamguard {

struct CharacterReference {
  char32_t code_point = 0;
  size_t length = 0;     // bytes of the reference, '&' and any ';' included
  bool numeric = false;  // "&#...", not "&name;"
};

// The reference at the start of `text` (which begins with '&'), or nullopt when there is none
// ("&", "& ", "&#;", "&#x;", "&unknown;", "&amp" without ';').
std::optional<CharacterReference> ReadCharacterReference(std::string_view text);

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_HTML_REFERENCES_H_
