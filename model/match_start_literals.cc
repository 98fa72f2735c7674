#include "model/match_start_literals.h"

#include <string.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

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

bool IsAsciiAlphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Reads a pattern left to right, following RE2's syntax only as far as needed. Each Read*
// returns false when the pattern uses syntax this reader does not follow; the caller then
// knows nothing about where a match starts.
class StartReader {
 public:
  explicit StartReader(std::string_view pattern) : pattern_(pattern) {}

  bool ReadPattern(std::vector<Start>& starts) {
    return ReadAlternation(starts) && AtEnd();  // a stray ')' is not followed
  }

 private:
  bool AtEnd() const { return position_ >= pattern_.size(); }
  char Peek() const { return pattern_[position_]; }

  // alternation := sequence ('|' sequence)*, up to an unmatched ')' or the end.
  bool ReadAlternation(std::vector<Start>& starts) {
    starts.clear();
    while (true) {
      std::vector<Start> sequence;
      if (!ReadSequence(sequence)) return false;
      starts.insert(starts.end(), sequence.begin(), sequence.end());
      if (starts.size() > kMaxStartLiterals) return false;
      if (AtEnd() || Peek() == ')') return true;
      ++position_;  // '|'
    }
  }

  // sequence := (atom repeat?)*. An atom whose start is unknown ends every start that was
  // still growing; the rest of the sequence is still read, to find where it ends.
  bool ReadSequence(std::vector<Start>& starts) {
    starts = {Start{"", true}};
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      std::optional<std::vector<Start>> atom;
      Repeat repeat = Repeat::kOnce;
      if (!ReadAtom(atom) || !ReadRepeat(repeat)) return false;
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
    return true;
  }

  // One atom: its starts, or nullopt when they are unknown (a class, '.', an anchor, an
  // escape with a meaning, a non-ASCII character).
  bool ReadAtom(std::optional<std::vector<Start>>& atom) {
    const char c = Peek();
    if (c == '(') {
      // Each group is a level of recursion, and RE2 accepts 100,000 nested ones.
      if (group_depth_ == kMaxGroupDepth) return false;
      ++position_;
      const std::string_view rest = pattern_.substr(position_);
      if (rest.substr(0, 2) == "?:") {
        position_ += 2;
      } else if (rest.substr(0, 3) == "?P<") {
        const size_t close = pattern_.find('>', position_);
        if (close == std::string_view::npos) return false;
        position_ = close + 1;
      } else if (rest.substr(0, 1) == "?") {
        return false;  // flags change how the rest of the group matches
      }
      std::vector<Start> inner;
      ++group_depth_;
      const bool read = ReadAlternation(inner);
      --group_depth_;
      if (!read || AtEnd()) return false;
      ++position_;  // ')'
      atom = std::move(inner);
      return true;
    }
    if (c == '\\') return ReadEscape(atom);
    if (c == '[') return SkipClass();
    if (c == '.' || c == '^' || c == '$') {
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

  // "\." is a literal '.'; "\w", "\pL", "\x{41}" and the like are skipped as unknown.
  bool ReadEscape(std::optional<std::vector<Start>>& atom) {
    if (position_ + 1 >= pattern_.size()) return false;
    const char c = pattern_[position_ + 1];
    position_ += 2;
    // Octal, \Q...\E, and anything RE2 might not read as the character itself.
    if (c < 0x20 || c > 0x7E || (c >= '0' && c <= '9') || c == 'Q' || c == '_') return false;
    if (!IsAsciiAlphanumeric(c)) {
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

  // ?, *, +, {n}, {n,}, {n,m}, each maybe followed by '?' (non-greedy).
  bool ReadRepeat(Repeat& repeat) {
    if (AtEnd()) return true;
    const char c = Peek();
    if (c == '?' || c == '*') {
      repeat = Repeat::kMaybeNever;
      ++position_;
    } else if (c == '+') {
      repeat = Repeat::kAtLeastOnce;
      ++position_;
    } else if (c == '{') {
      size_t at = position_ + 1;
      size_t digits = 0;
      bool minimum_zero = true;
      while (at < pattern_.size() && pattern_[at] >= '0' && pattern_[at] <= '9') {
        minimum_zero = minimum_zero && pattern_[at] == '0';
        ++at;
        ++digits;
      }
      if (digits == 0) return false;  // RE2 reads a '{' that starts no repeat as a literal
      if (at < pattern_.size() && pattern_[at] == ',') {
        ++at;
        while (at < pattern_.size() && pattern_[at] >= '0' && pattern_[at] <= '9') ++at;
      }
      if (at >= pattern_.size() || pattern_[at] != '}') return false;
      position_ = at + 1;
      repeat = minimum_zero ? Repeat::kMaybeNever : Repeat::kAtLeastOnce;
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

SearchText::SearchText(std::string_view text) : text_(text) {
  for (const char c : text) ++byte_counts_[static_cast<unsigned char>(c)];
}

// memchr finds the literal's rarest byte and memcmp checks the rest. string_view::find calls
// memchr again at every occurrence of the first byte ("e love" cost ~250 ns in a 480-byte
// comment) and glibc's memmem builds a shift table on each call (~100 ns even when absent).
size_t SearchText::Find(std::string_view literal, size_t from) const {
  constexpr size_t kNone = std::string_view::npos;
  if (literal.empty() || from >= text_.size() || literal.size() > text_.size() - from) {
    return kNone;
  }
  size_t pivot = 0;
  for (size_t i = 0; i < literal.size(); ++i) {
    const uint32_t count = byte_counts_[static_cast<unsigned char>(literal[i])];
    if (count == 0) return kNone;
    if (count < byte_counts_[static_cast<unsigned char>(literal[pivot])]) pivot = i;
  }
  const char* const begin = text_.data();
  const char* const last_pivot = begin + (text_.size() - literal.size()) + pivot;
  const char* probe = begin + from + pivot;
  while (probe <= last_pivot) {
    const void* hit = memchr(probe, literal[pivot], static_cast<size_t>(last_pivot - probe) + 1);
    if (hit == nullptr) break;
    const char* const start = static_cast<const char*>(hit) - pivot;
    if (memcmp(start, literal.data(), literal.size()) == 0) {
      return static_cast<size_t>(start - begin);
    }
    probe = static_cast<const char*>(hit) + 1;
  }
  return kNone;
}

MatchWalker::MatchWalker(const RE2& regex, const std::vector<std::string>& start_literals,
                         bool literals_are_matches, StartRejection reject_start,
                         const SearchText& text)
    : regex_(regex),
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

bool MatchWalker::Next(size_t position, re2::StringPiece* match) {
  if (!literals_usable_ || failed_ >= kMaxFailedCandidates) return NextWithRe2(position, match);
  constexpr size_t kNone = std::string_view::npos;
  const std::string_view text = text_.text();
  const re2::StringPiece whole(text.data(), text.size());
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
    if (!rejected && regex_.Match(whole, candidate, text.size(), RE2::ANCHOR_START, match, 1)) {
      return true;
    }
    if (++failed_ == kMaxFailedCandidates) return NextWithRe2(position, match);
  }
}

}  // namespace spamguard
