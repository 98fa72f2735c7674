#include "model/anchored_matcher.h"

#include <string.h>

#include <bitset>
#include <string>
#include <utility>
#include <vector>

#include "model/ascii.h"
#include "model/regex_syntax.h"

namespace spamguard {
namespace {

// RE2's own limit on a counted repetition.
constexpr int kMaxRepeatCount = 1000;
// Groups nested deeper than this are not read (a rule pattern nests a few).
constexpr int kMaxGroupDepth = 32;

// Which code points a class matches: the ASCII ones one by one, all others together (the
// syntax read has no class that tells non-ASCII code points apart).
struct CodePointClass {
  std::bitset<128> ascii;
  bool non_ascii = false;

  void Add(const CodePointClass& other) {
    ascii |= other.ascii;
    non_ascii = non_ascii || other.non_ascii;
  }
  CodePointClass Complement() const { return CodePointClass{~ascii, !non_ascii}; }
};

CodePointClass AsciiRange(char low, char high) {
  CodePointClass range;
  for (int c = low; c <= high; ++c) range.ascii.set(static_cast<size_t>(c));
  return range;
}

// \d \w \s and their complements, as RE2 defines them (ASCII only); false for other letters.
bool NamedClass(char name, CodePointClass& out) {
  CodePointClass named;
  switch (name) {
    case 'd':
    case 'D':
      named = AsciiRange('0', '9');
      break;
    case 'w':
    case 'W':
      named = AsciiRange('0', '9');
      named.Add(AsciiRange('A', 'Z'));
      named.Add(AsciiRange('a', 'z'));
      named.ascii.set('_');
      break;
    case 's':
    case 'S':
      for (const char c : {'\t', '\n', '\f', '\r', ' '}) named.ascii.set(static_cast<size_t>(c));
      break;
    default:
      return false;
  }
  out = name >= 'a' ? named : named.Complement();
  return true;
}

// The character an escape stands for when it is one character ("\." "\ " "\n"), or -1.
int EscapedCharacter(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case 'f':
      return '\f';
    case 'v':
      return '\v';
    case 'a':
      return '\a';
    default:
      return IsQuotedPunctuation(c) ? c : -1;
  }
}

enum class NodeKind { kLiteral, kClass, kAssertion, kGroup, kRepeat };
enum class Assertion { kTextBegin, kTextEnd, kWordBoundary, kNotWordBoundary };

}  // namespace

using Sequence = std::vector<AnchoredMatcher::Node>;

struct AnchoredMatcher::Node {
  NodeKind kind = NodeKind::kLiteral;
  std::string literal;                          // kLiteral: bytes that must follow
  CodePointClass code_points;                   // kClass: one code point among these
  Assertion assertion = Assertion::kTextBegin;  // kAssertion
  std::vector<Sequence> alternatives;           // kGroup; kRepeat: one, holding the repeated node
  // kGroup: per alternative, the byte its every match begins with, or -1 when not known.
  std::vector<int> first_bytes;
  int min = 1;  // kRepeat: counts; max -1 when unbounded
  int max = 1;
};

namespace {

using Node = AnchoredMatcher::Node;

// Whether a node can match without consuming text.
bool CanBeEmpty(const Node& node) {
  switch (node.kind) {
    case NodeKind::kLiteral:
      return node.literal.empty();
    case NodeKind::kClass:
      return false;
    case NodeKind::kAssertion:
      return true;
    case NodeKind::kGroup:
      for (const Sequence& alternative : node.alternatives) {
        bool empty = true;
        for (const Node& part : alternative) empty = empty && CanBeEmpty(part);
        if (empty) return true;
      }
      return false;
    case NodeKind::kRepeat:
      return node.min == 0 || CanBeEmpty(node.alternatives[0][0]);
  }
  return true;
}

// Reads a pattern into nodes; each Read* returns false on syntax outside the subset.
class PatternParser {
 public:
  explicit PatternParser(std::string_view pattern) : pattern_(pattern) {}

  bool Parse(Node& root) {
    return ReadAlternation(root) && AtEnd();  // a stray ')' is not read
  }

 private:
  bool AtEnd() const { return position_ >= pattern_.size(); }
  char Peek() const { return pattern_[position_]; }

  bool ReadAlternation(Node& group) {
    group.kind = NodeKind::kGroup;
    while (true) {
      Sequence& alternative = group.alternatives.emplace_back();
      if (!ReadSequence(alternative)) return false;
      const bool literal_first = !alternative.empty() && alternative[0].kind == NodeKind::kLiteral;
      group.first_bytes.push_back(
          literal_first ? static_cast<unsigned char>(alternative[0].literal[0]) : -1);
      if (AtEnd() || Peek() == ')') return true;
      ++position_;  // '|'
    }
  }

  bool ReadSequence(Sequence& sequence) {
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      Node atom;
      int min = 1;
      int max = 1;
      if (!ReadAtom(atom) || !ReadRepeat(min, max)) return false;
      if (min == 1 && max == 1) {
        // "love" is one literal, not four.
        if (atom.kind == NodeKind::kLiteral && !sequence.empty() &&
            sequence.back().kind == NodeKind::kLiteral) {
          sequence.back().literal += atom.literal;
        } else {
          sequence.push_back(std::move(atom));
        }
        continue;
      }
      // A repeat of what can match empty text is where engines differ (and loops).
      if (CanBeEmpty(atom)) return false;
      Node repeat;
      repeat.kind = NodeKind::kRepeat;
      repeat.min = min;
      repeat.max = max;
      repeat.alternatives.emplace_back();
      repeat.alternatives.back().push_back(std::move(atom));
      sequence.push_back(std::move(repeat));
    }
    return true;
  }

  bool ReadAtom(Node& atom) {
    const char c = Peek();
    switch (c) {
      case '(': {
        if (group_depth_ == kMaxGroupDepth || !SkipGroupOpening(pattern_, position_)) {
          return false;
        }
        ++group_depth_;
        const bool read = ReadAlternation(atom);
        --group_depth_;
        if (!read || AtEnd()) return false;
        ++position_;  // ')'
        return true;
      }
      case '[':
        return ReadClass(atom);
      case '\\':
        return ReadEscape(atom);
      case '.':
        ++position_;
        atom.kind = NodeKind::kClass;
        atom.code_points = AsciiRange('\n', '\n').Complement();
        return true;
      case '^':
      case '$':
        ++position_;
        atom.kind = NodeKind::kAssertion;
        atom.assertion = c == '^' ? Assertion::kTextBegin : Assertion::kTextEnd;
        return true;
      case '*':
      case '+':
      case '?':
      case '{':
      case '}':
      case ']':
        return false;
      default:
        break;
    }
    // One code point, all its bytes: a repeat after it repeats the whole of it.
    const size_t begin = position_++;
    while (!AtEnd() && (static_cast<unsigned char>(Peek()) & 0xC0) == 0x80) ++position_;
    atom.kind = NodeKind::kLiteral;
    atom.literal = std::string(pattern_.substr(begin, position_ - begin));
    return true;
  }

  bool ReadEscape(Node& atom) {
    if (position_ + 1 >= pattern_.size()) return false;
    const char c = pattern_[position_ + 1];
    position_ += 2;
    if (NamedClass(c, atom.code_points)) {
      atom.kind = NodeKind::kClass;
      return true;
    }
    atom.kind = NodeKind::kAssertion;
    switch (c) {
      case 'b':
        atom.assertion = Assertion::kWordBoundary;
        return true;
      case 'B':
        atom.assertion = Assertion::kNotWordBoundary;
        return true;
      case 'A':
        atom.assertion = Assertion::kTextBegin;
        return true;
      case 'z':
        atom.assertion = Assertion::kTextEnd;
        return true;
      default:
        break;
    }
    const int character = EscapedCharacter(c);
    if (character < 0) return false;
    atom.kind = NodeKind::kLiteral;
    atom.literal = std::string(1, static_cast<char>(character));
    return true;
  }

  // One ASCII character of a class, escaped or not; -1 when it is something else.
  int ReadClassCharacter() {
    const char c = Peek();
    if (c == '\\') {
      if (position_ + 1 >= pattern_.size()) return -1;
      const int character = EscapedCharacter(pattern_[position_ + 1]);
      position_ += 2;
      return character;
    }
    if (static_cast<unsigned char>(c) >= 0x80 || c == '[') return -1;  // POSIX classes too
    ++position_;
    return c;
  }

  // "[a-z0-9]", "[^\w.]", "[]x]": ASCII members only.
  bool ReadClass(Node& atom) {
    ++position_;  // '['
    bool negated = false;
    if (!AtEnd() && Peek() == '^') {
      negated = true;
      ++position_;
    }
    CodePointClass members;
    bool first = true;
    while (true) {
      if (AtEnd()) return false;
      if (Peek() == ']' && !first) {
        ++position_;
        break;
      }
      // A '-' neither first nor last nor in a range is read differently by different engines.
      if (Peek() == '-' && !first && position_ + 1 < pattern_.size() &&
          pattern_[position_ + 1] != ']') {
        return false;
      }
      first = false;
      if (Peek() == '\\' && position_ + 1 < pattern_.size()) {
        CodePointClass named;
        if (NamedClass(pattern_[position_ + 1], named)) {
          members.Add(named);
          position_ += 2;
          continue;
        }
      }
      const int low = ReadClassCharacter();
      if (low < 0) return false;
      int high = low;
      if (position_ + 1 < pattern_.size() && Peek() == '-' && pattern_[position_ + 1] != ']') {
        ++position_;  // '-'
        CodePointClass named;
        if (Peek() == '\\' && position_ + 1 < pattern_.size() &&
            NamedClass(pattern_[position_ + 1], named)) {
          return false;  // "[a-\d]"
        }
        high = ReadClassCharacter();
        if (high < low) return false;
      }
      members.Add(AsciiRange(static_cast<char>(low), static_cast<char>(high)));
    }
    atom.kind = NodeKind::kClass;
    atom.code_points = negated ? members.Complement() : members;
    return true;
  }

  // ?, *, +, {n}, {n,}, {n,m}; max -1 when unbounded. False for a non-greedy or doubled
  // operator.
  bool ReadRepeat(int& min, int& max) {
    if (AtEnd()) return true;
    const char c = Peek();
    if (c == '?') {
      min = 0;
      max = 1;
      ++position_;
    } else if (c == '*' || c == '+') {
      min = c == '*' ? 0 : 1;
      max = -1;
      ++position_;
    } else if (c == '{') {
      const std::optional<CountedRepeat> counted =
          ReadCountedRepeat(pattern_, position_, kMaxRepeatCount);
      if (!counted || counted->min > kMaxRepeatCount ||
          (counted->max && (*counted->max > kMaxRepeatCount || *counted->max < counted->min))) {
        return false;  // RE2 reads the braces as text, or refuses the pattern
      }
      min = static_cast<int>(counted->min);
      max = counted->max ? static_cast<int>(*counted->max) : -1;
    } else {
      return true;
    }
    return AtEnd() || (Peek() != '?' && Peek() != '*' && Peek() != '+' && Peek() != '{');
  }

  std::string_view pattern_;
  size_t position_ = 0;
  int group_depth_ = 0;
};

// What is left to match once the current node is done: the rest of `sequence` from `index`,
// or, when `repeat` is set, more repetitions of it (`count` are done); then `next`.
struct Frame {
  const Sequence* sequence;
  size_t index;
  const Node* repeat;
  int count;
  const Frame* next;
};

// The length of the valid UTF-8 sequence at `position` (not ASCII), or 0 (overlong forms,
// surrogates and values past U+10FFFF are not valid).
size_t Utf8Length(std::string_view text, size_t position) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[position + i]); };
  const unsigned char lead = byte(0);
  size_t length = 0;
  unsigned char second_low = 0x80;
  unsigned char second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;
    if (lead == 0xED) second_high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;
    if (lead == 0xF4) second_high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() - position < length) return 0;
  if (byte(1) < second_low || byte(1) > second_high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
  }
  return length;
}

// One MatchAt call: a depth-first search over the ways the pattern can match, in
// leftmost-first order, within the step budget.
class Backtracker {
 public:
  explicit Backtracker(std::string_view text) : text_(text) {}

  bool unknown() const { return unknown_; }
  size_t end() const { return end_; }

  bool MatchGroup(const Node& group, size_t position, const Frame* next, int depth) {
    const int here = position < text_.size() ? static_cast<unsigned char>(text_[position]) : -1;
    for (size_t i = 0; i < group.alternatives.size(); ++i) {
      const int first = group.first_bytes[i];
      if (first >= 0 && first != here) continue;  // "call|contact|msg" at "whats"
      if (MatchSequence(group.alternatives[i], 0, position, next, depth + 1)) return true;
      if (unknown_) return false;
    }
    return false;
  }

 private:
  bool Spend(int steps, int depth) {
    steps_ += steps;
    if (steps_ > AnchoredMatcher::kMaxSteps || depth > AnchoredMatcher::kMaxDepth) {
      unknown_ = true;
      return false;
    }
    return true;
  }

  bool MatchSequence(const Sequence& sequence, size_t index, size_t position, const Frame* next,
                     int depth) {
    if (!Spend(1, depth)) return false;
    for (; index < sequence.size(); ++index) {
      const Node& node = sequence[index];
      switch (node.kind) {
        case NodeKind::kLiteral: {
          const std::string& literal = node.literal;
          if (literal.size() > text_.size() - position ||
              memcmp(text_.data() + position, literal.data(), literal.size()) != 0) {
            return false;
          }
          position += literal.size();
          break;
        }
        case NodeKind::kClass: {
          const size_t length = CodePointIn(node.code_points, position);
          if (length == 0) return false;
          position += length;
          break;
        }
        case NodeKind::kAssertion:
          if (!Holds(node.assertion, position)) return false;
          break;
        case NodeKind::kGroup: {
          const Frame rest{&sequence, index + 1, nullptr, 0, next};
          return MatchGroup(node, position, &rest, depth);
        }
        case NodeKind::kRepeat: {
          const Frame rest{&sequence, index + 1, nullptr, 0, next};
          const Node& body = node.alternatives[0][0];
          if (body.kind == NodeKind::kClass) return MatchClassRun(node, position, &rest, depth);
          return MatchRepeat(node, 0, position, &rest, depth);
        }
      }
    }
    return Continue(next, position, depth);
  }

  bool Continue(const Frame* next, size_t position, int depth) {
    if (next == nullptr) {
      end_ = position;
      return true;
    }
    if (next->repeat != nullptr) {
      return MatchRepeat(*next->repeat, next->count, position, next->next, depth + 1);
    }
    return MatchSequence(*next->sequence, next->index, position, next->next, depth + 1);
  }

  // `count` repetitions are done and end at `position`: one more first (greedy), then the
  // rest of the pattern.
  bool MatchRepeat(const Node& repeat, int count, size_t position, const Frame* next, int depth) {
    if (!Spend(1, depth)) return false;
    if (repeat.max < 0 || count < repeat.max) {
      const Frame again{nullptr, 0, &repeat, count + 1, next};
      if (MatchSequence(repeat.alternatives[0], 0, position, &again, depth + 1)) return true;
      if (unknown_) return false;
    }
    return count >= repeat.min && Continue(next, position, depth);
  }

  // A repeated class ("\W+", ".{0,20}"): the longest run first, then one code point shorter
  // at a time, without a level of recursion per code point.
  bool MatchClassRun(const Node& repeat, size_t position, const Frame* next, int depth) {
    const CodePointClass& members = repeat.alternatives[0][0].code_points;
    size_t end = position;
    int count = 0;
    while (repeat.max < 0 || count < repeat.max) {
      // Each code point is a step: a run longer than the budget is not scanned to its end.
      if (!Spend(1, depth)) return false;
      const size_t length = CodePointIn(members, end);
      if (length == 0) break;
      end += length;
      ++count;
    }
    if (unknown_) return false;
    while (count >= repeat.min) {
      if (Continue(next, end, depth)) return true;
      if (unknown_ || count == 0) return false;
      do {
        --end;
      } while ((static_cast<unsigned char>(text_[end]) & 0xC0) == 0x80);
      --count;
    }
    return false;
  }

  // The length of the code point at `position` when the class has it, else 0.
  size_t CodePointIn(const CodePointClass& members, size_t position) {
    if (position >= text_.size()) return 0;
    const auto byte = static_cast<unsigned char>(text_[position]);
    if (byte < 0x80) return members.ascii[byte] ? 1 : 0;
    if (!members.non_ascii) return 0;
    const size_t length = Utf8Length(text_, position);
    if (length == 0) unknown_ = true;  // how RE2 reads a broken sequence is its own affair
    return length;
  }

  bool Holds(Assertion assertion, size_t position) const {
    switch (assertion) {
      case Assertion::kTextBegin:
        return position == 0;
      case Assertion::kTextEnd:
        return position == text_.size();
      case Assertion::kWordBoundary:
      case Assertion::kNotWordBoundary: {
        const bool before = position > 0 && IsAsciiWordCharacter(text_[position - 1]);
        const bool after = position < text_.size() && IsAsciiWordCharacter(text_[position]);
        return (before != after) == (assertion == Assertion::kWordBoundary);
      }
    }
    return false;
  }

  const std::string_view text_;
  int steps_ = 0;
  bool unknown_ = false;
  size_t end_ = 0;
};

}  // namespace

AnchoredMatcher::AnchoredMatcher() : root_(std::make_unique<Node>()) {}
AnchoredMatcher::~AnchoredMatcher() = default;

std::unique_ptr<const AnchoredMatcher> AnchoredMatcher::Compile(std::string_view pattern) {
  std::unique_ptr<AnchoredMatcher> matcher(new AnchoredMatcher());
  if (!PatternParser(pattern).Parse(*matcher->root_)) return nullptr;
  return matcher;
}

AnchoredMatcher::Outcome AnchoredMatcher::MatchAt(std::string_view text, size_t start,
                                                  size_t* end) const {
  if (start > text.size()) return Outcome::kNoMatch;
  Backtracker search(text);
  if (search.MatchGroup(*root_, start, nullptr, 0)) {
    *end = search.end();
    return Outcome::kMatch;
  }
  return search.unknown() ? Outcome::kUnknown : Outcome::kNoMatch;
}

}  // namespace spamguard
