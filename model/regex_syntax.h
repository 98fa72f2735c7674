// regex_syntax: the pieces of RE2's pattern syntax that both readers of rule patterns need.
// match_start_literals.cc reads a pattern for where its matches start and how long they are;
// anchored_matcher.cc reads it to match it. Each reader gives up on syntax it does not follow.
//
// Pure functions: safe from any thread.
#ifndef SPAMGUARD_MODEL_REGEX_SYNTAX_H_
#define SPAMGUARD_MODEL_REGEX_SYNTAX_H_

#include <cstddef>
#include <string_view>

namespace spamguard {

// At the '(' that opens a group (pattern[position] == '('): moves `position` past "(",
// "(?:" or "(?P<name>", which all group alike for a reader that ignores captures, and returns
// true. Returns false for "(?" followed by anything else (flags, such as "(?i)" or "(?s:",
// change how the group matches) or an unclosed name; `position` is then unspecified.
bool SkipGroupOpening(std::string_view pattern, size_t& position);

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_REGEX_SYNTAX_H_
