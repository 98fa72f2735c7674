// html_text: reading the two pieces of HTML syntax that change what a comment's reader sees,
// the way a browser does. Blog engines hand over comment HTML, so a reader sees
// "&#87;hatsapp" as "Whatsapp" and "What<b></b>sapp" as "Whatsapp"; the Normalizer reads the
// text as displayed before anything else reads it.
//
// Character references (ReadCharacterReference; the HTML standard's tokenizer, simplified):
//   - decimal "&#" digits and hexadecimal "&#x" / "&#X" hex digits, with or without the
//     closing ';' (browsers accept both). Any number of leading zeros. A value of 0, a
//     surrogate or one above U+10FFFF reads as U+FFFD, and one of U+0080..U+009F as the
//     windows-1252 character of that byte ("don&#146;t" shows "don’t"), as in a browser.
//   - named references "&name;" of HTML 4 and XHTML (libxml2's table: amp, lt, quot, apos,
//     nbsp, eacute, hellip, ... 253 names, case-sensitive), only with the ';'. HTML5's further
//     names ("&NewLine;", "&bigstar;") and names without ';' are left as text.
//
// Tags (ReadTagRun): a start or end tag, "<name ...>" or "</name ...>" (name: an ASCII letter,
// then letters and digits; attributes: anything but '<' and '>', quotes not honoured), at
// most kMaxTagBytes long, or a comment "<!-- ... -->" of at most kMaxCommentBytes (a comment
// may hold '<', so each "<!--" looks that far for its end; "<!-->" and "<!--->" are empty
// comments, as in a browser). A run is such tags back to back. Whether a run breaks the line
// ("<br>", "<p>", "<div>", "<li>", ...) is what matters to the words around it: a break
// separates them, any other tag does not.
//
// Pure functions: safe from any thread.
#ifndef SPAMGUARD_MODEL_HTML_TEXT_H_
#define SPAMGUARD_MODEL_HTML_TEXT_H_

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

inline constexpr size_t kMaxTagBytes = 1024;
inline constexpr size_t kMaxCommentBytes = 64;

struct TagRun {
  size_t length = 0;         // bytes of the run, from its first '<' to its last '>'
  bool breaks_line = false;  // some tag of it starts a new line or block
};

// The run of tags and comments at the start of `text` (which begins with '<'), or nullopt
// when no tag starts there ("< 3", "<3", "<b" with no '>').
std::optional<TagRun> ReadTagRun(std::string_view text);

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_HTML_TEXT_H_
