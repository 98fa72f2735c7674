// AnchoredMatcher: where a rule pattern's match that starts at a given offset ends, for the
// part of RE2's syntax that rule patterns use, without RE2's per-call cost.
//
// FindSpans tries a matched pattern at each place where one of its start literals occurs
// (MatchWalker). RE2 answers each such anchored question in 45-70 ns even when warm: it takes a
// reader lock, sets up a search, and walks DFA states scattered in memory. The 23 such calls of a
// heavy spam cost about a quarter of its rule evaluation (docs/performance.md). AnchoredMatcher
// answers the same question by backtracking over the parsed pattern with the leftmost-first
// rule that RE2 also follows (Perl's): a group's alternatives in order, greedy repeats longest
// first, the first way that completes the pattern wins.
//
// Syntax read (anything else: Compile returns null and the caller keeps using RE2):
//   characters (UTF-8 included) and escaped punctuation; \n \t \r \f \v \a;
//   . \w \W \d \D \s \S; classes of ASCII characters and ranges, negated or not, with
//   \w \W \d \D \s \S inside; ^ $ \A \z \b \B;
//   groups (?:...), (...), (?P<name>...); alternation;
//   greedy ? * + {n} {n,} {n,m} (n, m at most 1000, no leading zero: RE2 reads "{01}" as
//   text) on anything that cannot match empty text.
// Not read: flags such as (?i), non-greedy repeats, \p and \x, POSIX classes, \C, \Q...\E.
// The pattern must be compiled as rule_pack::PatternOptions() compiles it: case-sensitive,
// UTF-8, not multi-line ('^' and '$' are the ends of the text), '.' not matching '\n'.
//
// Every call is bounded. Past kMaxSteps steps (a node tried or a code point scanned), or
// kMaxDepth nested ones, MatchAt gives up and says kUnknown; the caller then asks RE2, so a
// pattern that backtracks badly costs at most that bound (about 4 us) before RE2's linear
// search takes over. The most any shipped pattern used, tried at every offset of 1,076
// corpus comments, was 815 steps (the counted "^.{0,199}(contact|offer|join)..."); most use
// a few dozen. A character that is not valid UTF-8, where the match must read one as a code point,
// also gives kUnknown.
//
// Immutable once compiled: MatchAt may be called from any thread.
#ifndef SPAMGUARD_MODEL_ANCHORED_MATCHER_H_
#define SPAMGUARD_MODEL_ANCHORED_MATCHER_H_

#include <cstddef>
#include <memory>
#include <string_view>

namespace spamguard {

class AnchoredMatcher {
 public:
  static constexpr int kMaxSteps = 1000;
  static constexpr int kMaxDepth = 200;

  enum class Outcome { kMatch, kNoMatch, kUnknown };

  // The matcher of `pattern`, or null when the pattern uses syntax it does not read.
  static std::unique_ptr<const AnchoredMatcher> Compile(std::string_view pattern);

  // Whether the pattern matches `text` starting at `start`; on kMatch, *end is where the
  // leftmost-first match ends. The same answer as RE2::Match(text, start, text.size(),
  // RE2::ANCHOR_START, &match, 1), unless kUnknown.
  Outcome MatchAt(std::string_view text, size_t start, size_t* end) const;

  ~AnchoredMatcher();

  struct Node;

 private:
  AnchoredMatcher();
  std::unique_ptr<Node> root_;  // a group: the pattern's top-level alternatives
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_ANCHORED_MATCHER_H_
