// anchored_matcher: the end of a pattern's match at a given start, the same as RE2's.
#include "model/anchored_matcher.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "model/rule_pack.h"

namespace spamguard {
namespace {

using Outcome = AnchoredMatcher::Outcome;

// RE2's answer to MatchAt's question, as FindSpans used to ask it: -1 for no match.
long Re2End(const RE2& regex, std::string_view text, size_t start) {
  re2::StringPiece match;
  if (!regex.Match(re2::StringPiece(text.data(), text.size()), start, text.size(),
                   RE2::ANCHOR_START, &match, 1)) {
    return -1;
  }
  return static_cast<long>(match.data() - text.data() + match.size());
}

// MatchAt's answer in the same terms; -2 for kUnknown.
long MatcherEnd(const AnchoredMatcher& matcher, std::string_view text, size_t start) {
  size_t end = 0;
  switch (matcher.MatchAt(text, start, &end)) {
    case Outcome::kMatch:
      return static_cast<long>(end);
    case Outcome::kNoMatch:
      return -1;
    case Outcome::kUnknown:
      return -2;
  }
  return -3;
}

TEST(AnchoredMatcherTest, ReadsTheSyntaxRulePatternsUse) {
  for (const char* pattern :
       {"wazifa", R"((?:call|contact|message|msg)\W+(?:and|&|or|\+|/)\W+whats\W?app)",
        R"(va?s+h?i\W?kara?n\w*)", R"(hack(?:er)?\W+(?:\w+\W+){0,4}(?:whats\W?app|telegram))",
        R"(<a\s+href\s*=)", R"(\[url\s*=?)", R"(\d{5}\W+(?:only\W+)?(?:£|\$)?\d+(?:\.\d+)?)",
        "we (offer|give out) (loans|funds)", "(?P<name>ab)c", R"(^.{0,199}(contact|offer)\d{9}$)",
        R"(\bcialis\B)", R"([a-z0-9_.-]+@[^\s@]+)", "[]a]", "[^]a]", R"([\w-])", R"(\Aa\z)",
        "black\\ magic", R"(x\n\t)", "caf\xC3\xA9+"}) {
    EXPECT_NE(AnchoredMatcher::Compile(pattern), nullptr) << pattern;
  }
}

TEST(AnchoredMatcherTest, LeavesOtherSyntaxToRe2) {
  for (const char* pattern :
       {"(?i)love", "(?s:.)", "ab??c", "a*?", "a+?", "a{1,3}?", R"(\pL)", R"(\p{Greek})",
        "[[:alpha:]]", R"(\x41)", R"(\C)", R"(\Qa.b\E)", "a**", "a{2,1}", "a{1001}", "(?:a*)*",
        "(?:)+", "(?:a|)+", "(?:^)*", R"(\b+)", "[\xC3\xA9]", "x{", "{2}", "[a-c-e]", R"([a-\d])",
        R"(\_)", R"(\1)", "(ab", "ab)", "[ab", "a|*",
        // RE2 reads a count with a leading zero, and so the whole "{...}", as literal text.
        "a{01}", "a{00}", "a{0,01}", "a{1,02}", "(?:ab){01}"}) {
    EXPECT_EQ(AnchoredMatcher::Compile(pattern), nullptr) << pattern;
  }
}

TEST(AnchoredMatcherTest, FindsTheLeftmostFirstMatchEnd) {
  struct Case {
    const char* pattern;
    std::string text;
    size_t start;
    long end;
  };
  const std::vector<Case> cases = {
      // Alternatives in order: the first that completes wins, not the longest.
      {"no|now", "now", 0, 2},
      {"now|no", "now", 0, 3},
      {"(?:a|ab)c", "abc", 0, 3},
      // A greedy run gives back what the rest of the pattern needs.
      {R"(a\W+&\W+b)", "a && b", 0, 6},
      {R"(\w+\d)", "ab12 ", 0, 4},
      {R"(x.{0,3}y)", "xyyyy", 0, 5},
      // \W takes a whole non-ASCII code point; \b reads only ASCII letters as word ones.
      {R"(x\W+y)", "x \xC3\xA9 y", 0, 6},
      {R"(caf\b)", "caf\xC3\xA9", 0, 3},
      // Optional groups, as the love-back family has them.
      {R"((?:get|bring)\W+(?:your\W+|my\W+)?(?:lost\W+|ex\W+)?love\W+back)",
       "qurani: get your lost love back now", 8, 31},
      // The start is where the match must begin, and the text before it is context.
      {"^a", "aa", 1, -1},
      {R"(\ba)", "aa", 1, -1},
      {R"(\Ba)", "aa", 1, 2},
      {"a$", "aa", 1, 2},
      {"a", "aa", 2, -1},
      {"", "aa", 2, 2},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(std::string(test.pattern) + " on '" + test.text + "'");
    const auto matcher = AnchoredMatcher::Compile(test.pattern);
    ASSERT_NE(matcher, nullptr);
    const RE2 regex(test.pattern, rule_pack::PatternOptions());
    ASSERT_TRUE(regex.ok());
    EXPECT_EQ(Re2End(regex, test.text, test.start), test.end);
    EXPECT_EQ(MatcherEnd(*matcher, test.text, test.start), test.end);
  }
}

TEST(AnchoredMatcherTest, GivesUpPastItsStepBudgetInsteadOfBacktrackingForever) {
  // 2^30 ways to read the a's, none followed by 'b'.
  const auto matcher = AnchoredMatcher::Compile("(?:a|a)+b");
  ASSERT_NE(matcher, nullptr);
  EXPECT_EQ(MatcherEnd(*matcher, std::string(30, 'a') + "c", 0), -2);
  EXPECT_EQ(MatcherEnd(*matcher, "aab", 0), 3);
}

TEST(AnchoredMatcherTest, GivesUpPastItsDepthInsteadOfOverflowingTheStack) {
  // A repeated group recurses once per repetition.
  const auto matcher = AnchoredMatcher::Compile("(?:ab)+c");
  ASSERT_NE(matcher, nullptr);
  std::string text;
  for (int i = 0; i < 100'000; ++i) text += "ab";
  EXPECT_EQ(MatcherEnd(*matcher, text + "c", 0), -2);
  EXPECT_EQ(MatcherEnd(*matcher, "ababc", 0), 5);
  // A repeated class does not recurse per code point: a run longer than kMaxDepth is
  // answered (its code points count as steps, so it must stay within kMaxSteps).
  const auto run = AnchoredMatcher::Compile(R"(a\W+b)");
  ASSERT_NE(run, nullptr);
  static_assert(AnchoredMatcher::kMaxDepth < 500 && 500 < AnchoredMatcher::kMaxSteps);
  EXPECT_EQ(MatcherEnd(*run, "a" + std::string(500, ' ') + "b", 0), 502);
  EXPECT_EQ(MatcherEnd(*run, "a" + std::string(AnchoredMatcher::kMaxSteps, ' ') + "b", 0), -2);
}

TEST(AnchoredMatcherTest, BrokenUtf8WhereACodePointIsNeededIsUnknown) {
  const auto any = AnchoredMatcher::Compile(R"(a\W+b)");
  ASSERT_NE(any, nullptr);
  EXPECT_EQ(MatcherEnd(*any, "a \xFF b", 0), -2);
  EXPECT_EQ(MatcherEnd(*any, "a \xC3", 0), -2);            // cut short
  EXPECT_EQ(MatcherEnd(*any, "a \xED\xA0\x80 b", 0), -2);  // a surrogate
  // A class of ASCII characters does not need to read the byte to refuse it.
  const auto ascii = AnchoredMatcher::Compile("a[a-z]");
  ASSERT_NE(ascii, nullptr);
  EXPECT_EQ(MatcherEnd(*ascii, "a\xFF", 0), -1);
  // Literal bytes are compared as bytes.
  const auto literal = AnchoredMatcher::Compile("a");
  ASSERT_NE(literal, nullptr);
  EXPECT_EQ(MatcherEnd(*literal, "a\xFF", 0), 1);
}

// A random pattern over the syntax the matcher reads, small enough that short texts over the
// same characters often match it.
class PatternGenerator {
 public:
  explicit PatternGenerator(uint32_t seed) : random_(seed) {}

  std::string Pattern() { return Alternation(0); }

 private:
  size_t Pick(size_t count) { return std::uniform_int_distribution<size_t>(0, count - 1)(random_); }

  std::string Alternation(int depth) {
    std::string pattern = Sequence(depth);
    while (Pick(4) == 0) {
      pattern += '|';  // not "|" + ...: GCC 12 at -O3 reports a false -Wrestrict for it
      pattern += Sequence(depth);
    }
    return pattern;
  }

  std::string Sequence(int depth) {
    std::string sequence;
    const size_t items = 1 + Pick(3);
    for (size_t i = 0; i < items; ++i) sequence += Item(depth);
    return sequence;
  }

  std::string Item(int depth) {
    static const std::vector<std::string> kLiterals = {"a", "b",        "c",     " ",    "&",
                                                       "1", "\xC3\xA9", R"(\.)", R"(\+)"};
    static const std::vector<std::string> kClasses = {R"(\W)",  R"(\w)",     R"(\s)",   R"(\d)",
                                                      R"(\S)",  ".",         "[ab]",    "[^a]",
                                                      "[a-c1]", R"([^\w&])", R"([\W1])"};
    static const std::vector<std::string> kAssertions = {"^", "$", R"(\b)", R"(\B)"};
    static const std::vector<std::string> kRepeats = {"?",     "*",   "+",   "{0,2}",
                                                      "{1,3}", "{2}", "{2,}"};
    const size_t kind = Pick(depth < 3 ? 10 : 8);
    if (kind < 3) return kLiterals[Pick(kLiterals.size())];
    if (kind < 5) return kClasses[Pick(kClasses.size())] + MaybeRepeat(kRepeats);
    if (kind < 6) return kLiterals[Pick(kLiterals.size())] + MaybeRepeat(kRepeats);
    if (kind < 8) return kind == 6 ? kAssertions[Pick(kAssertions.size())] : "";
    return "(?:" + Alternation(depth + 1) + ")" + MaybeRepeat(kRepeats);
  }

  std::string MaybeRepeat(const std::vector<std::string>& repeats) {
    return Pick(2) == 0 ? repeats[Pick(repeats.size())] : "";
  }

  std::mt19937 random_;
};

// The property: wherever it answers, the matcher answers what RE2 does.
TEST(AnchoredMatcherTest, AgreesWithRe2OnRandomPatternsAndTexts) {
  PatternGenerator generator(20261127);
  std::mt19937 random(7);
  const std::vector<std::string> characters = {"a", "b", "c", " ",        "&", "1",
                                               ".", "+", "_", "\xC3\xA9", "\n"};
  size_t patterns = 0;
  size_t read = 0;
  size_t compared = 0;
  size_t matched = 0;
  size_t unknown = 0;
  size_t mismatches = 0;
  for (int p = 0; p < 3000; ++p) {
    const std::string pattern = generator.Pattern();
    const RE2 regex(pattern, rule_pack::PatternOptions());
    if (!regex.ok()) continue;  // e.g. "a**" once a repeat follows a repeated group
    ++patterns;
    const auto matcher = AnchoredMatcher::Compile(pattern);
    if (!matcher) continue;
    ++read;
    for (int t = 0; t < 60; ++t) {
      std::string text;
      const size_t length = std::uniform_int_distribution<size_t>(0, 7)(random);
      for (size_t i = 0; i < length; ++i) {
        text += characters[std::uniform_int_distribution<size_t>(0, characters.size() - 1)(random)];
      }
      for (size_t start = 0; start <= text.size(); ++start) {
        if (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
          continue;  // FindSpans starts only at a literal, never inside a code point
        }
        ++compared;
        const long expected = Re2End(regex, text, start);
        const long found = MatcherEnd(*matcher, text, start);
        if (found == -2) {
          ++unknown;
          continue;
        }
        matched += expected >= 0;
        if (found != expected && ++mismatches <= 10) {
          ADD_FAILURE() << "pattern: " << pattern << "\ntext: '" << text << "' from " << start
                        << "\nRE2: " << expected << ", matcher: " << found;
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
  std::cout << "[ compared ] " << compared << " (pattern, text, start) triples: " << read << " of "
            << patterns << " random patterns read; " << matched << " matches, " << unknown
            << " unknown\n";
  // Not vacuous: most patterns are read, many starts match, and the answers are not all
  // left to RE2.
  EXPECT_GT(read, patterns * 3 / 4);
  EXPECT_GT(matched, compared / 10);
  EXPECT_LT(unknown, compared / 100);
}

}  // namespace
}  // namespace spamguard
