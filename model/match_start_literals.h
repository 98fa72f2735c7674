// Finding where a rule pattern matches, faster than an unanchored RE2 search when the pattern
// can only start with a few literal strings.
//
// The rule pack's RE2::Set says which patterns match a comment but not where, so every
// matched pattern is searched again for its spans. An unanchored RE2 search walks the whole
// text through a DFA (~1.5 ns a byte, ~100 ns a call); a pattern like
// "(?:get|bring)\W+(?:your\W+)?love\W+back" can only start where "get" or "bring" occurs, so
// finding those with memchr/memcmp and trying an anchored match there is several times
// cheaper. RE2 does not expose its own analysis of a pattern, so MatchStartLiterals reads
// the pattern source itself and gives up (returns no literals) on anything it does not
// follow; the search then falls back to RE2's own.
//
// Plain functions over immutable input: safe from any thread.
#ifndef SPAMGUARD_MODEL_MATCH_START_LITERALS_H_
#define SPAMGUARD_MODEL_MATCH_START_LITERALS_H_

#include <re2/re2.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/anchored_matcher.h"

namespace spamguard {

// The literal strings every match of `pattern` begins with (each match begins with at least
// one of them), for a pattern compiled case-sensitively in UTF-8 mode. Empty when a match
// could begin with something else, or when the pattern uses syntax this reader does not
// follow (a class, '.', an escape like \w or an anchor first; flags; more than 16
// alternatives; groups nested more than 32 deep): an empty result is always safe, a
// non-empty one is exact. Literals are ASCII and at most 32 bytes; none is a prefix of
// another.
//   "wazifa"                          -> {"wazifa"}
//   "(?:get|bring)\W+love"            -> {"get", "bring"}
//   "(?:world\W+)?famous"             -> {"world", "famous"}
//   "lost lover? back"                -> {"lost lover", "lost love back"}
//   "\w+loan", "^buy", "(?i)cheap"    -> {}
std::vector<std::string> MatchStartLiterals(std::string_view pattern);

// Whether every match of `pattern` is exactly one of MatchStartLiterals(pattern): the
// pattern is an alternation of plain literals (escaped punctuation included), each at most
// 32 bytes and none a prefix of another, so that where one occurs that occurrence is the
// match, and RE2 need not run. Conservative like MatchStartLiterals: false whenever unsure.
//   "wazifa", "viagra|cialis", "black\ magic", "(?:buy|order) pills"  -> true
//   "love|lover" (a prefix), "colou?r", "ab+", "^buy", "qurani\W+dua"  -> false
bool IsLiteralAlternation(std::string_view pattern);

// The most code points a match of `pattern` can span, when every match of it is the whole
// text: each top-level alternative begins with '^' and ends with '$' (RE2 without the
// multi-line flag), and every repetition in it is bounded. A longer text cannot match, so
// it need not be searched. nullopt otherwise, and whenever the reader is unsure (flags, \C,
// the cases where MatchStartLiterals gives up on a pattern's syntax).
//   "^.{0,199}(contact|offer|join).{0,99}\d{9}.{0,99}$"  -> 199 + 7 + 99 + 9 + 99 = 413
//   "^(?:buy|sell) [a-z]{2,5}$"                           -> 10
//   "^buy.*$", "buy.{0,20}$", "^a$|b", "(?s)^x$"          -> nullopt
std::optional<size_t> WholeTextMatchMaxCodePoints(std::string_view pattern);

// A text prepared for MatchWalker: where each byte value occurs in it, so that a literal is
// looked for only at the occurrences of its rarest byte in this text, and not at all when
// one of its bytes is absent (most of a pattern's alternatives are). Costs two passes over
// the text and 4 bytes per text byte; build it once per text and share it between patterns.
// Refers to `text`, which must outlive it. Texts of 4 GiB or more are not indexed (Find
// still answers, by a plain search).
class SearchText {
 public:
  explicit SearchText(std::string_view text);

  std::string_view text() const { return text_; }
  // How many code points the text has (its bytes that do not continue a UTF-8 sequence).
  size_t code_points() const { return code_points_; }

  // The first occurrence of `literal` at or after `from`, or npos.
  size_t Find(std::string_view literal, size_t from) const;

 private:
  std::string_view text_;
  size_t code_points_ = 0;
  bool indexed_ = false;
  // How often each byte value occurs; positions_[first_[b] .. first_[b + 1]) are the offsets
  // of byte value b, ascending.
  std::array<uint32_t, 256> counts_{};
  std::array<uint32_t, 257> first_{};
  std::unique_ptr<uint32_t[]> positions_;
};

// Says whether a match may not start at `offset` of `text` (a rule that wants whole words
// rejects a start glued to a letter).
using StartRejection = bool (*)(std::string_view text, size_t offset);

// The matches of one regex in one text, walked left to right as a span search does: each
// call finds the leftmost match that starts at or after `position`, and `position` never
// decreases from one call to the next. Each result is the same, in the same cases, as
// regex.Match(text, position, text.size(), RE2::UNANCHORED, match, 1), except that starts
// where `reject_start` (if not null) holds are skipped while the literals are in use.
// `literals_are_matches` must be IsLiteralAlternation(regex.pattern()): then an occurrence
// that is not rejected is the match itself, and RE2 runs only after the fallback below.
// `start_literals` must be MatchStartLiterals(regex.pattern()), or empty to search with RE2
// alone (then, and after many failed candidates, a rejected start can come back: callers
// check it). Candidates are the literals' occurrences, tried in order with an anchored
// match: by `anchored` when it is not null (it must be AnchoredMatcher::Compile of the
// regex's pattern) and answers, else by RE2; once it has not answered, RE2 answers for the
// rest of the walk, so that a pattern that exhausts its budget does so once per walk. Where each
// literal next occurs is remembered between calls, so a walk looks for each occurrence once. Past
// 32 failed or rejected candidates in a walk the rest is left to RE2's unanchored search, so a text
// full of one literal costs no more than about one such search per match. Refers to its arguments,
// which must outlive it.
class MatchWalker {
 public:
  static constexpr size_t kMaxStartLiterals = 16;

  MatchWalker(const RE2& regex, const AnchoredMatcher* anchored,
              const std::vector<std::string>& start_literals, bool literals_are_matches,
              StartRejection reject_start, const SearchText& text);

  bool Next(size_t position, re2::StringPiece* match);

 private:
  bool NextWithRe2(size_t position, re2::StringPiece* match) const;
  bool MatchesAt(size_t start, re2::StringPiece* match);

  const RE2& regex_;
  const AnchoredMatcher* anchored_;  // null once it has answered kUnknown
  const std::vector<std::string>& literals_;
  const bool literals_are_matches_;
  const StartRejection reject_start_;
  const SearchText& text_;
  bool literals_usable_;
  bool primed_ = false;  // next_ holds positions
  int failed_ = 0;
  // The next occurrence of each literal at or after the last candidate tried (npos: none).
  std::array<size_t, kMaxStartLiterals> next_{};
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_MATCH_START_LITERALS_H_
