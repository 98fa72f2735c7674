#include "model/match_start_literals.h"

#include <string.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>

#include "model/ascii.h"
#include "model/regex_syntax.h"

namespace spamguard {
namespace {

constexpr size_t kMaxStartLiterals = MatchWalker::kMaxStartLiterals;
// Groups nested deeper than this are not followed (a rule pattern nests a few).
constexpr int kMaxGroupDepth = 32;
// Longer literals find the same candidates; shorter ones compare faster.
constexpr size_t kMaxLiteralBytes = 32;
// Candidates that may fail (or be rejected) before the rest of the text is left to RE2's own
// search.
constexpr int kMaxFailedCandidates = 32;

// One way a piece of a pattern can begin: `text`, and whether `text` is the whole of what
// that piece matched (so that what follows the piece extends it).
struct Start {
  std::string text;
  bool whole;
};

enum class Repeat { kOnce, kAtLeastOnce, kMaybeNever };

// The most code points a piece of a pattern can match; nullopt when unbounded or unknown.
using MaxLength = std::optional<size_t>;
// Longer bounds are treated as unbounded, which also keeps the arithmetic from overflowing.
constexpr size_t kMaxBoundedLength = size_t{1} << 24;

MaxLength Plus(MaxLength a, MaxLength b) {
  if (!a || !b || *a + *b > kMaxBoundedLength) return std::nullopt;
  return *a + *b;
}
MaxLength Times(MaxLength length, MaxLength count) {
  if (length == size_t{0} || count == size_t{0}) return size_t{0};
  if (!length || !count || *length > kMaxBoundedLength / *count) return std::nullopt;
  return *length * *count;
}

// A zero-width atom that ties a match to one end of the text.
enum class Anchor { kNone, kTextBegin, kTextEnd };

// Reads a pattern left to right, following RE2's syntax only as far as needed: where a match
// can start, and how long it can be. Each Read* returns false when the pattern uses syntax
// this reader does not follow; the caller then knows nothing about the pattern.
class StartReader {
 public:
  explicit StartReader(std::string_view pattern) : pattern_(pattern) {}

  bool ReadPattern(std::vector<Start>& starts) {
    return ReadAlternation(starts, max_length_) && AtEnd();  // a stray ')' is not followed
  }

  // After ReadPattern: the most code points a match can span, and whether every top-level
  // alternative begins with '^' and ends with '$' (so that every match is the whole text).
  MaxLength max_length() const { return max_length_; }
  bool spans_whole_text() const { return spans_whole_text_; }

 private:
  bool AtEnd() const { return position_ >= pattern_.size(); }
  char Peek() const { return pattern_[position_]; }

  // alternation := sequence ('|' sequence)*, up to an unmatched ')' or the end.
  bool ReadAlternation(std::vector<Start>& starts, MaxLength& max_length) {
    starts.clear();
    max_length = 0;
    while (true) {
      std::vector<Start> sequence;
      MaxLength sequence_length;
      if (!ReadSequence(sequence, sequence_length)) return false;
      max_length = max_length && sequence_length
                       ? MaxLength(std::max(*max_length, *sequence_length))
                       : std::nullopt;
      starts.insert(starts.end(), sequence.begin(), sequence.end());
      if (starts.size() > kMaxStartLiterals) return false;
      if (AtEnd() || Peek() == ')') return true;
      ++position_;  // '|'
    }
  }

  // sequence := (atom repeat?)*. An atom whose start is unknown ends every start that was
  // still growing; the rest of the sequence is still read, to find where it ends.
  bool ReadSequence(std::vector<Start>& starts, MaxLength& max_length) {
    starts = {Start{"", true}};
    max_length = 0;
    const bool top_level = group_depth_ == 0;
    bool first = true;
    bool begins_at_text_begin = false;
    bool ends_at_text_end = false;
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      std::optional<std::vector<Start>> atom;
      MaxLength atom_length;
      Anchor anchor = Anchor::kNone;
      Repeat repeat = Repeat::kOnce;
      MaxLength most_repeats;
      if (!ReadAtom(atom, atom_length, anchor) || !ReadRepeat(repeat, most_repeats)) return false;
      max_length = Plus(max_length, Times(atom_length, most_repeats));
      const bool plain = repeat == Repeat::kOnce && most_repeats == size_t{1};
      if (first) begins_at_text_begin = plain && anchor == Anchor::kTextBegin;
      ends_at_text_end = plain && anchor == Anchor::kTextEnd;
      first = false;
      std::vector<Start> next;
      for (Start& start : starts) {
        if (!start.whole || !atom) {
          next.push_back(Start{std::move(start.text), false});
          continue;
        }
        for (const Start& piece : *atom) {
          next.push_back(Start{start.text + piece.text, piece.whole && repeat == Repeat::kOnce});
        }
        if (repeat == Repeat::kMaybeNever) next.push_back(std::move(start));
      }
      if (next.size() > kMaxStartLiterals) return false;
      starts = std::move(next);
    }
    if (top_level) {
      spans_whole_text_ = spans_whole_text_ && begins_at_text_begin && ends_at_text_end;
    }
    return true;
  }

  // One atom: its starts, or nullopt when they are unknown (a class, '.', an anchor, an
  // escape with a meaning, a non-ASCII character); the most code points it matches; and
  // which end of the text it ties a match to, if it is '^' or '$'.
  bool ReadAtom(std::optional<std::vector<Start>>& atom, MaxLength& max_length, Anchor& anchor) {
    max_length = 1;
    const char c = Peek();
    if (c == '(') {
      // Each group is a level of recursion, and RE2 accepts 100,000 nested ones.
      if (group_depth_ == kMaxGroupDepth || !SkipGroupOpening(pattern_, position_)) return false;
      std::vector<Start> inner;
      ++group_depth_;
      const bool read = ReadAlternation(inner, max_length);
      --group_depth_;
      if (!read || AtEnd()) return false;
      ++position_;  // ')'
      atom = std::move(inner);
      return true;
    }
    if (c == '\\') return ReadEscape(atom, max_length);
    if (c == '[') return SkipClass();
    if (c == '^' || c == '$') {
      // Not multi-line (PatternOptions; flags are not followed): the ends of the text.
      anchor = c == '^' ? Anchor::kTextBegin : Anchor::kTextEnd;
      max_length = 0;
      ++position_;
      return true;
    }
    if (c == '.') {
      ++position_;
      return true;
    }
    if (c == '*' || c == '+' || c == '?' || c == '{' || c == '}' || c == ']') return false;
    if (static_cast<unsigned char>(c) >= 0x80) {
      ++position_;
      while (!AtEnd() && (static_cast<unsigned char>(Peek()) & 0xC0) == 0x80) ++position_;
      return true;
    }
    ++position_;
    atom = std::vector<Start>{Start{std::string(1, c), true}};
    return true;
  }

  // "\." is a literal '.'; "\w", "\pL", "\x{41}" and the like are skipped as unknown starts.
  // Each matches one code point, "\b", "\B", "\A" and "\z" none; "\C" (one byte) and
  // escapes not listed here have no known length.
  bool ReadEscape(std::optional<std::vector<Start>>& atom, MaxLength& max_length) {
    if (position_ + 1 >= pattern_.size()) return false;
    const char c = pattern_[position_ + 1];
    position_ += 2;
    // Octal, \Q...\E, and anything RE2 might not read as the character itself.
    if (c < 0x20 || c > 0x7E || (c >= '0' && c <= '9') || c == 'Q' || c == '_') return false;
    const std::string_view zero_width = "bBAz";
    const std::string_view one_code_point = "dDwWsSpPxntrfva";
    if (zero_width.find(c) != std::string_view::npos) {
      max_length = 0;
    } else if (IsAsciiAlnum(c) && one_code_point.find(c) == std::string_view::npos) {
      max_length = std::nullopt;
    }
    if (IsQuotedPunctuation(c)) {
      atom = std::vector<Start>{Start{std::string(1, c), true}};
      return true;
    }
    if ((c == 'p' || c == 'P' || c == 'x') && !AtEnd()) {
      if (Peek() == '{') {
        const size_t close = pattern_.find('}', position_);
        if (close == std::string_view::npos) return false;
        position_ = close + 1;
      } else {
        position_ += c == 'x' ? 2 : 1;
      }
    }
    return position_ <= pattern_.size();
  }

  // A character class, skipped as unknown: "[^]a-z\]]", "[[:alpha:]x]".
  bool SkipClass() {
    ++position_;  // '['
    if (!AtEnd() && Peek() == '^') ++position_;
    if (!AtEnd() && Peek() == ']') ++position_;
    while (!AtEnd() && Peek() != ']') {
      if (Peek() == '\\') {
        position_ += 2;
      } else if (pattern_.substr(position_, 2) == "[:") {
        const size_t close = pattern_.find(":]", position_ + 2);
        if (close == std::string_view::npos) return false;
        position_ = close + 2;
      } else {
        ++position_;
      }
    }
    if (AtEnd()) return false;
    ++position_;  // ']'
    return true;
  }

  // ?, *, +, {n}, {n,}, {n,m}, each maybe followed by '?' (non-greedy); `most` is the
  // largest count, nullopt when unbounded.
  bool ReadRepeat(Repeat& repeat, MaxLength& most) {
    most = 1;
    if (AtEnd()) return true;
    const char c = Peek();
    if (c == '?' || c == '*') {
      repeat = Repeat::kMaybeNever;
      if (c == '*') most = std::nullopt;
      ++position_;
    } else if (c == '+') {
      repeat = Repeat::kAtLeastOnce;
      most = std::nullopt;
      ++position_;
    } else if (c == '{') {
      const std::optional<CountedRepeat> counted =
          ReadCountedRepeat(pattern_, position_, kMaxBoundedLength);
      if (!counted) return false;  // RE2 reads the braces as literal text
      most = std::nullopt;
      if (counted->max && *counted->max <= kMaxBoundedLength) most = *counted->max;
      repeat = counted->min == 0 ? Repeat::kMaybeNever : Repeat::kAtLeastOnce;
    } else {
      return true;
    }
    if (!AtEnd() && Peek() == '?') ++position_;
    if (!AtEnd() && (Peek() == '?' || Peek() == '*' || Peek() == '+' || Peek() == '{')) {
      return false;
    }
    return true;
  }

  std::string_view pattern_;
  size_t position_ = 0;
  int group_depth_ = 0;
  MaxLength max_length_;
  bool spans_whole_text_ = true;
};

}  // namespace

std::vector<std::string> MatchStartLiterals(std::string_view pattern) {
  std::vector<Start> starts;
  StartReader reader(pattern);
  if (!reader.ReadPattern(starts)) return {};
  std::vector<std::string> literals;
  for (Start& start : starts) {
    if (start.text.empty()) return {};  // a match may start anywhere
    if (start.text.size() > kMaxLiteralBytes) start.text.resize(kMaxLiteralBytes);
    literals.push_back(std::move(start.text));
  }
  // Shortest first, so that a literal another one begins with is kept and the longer dropped:
  // its occurrences are among the shorter one's.
  std::sort(literals.begin(), literals.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  std::vector<std::string> kept;
  for (std::string& literal : literals) {
    const bool covered = std::any_of(kept.begin(), kept.end(), [&](const std::string& shorter) {
      return literal.compare(0, shorter.size(), shorter) == 0;
    });
    if (!covered) kept.push_back(std::move(literal));
  }
  return kept;
}

bool IsLiteralAlternation(std::string_view pattern) {
  std::vector<Start> starts;
  StartReader reader(pattern);
  if (!reader.ReadPattern(starts) || starts.empty()) return false;
  for (const Start& start : starts) {
    if (!start.whole || start.text.empty() || start.text.size() > kMaxLiteralBytes) return false;
    for (const Start& other : starts) {
      // A literal that begins another would make the match depend on alternation order.
      if (&other != &start && other.text.size() >= start.text.size() &&
          other.text.compare(0, start.text.size(), start.text) == 0) {
        return false;
      }
    }
  }
  return true;
}

std::optional<size_t> WholeTextMatchMaxCodePoints(std::string_view pattern) {
  std::vector<Start> starts;
  StartReader reader(pattern);
  if (!reader.ReadPattern(starts) || !reader.spans_whole_text()) return std::nullopt;
  return reader.max_length();
}

SearchText::SearchText(std::string_view text) : text_(text) {
  code_points_ = text.size();
  if (text.size() >= std::numeric_limits<uint32_t>::max()) {
    for (const char c : text) code_points_ -= (static_cast<unsigned char>(c) & 0xC0) == 0x80;
    return;
  }
  indexed_ = true;
  for (const char c : text) ++counts_[static_cast<unsigned char>(c)];
  for (size_t b = 0x80; b < 0xC0; ++b) code_points_ -= counts_[b];
  // A counting sort: first_[b + 1] starts as where byte b's positions begin and is advanced
  // past each one written, which leaves it where byte b + 1's begin.
  for (size_t b = 1; b < 256; ++b) first_[b + 1] = first_[b] + counts_[b - 1];
  positions_ = std::make_unique_for_overwrite<uint32_t[]>(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    positions_[first_[static_cast<unsigned char>(text[i]) + 1]++] = static_cast<uint32_t>(i);
  }
}

// Candidates are the occurrences of the literal's rarest byte, read from the index: no call
// per occurrence (memchr from each one cost ~40% of a heavy spam's span searches), and a
// second byte of the literal, the next rarest, is checked before the whole of it.
size_t SearchText::Find(std::string_view literal, size_t from) const {
  constexpr size_t kNone = std::string_view::npos;
  if (literal.empty() || from >= text_.size() || literal.size() > text_.size() - from) {
    return kNone;
  }
  if (!indexed_) return text_.find(literal, from);
  // One pass for the rarest byte and the next rarest (this choice was most of Find's time).
  size_t pivot = 0;
  size_t second = 0;
  uint32_t fewest = std::numeric_limits<uint32_t>::max();
  uint32_t next_fewest = fewest;
  for (size_t i = 0; i < literal.size(); ++i) {
    const uint32_t occurrences = counts_[static_cast<unsigned char>(literal[i])];
    if (occurrences == 0) return kNone;
    if (occurrences < fewest) {
      next_fewest = fewest;
      second = pivot;
      fewest = occurrences;
      pivot = i;
    } else if (occurrences < next_fewest) {
      next_fewest = occurrences;
      second = i;
    }
  }
  const auto pivot_byte = static_cast<unsigned char>(literal[pivot]);
  const uint32_t* const positions = positions_.get();
  const uint32_t* const end = positions + first_[pivot_byte + 1];
  const uint32_t* at = std::lower_bound(positions + first_[pivot_byte], end, from + pivot);
  const size_t last_start = text_.size() - literal.size();
  const char* const begin = text_.data();
  for (; at != end; ++at) {
    const size_t start = *at - pivot;
    if (start > last_start) break;
    if (begin[start + second] == literal[second] &&
        memcmp(begin + start, literal.data(), literal.size()) == 0) {
      return start;
    }
  }
  return kNone;
}

MatchWalker::MatchWalker(const RE2& regex, const AnchoredMatcher* anchored,
                         const std::vector<std::string>& start_literals, bool literals_are_matches,
                         StartRejection reject_start, const SearchText& text)
    : regex_(regex),
      anchored_(anchored),
      literals_(start_literals),
      literals_are_matches_(literals_are_matches),
      reject_start_(reject_start),
      text_(text),
      literals_usable_(!start_literals.empty() && start_literals.size() <= kMaxStartLiterals) {}

bool MatchWalker::NextWithRe2(size_t position, re2::StringPiece* match) const {
  const std::string_view text = text_.text();
  return regex_.Match(re2::StringPiece(text.data(), text.size()), position, text.size(),
                      RE2::UNANCHORED, match, 1);
}

bool MatchWalker::MatchesAt(size_t start, re2::StringPiece* match) {
  const std::string_view text = text_.text();
  if (anchored_ != nullptr) {
    size_t end = 0;
    switch (anchored_->MatchAt(text, start, &end)) {
      case AnchoredMatcher::Outcome::kMatch:
        *match = re2::StringPiece(text.data() + start, end - start);
        return true;
      case AnchoredMatcher::Outcome::kNoMatch:
        return false;
      case AnchoredMatcher::Outcome::kUnknown:
        anchored_ = nullptr;
        break;
    }
  }
  return regex_.Match(re2::StringPiece(text.data(), text.size()), start, text.size(),
                      RE2::ANCHOR_START, match, 1);
}

bool MatchWalker::Next(size_t position, re2::StringPiece* match) {
  if (!literals_usable_ || failed_ >= kMaxFailedCandidates) return NextWithRe2(position, match);
  constexpr size_t kNone = std::string_view::npos;
  const std::string_view text = text_.text();
  const size_t literal_count = literals_.size();
  if (!primed_) {
    primed_ = true;
    for (size_t i = 0; i < literal_count; ++i) next_[i] = text_.Find(literals_[i], position);
  }
  while (true) {
    size_t candidate = kNone;
    size_t literal = 0;  // which literal occurs at the candidate
    for (size_t i = 0; i < literal_count; ++i) {
      if (next_[i] != kNone && next_[i] < position) next_[i] = text_.Find(literals_[i], position);
      if (next_[i] < candidate) {
        candidate = next_[i];
        literal = i;
      }
    }
    if (candidate == kNone) return false;
    position = candidate + 1;
    const bool rejected = reject_start_ != nullptr && reject_start_(text, candidate);
    if (!rejected && literals_are_matches_) {
      *match = re2::StringPiece(text.data() + candidate, literals_[literal].size());
      return true;
    }
    if (!rejected && MatchesAt(candidate, match)) return true;
    if (++failed_ == kMaxFailedCandidates) return NextWithRe2(position, match);
  }
}

}  // namespace spamguard
