// regex_syntax: the pieces of RE2's pattern syntax that both readers of rule patterns need.
// match_start_literals.cc reads a pattern for where its matches start and how long they are;
// anchored_matcher.cc reads it to match it. Each reader gives up on syntax it does not follow.
//
// Pure functions: safe from any thread.
#ifndef SPAMGUARD_MODEL_REGEX_SYNTAX_H_
#define SPAMGUARD_MODEL_REGEX_SYNTAX_H_

#include <cstddef>
#include <optional>
#include <string_view>

namespace spamguard {

// At the '(' that opens a group (pattern[position] == '('): moves `position` past "(",
// "(?:" or "(?P<name>", which all group alike for a reader that ignores captures, and returns
// true. Returns false for "(?" followed by anything else (flags, such as "(?i)" or "(?s:",
// change how the group matches) or an unclosed name; `position` is then unspecified.
bool SkipGroupOpening(std::string_view pattern, size_t& position);

// Whether the escape "\c" is the character c itself: printable ASCII punctuation or a space
// ("\.", "\ ", "\+", as RE2::QuoteMeta writes them). Not '_', letters or digits, which
// RE2 may read as something else (a class, an assertion, an octal byte).
bool IsQuotedPunctuation(char c);

// A counted repeat "{n}", "{n,}" or "{n,m}" at `position` (pattern[position] == '{'), read
// as RE2 reads one, with `position` moved past its '}'. nullopt, and `position` unchanged,
// where RE2 reads the braces as literal text instead: no digits ("{,3}"), a count with a
// leading zero ("{01}", "{0,05}"), no closing '}'. Counts stop growing once past `cap`, so
// they cannot overflow; a caller compares them with its own limit.
struct CountedRepeat {
  size_t min = 0;
  std::optional<size_t> max;  // nullopt: unbounded ("{n,}")
};
std::optional<CountedRepeat> ReadCountedRepeat(std::string_view pattern, size_t& position,
                                               size_t cap);

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_REGEX_SYNTAX_H_
