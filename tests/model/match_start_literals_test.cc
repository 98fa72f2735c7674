// match_start_literals: the literals a pattern's matches begin with; a search that agrees with RE2.
#include "model/match_start_literals.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/entities.h"
#include "model/normalizer.h"
#include "model/rule_pack_loader.h"
#include "model/url_parts.h"

namespace spamguard {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// --- MatchStartLiterals ------------------------------------------------------------------

TEST(MatchStartLiteralsTest, GivesTheHeaderExamples) {
  EXPECT_THAT(MatchStartLiterals("wazifa"), ElementsAre("wazifa"));
  EXPECT_THAT(MatchStartLiterals(R"((?:get|bring)\W+love)"), UnorderedElementsAre("get", "bring"));
  EXPECT_THAT(MatchStartLiterals(R"((?:world\W+)?famous)"),
              UnorderedElementsAre("world", "famous"));
  EXPECT_THAT(MatchStartLiterals("lost lover? back"),
              UnorderedElementsAre("lost lover", "lost love back"));
  EXPECT_THAT(MatchStartLiterals(R"(\w+loan)"), IsEmpty());
  EXPECT_THAT(MatchStartLiterals("^buy"), IsEmpty());
  EXPECT_THAT(MatchStartLiterals("(?i)cheap"), IsEmpty());
}

TEST(MatchStartLiteralsTest, EachTopLevelAlternativeGivesItsLiteral) {
  EXPECT_THAT(MatchStartLiterals("viagra|cialis|levitra"),
              UnorderedElementsAre("viagra", "cialis", "levitra"));
}

TEST(MatchStartLiteralsTest, AlternativesInAGroupCombineWithWhatSurroundsThem) {
  EXPECT_THAT(MatchStartLiterals("x(?:a|b)y"), UnorderedElementsAre("xay", "xby"));
  EXPECT_THAT(MatchStartLiterals("(?:buy|order) (?:cheap|fast) pills"),
              UnorderedElementsAre("buy cheap pills", "buy fast pills", "order cheap pills",
                                   "order fast pills"));
  EXPECT_THAT(MatchStartLiterals("(?:a(?:b|c)|d)e"), UnorderedElementsAre("abe", "ace", "de"));
}

TEST(MatchStartLiteralsTest, CapturingAndNamedGroupsReadLikeNonCapturingOnes) {
  EXPECT_THAT(MatchStartLiterals("(ab|cd)e"), UnorderedElementsAre("abe", "cde"));
  EXPECT_THAT(MatchStartLiterals("(?P<drug>xanax|valium) online"),
              UnorderedElementsAre("xanax online", "valium online"));
}

TEST(MatchStartLiteralsTest, AnOptionalGroupKeepsTheAlternativeWithoutIt) {
  // What follows an optional piece does not extend it (as "lost lover? back" shows).
  EXPECT_THAT(MatchStartLiterals("(?:your )?love"), UnorderedElementsAre("your ", "love"));
  EXPECT_THAT(MatchStartLiterals("(?:a|b)?c"), UnorderedElementsAre("a", "b", "c"));
}

TEST(MatchStartLiteralsTest, OptionalCharactersKeepTheAlternativeWithoutThem) {
  EXPECT_THAT(MatchStartLiterals("colou?r"), UnorderedElementsAre("colou", "color"));
  EXPECT_THAT(MatchStartLiterals("ab*c"), UnorderedElementsAre("ab", "ac"));
  EXPECT_THAT(MatchStartLiterals("ab{0,3}c"), UnorderedElementsAre("ab", "ac"));
  EXPECT_THAT(MatchStartLiterals("ab??c"), UnorderedElementsAre("ab", "ac"));
}

TEST(MatchStartLiteralsTest, ARepeatThatMustOccurEndsTheLiteral) {
  EXPECT_THAT(MatchStartLiterals("ab+c"), ElementsAre("ab"));
  EXPECT_THAT(MatchStartLiterals("ab{2}c"), ElementsAre("ab"));
  EXPECT_THAT(MatchStartLiterals("ab{1,3}c"), ElementsAre("ab"));
  EXPECT_THAT(MatchStartLiterals("(?:ab)+c"), ElementsAre("ab"));
}

TEST(MatchStartLiteralsTest, EscapedPunctuationIsLiteral) {
  EXPECT_THAT(MatchStartLiterals(R"(dr\.\W+)"), ElementsAre("dr."));
  EXPECT_THAT(MatchStartLiterals(R"(example\.com)"), ElementsAre("example.com"));
  EXPECT_THAT(MatchStartLiterals(R"(\$100)"), ElementsAre("$100"));
  // Phrase patterns are RE2::QuoteMeta of the phrase: "love\ back", "100\%\ free\!".
  EXPECT_THAT(MatchStartLiterals(RE2::QuoteMeta("love back")), ElementsAre("love back"));
  EXPECT_THAT(MatchStartLiterals(RE2::QuoteMeta("100% free!")), ElementsAre("100% free!"));
}

TEST(MatchStartLiteralsTest, AStartThatIsNotALiteralGivesNone) {
  for (const char* pattern : {"[a-z]x", ".x", "^x", R"(\bx)", R"(\wx)", "éx", R"(\x{78}y)"}) {
    EXPECT_THAT(MatchStartLiterals(pattern), IsEmpty()) << pattern;
  }
}

TEST(MatchStartLiteralsTest, FlagsAndQuotingAreNotFollowed) {
  for (const char* pattern : {"(?i)x", "(?i:x)y", R"(\Qx\E)", R"(\Qx.y\E)"}) {
    EXPECT_THAT(MatchStartLiterals(pattern), IsEmpty()) << pattern;
  }
}

TEST(MatchStartLiteralsTest, MoreThanSixteenAlternativesGiveNone) {
  std::string sixteen;
  for (char c = 'a'; c < 'a' + 16; ++c) sixteen += std::string(sixteen.empty() ? "" : "|") + c;
  EXPECT_EQ(MatchStartLiterals(sixteen).size(), 16u) << sixteen;
  EXPECT_THAT(MatchStartLiterals(sixteen + "|q"), IsEmpty());
  // Alternatives multiplied by a group count too: 3 x 6 = 18.
  EXPECT_THAT(MatchStartLiterals("(?:a|b|c)(?:d|e|f|g|h|i)"), IsEmpty());
}

TEST(MatchStartLiteralsTest, AnEmptyTopLevelAlternativeGivesNone) {
  EXPECT_THAT(MatchStartLiterals("a|"), IsEmpty());
  EXPECT_THAT(MatchStartLiterals("|a"), IsEmpty());
  EXPECT_THAT(MatchStartLiterals("(?:a|)"), IsEmpty());
}

TEST(MatchStartLiteralsTest, APatternThatCanMatchEmptyGivesNone) {
  for (const char* pattern : {"", "a?", "a*", "a{0,2}", "(?:ab)?", "(?:a|b)*"}) {
    EXPECT_THAT(MatchStartLiterals(pattern), IsEmpty()) << pattern;
  }
}

TEST(MatchStartLiteralsTest, AMalformedRepeatGivesNone) {
  // RE2 reads these braces as literal text; the reader does not follow that.
  for (const char* pattern : {"x{", "x{2", "x{,3}", "x{a}", "x{01}y", "x{0,01}y", "x{00}y"}) {
    EXPECT_THAT(MatchStartLiterals(pattern), IsEmpty()) << pattern;
  }
}

// RE2 reads a count with a leading zero as literal text: "^x{01}$" matches "x{01}" alone.
TEST(WholeTextMatchMaxCodePointsTest, ALeadingZeroCountIsNotACount) {
  const RE2 regex("^x{01}$", rule_pack::PatternOptions());
  ASSERT_TRUE(regex.ok());
  EXPECT_TRUE(RE2::FullMatch("x{01}", regex));
  EXPECT_FALSE(RE2::FullMatch("x", regex));
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^x{01}$"), std::nullopt);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^x{1,02}$"), std::nullopt);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^x{10}$"), 10u);
}

// RE2 accepts a pattern with 100,000 nested groups; reading it by recursion overflowed the
// stack. Past 32 levels the reader gives up.
TEST(MatchStartLiteralsTest, DeeplyNestedGroupsGiveNoneInsteadOfOverflowingTheStack) {
  const auto nested = [](int depth) {
    return std::string(depth, '(') + "wazifa" + std::string(depth, ')');
  };
  EXPECT_THAT(MatchStartLiterals(nested(32)), ElementsAre("wazifa"));
  EXPECT_THAT(MatchStartLiterals(nested(33)), IsEmpty());
  EXPECT_THAT(MatchStartLiterals(nested(100'000)), IsEmpty());
}

TEST(MatchStartLiteralsTest, NoLiteralIsAPrefixOfAnother) {
  EXPECT_THAT(MatchStartLiterals("get|getting|gets"), ElementsAre("get"));
  EXPECT_THAT(MatchStartLiterals(R"(loans?\W+offer)"), ElementsAre("loan"));
  EXPECT_THAT(MatchStartLiterals("abc|ab"), ElementsAre("ab"));
}

TEST(MatchStartLiteralsTest, LiteralsAreCutAt32Bytes) {
  const std::string forty(40, 'a');
  EXPECT_THAT(MatchStartLiterals(forty), ElementsAre(std::string(32, 'a')));
  // Two alternatives that differ only after byte 32 become one literal.
  EXPECT_THAT(MatchStartLiterals(forty + "x|" + forty + "y"), ElementsAre(std::string(32, 'a')));
}

// --- IsLiteralAlternation ------------------------------------------------------------------

TEST(IsLiteralAlternationTest, PlainLiteralsAndTheirAlternationsAre) {
  EXPECT_TRUE(IsLiteralAlternation("wazifa"));
  EXPECT_TRUE(IsLiteralAlternation("viagra|cialis|levitra"));
  EXPECT_TRUE(IsLiteralAlternation(R"(black\ magic\.)"));  // RE2::QuoteMeta's escapes
  EXPECT_TRUE(IsLiteralAlternation("(?:buy|order) pills"));
  EXPECT_TRUE(IsLiteralAlternation("x(?:a|b)y"));
}

TEST(IsLiteralAlternationTest, AnythingThatCanMatchOtherTextIsNot) {
  EXPECT_FALSE(IsLiteralAlternation("love|lover"));  // RE2 prefers the first: order matters
  EXPECT_FALSE(IsLiteralAlternation("lover|love"));
  EXPECT_FALSE(IsLiteralAlternation("a|a"));
  EXPECT_FALSE(IsLiteralAlternation("colou?r"));
  EXPECT_FALSE(IsLiteralAlternation("ab+"));
  EXPECT_FALSE(IsLiteralAlternation("ab{2}"));
  EXPECT_FALSE(IsLiteralAlternation("(?:a)?b"));
  EXPECT_FALSE(IsLiteralAlternation("^buy"));
  EXPECT_FALSE(IsLiteralAlternation("buy$"));
  EXPECT_FALSE(IsLiteralAlternation(R"(qurani\W+dua)"));
  EXPECT_FALSE(IsLiteralAlternation(R"(dua\b)"));
  EXPECT_FALSE(IsLiteralAlternation("b.y"));
  EXPECT_FALSE(IsLiteralAlternation("[bc]uy"));
  EXPECT_FALSE(IsLiteralAlternation("(?i)buy"));
  EXPECT_FALSE(IsLiteralAlternation("дуа"));  // not ASCII: not read
  EXPECT_FALSE(IsLiteralAlternation("buy|"));
  EXPECT_FALSE(IsLiteralAlternation(""));
  EXPECT_FALSE(IsLiteralAlternation(std::string(33, 'a')));  // longer than a literal is kept
}

// The contract the walker relies on: with literals_are_matches, an occurrence is the match
// and RE2 is not asked (here it would find nothing).
TEST(IsLiteralAlternationTest, AWalkerTakesALiteralsOccurrenceAsTheMatch) {
  const RE2 never("x\\bnever", rule_pack::PatternOptions());
  const std::vector<std::string> literals = {"cialis"};
  const std::string text = "buy cialis now";
  const SearchText search(text);
  re2::StringPiece match;
  ASSERT_TRUE(MatchWalker(never, nullptr, literals, true, nullptr, search).Next(0, &match));
  EXPECT_EQ(match, "cialis");
  EXPECT_EQ(match.data(), text.data() + 4);
  EXPECT_FALSE(MatchWalker(never, nullptr, literals, false, nullptr, search).Next(0, &match));
}

// --- MatchWalker against RE2 ---------------------------------------------------------------

// (begin, end) of each match of one all-occurrences loop.
using Matches = std::vector<std::pair<size_t, size_t>>;
using Search = std::function<bool(size_t position, re2::StringPiece* match)>;

// Every match, as FindSpans walks them: from 0; after a match, on from its end (one byte on
// after an empty match).
Matches AllMatches(std::string_view text, const Search& search) {
  Matches matches;
  size_t position = 0;
  re2::StringPiece match;
  while (position <= text.size() && search(position, &match)) {
    const size_t begin = static_cast<size_t>(match.data() - text.data());
    const size_t end = begin + match.size();
    matches.emplace_back(begin, end);
    if (begin < position) break;  // a search that went backwards would loop forever
    position = end > begin ? end : begin + 1;
  }
  return matches;
}

// `anchored` is AnchoredMatcher::Compile(regex.pattern()), as FindSpans passes it (null when
// it does not read the pattern).
Matches AllMatchesWithLiterals(const RE2& regex, const AnchoredMatcher* anchored,
                               const std::vector<std::string>& literals, std::string_view text) {
  const SearchText search(text);
  MatchWalker walker(regex, anchored, literals, IsLiteralAlternation(regex.pattern()), nullptr,
                     search);
  return AllMatches(
      text, [&](size_t position, re2::StringPiece* match) { return walker.Next(position, match); });
}

Matches AllMatchesWithRe2(const RE2& regex, std::string_view text) {
  const re2::StringPiece whole(text.data(), text.size());
  return AllMatches(text, [&](size_t position, re2::StringPiece* match) {
    return regex.Match(whole, position, text.size(), RE2::UNANCHORED, match, 1);
  });
}

// n copies of `unit`.
std::string Repeated(std::string_view unit, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += unit;
  return out;
}

// Texts built from a pattern's own literals, where a wrong candidate walk would show: a
// literal alone (at the very end), glued, repeated back to back, after its own beginning
// (overlapping), between multi-byte characters, all of them in one text.
std::vector<std::string> TextsFromLiterals(const std::vector<std::string>& literals) {
  std::vector<std::string> texts;
  std::string all;
  for (const std::string& literal : literals) {
    texts.push_back(literal);
    texts.push_back("x" + literal + literal + literal);
    texts.push_back(literal.substr(0, literal.size() - 1) + literal + " " + literal);
    texts.push_back("é" + literal + "☎ " + literal + "—");
    all += literal + " ";
  }
  texts.push_back(all + all);
  return texts;
}

// Texts where the literal walk has edges: empty, repeats, overlaps, a literal last, UTF-8 and
// bytes that are not UTF-8, and more candidates than the walk tries before handing over to RE2.
std::vector<std::string> AdversarialTexts() {
  std::vector<std::string> texts = {
      "",
      " ",
      "cialis",
      "specialist cialis",
      "cialiscialiscialis",
      "viagra cialis levitra kamagra tadalafil sildenafil",
      "get love back get love back bring your lost love back",
      "please bring my ex love back, for love back call now",
      "the last word is wazifa",
      "wazifawazifa taweez",
      "vashikaran vvashikaran vaashikaran vasikaran vashi karan",
      "aaaa aaa aa a",
      "get get get getting gets",
      "whatsapp me whats app now call or whatsapp contact us on whatsapp",
      "sub4sub sub 4 sub subforsub please like and subscribe",
      "free entry in 2 a wkly comp to win fa cup final tkts txt fa to 87121 to receive entry",
      "txt stop to 87121 86688 only £1.50p/msg 150p per min",
      "i earned $5000 weekly, made 3,000 usd in just 7 days with my account manager profit",
      "online pharmacy without a prescription buy generic xanax online buy cheap backlinks",
      "urgent loan offer available, loans at 2% low interest, do you need an urgent loan",
      "café wazifa ☎ get love back — 100% free 😀cialis😀 дуа for love",
      "ǅemal lost love spells caster",
      std::string("\xff\xfe") + "cialis\xc3 spell caster\xe2\x82",
      std::string("nul\0cialis\0", 11),
      "black magic specialist kala jadu jadu tona dua for love qurani wazifa",
      "recover my lost funds bitcoin recovery expert ethical hackers hack whats app",
      "write my essay for me essay writing services buy custom essays best paper writing",
      "check out my new youtube channel subscribe to my channel visit my website",
      "you have won claim your cash prize urgent customer notice you won a prize",
  };
  texts.push_back(Repeated("loan ", 40) + "loans offer available");
  texts.push_back(Repeated("xcialis ", 40) + "cialis");
  texts.push_back(Repeated("love ", 40) + "love back specialist");
  return texts;
}

// The text column of every `step`-th row of a corpus TSV (label, text, source), skipping the
// header.
std::vector<std::string> CorpusSample(const std::string& path, size_t step) {
  std::ifstream in(path);
  std::vector<std::string> texts;
  std::string row;
  std::getline(in, row);  // header
  for (size_t number = 0; std::getline(in, row); ++number) {
    if (number % step != 0) continue;
    const size_t first = row.find('\t');
    const size_t second = row.find('\t', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    texts.push_back(row.substr(first + 1, second - first - 1));
  }
  return texts;
}

// The shipped pack, loaded by the loader itself: its regex patterns folded by
// --- WholeTextMatchMaxCodePoints -----------------------------------------------------------

TEST(WholeTextMatchMaxCodePointsTest, GivesTheHeaderExamples) {
  EXPECT_EQ(WholeTextMatchMaxCodePoints(R"(^.{0,199}(contact|offer|join).{0,99}\d{9}.{0,99}$)"),
            413u);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^(?:buy|sell) [a-z]{2,5}$"), 10u);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^buy.*$"), std::nullopt);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("buy.{0,20}$"), std::nullopt);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^a$|b"), std::nullopt);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("(?s)^x$"), std::nullopt);
}

TEST(WholeTextMatchMaxCodePointsTest, CountsCodePointsThroughGroupsRepeatsAndEscapes) {
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^$"), 0u);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^дуа$"), 3u);  // code points, not bytes
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^a{3}$"), 3u);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^a{3,}$"), std::nullopt);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^a{2,4}?b?$"), 5u);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^(?:ab|c){2,3}$"), 6u);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^(?P<x>ab)(c|dd)$"), 4u);
  EXPECT_EQ(WholeTextMatchMaxCodePoints(R"(^\bx\B\.\d\W\pL\p{Greek}\x{41}\x41[^a-z]$)"), 9u);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^a$|^bb$"), 2u);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^a+$"), std::nullopt);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^(?:a*){0}$"), 0u);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^a{1000000}a{1000000}$"), 2000000u);
}

TEST(WholeTextMatchMaxCodePointsTest, APatternAMatchNeedNotFillGivesNone) {
  EXPECT_EQ(WholeTextMatchMaxCodePoints("abc"), std::nullopt);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^abc"), std::nullopt);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("abc$"), std::nullopt);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^?abc$"), std::nullopt);  // the anchor may be skipped
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^abc$?"), std::nullopt);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^a$|b$"), std::nullopt);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("(?m)^a$"), std::nullopt);  // lines, not the text
  EXPECT_EQ(WholeTextMatchMaxCodePoints(R"(^\C$)"), std::nullopt);  // one byte
  EXPECT_EQ(WholeTextMatchMaxCodePoints(R"(^\Qa.b\E$)"), std::nullopt);
  EXPECT_EQ(WholeTextMatchMaxCodePoints("^a{99999999}$"), std::nullopt);  // past 2^24
  EXPECT_EQ(WholeTextMatchMaxCodePoints(""), std::nullopt);
}

// Every text over a small alphabet, ASCII and not, up to two code points past the bound:
// none longer than the bound matches, and one of exactly the bound does.
TEST(WholeTextMatchMaxCodePointsTest, NoLongerTextMatchesAndTheBoundIsReached) {
  const std::vector<std::string> alphabet = {"a", "b", "7", " ", "\xC3\xA9", "\xD0\xB4"};
  for (const char* pattern : {"^(?:ab|b){1,2}\xC3\xA9?$", R"(^.{0,2}b\d?$)",
                              R"(^(?:a|\W\W)[^a]{1,2}$)", "^\xD0\xB4{2}$|^a$"}) {
    SCOPED_TRACE(pattern);
    const RE2 regex(pattern, rule_pack::PatternOptions());
    ASSERT_TRUE(regex.ok());
    const std::optional<size_t> bound = WholeTextMatchMaxCodePoints(pattern);
    ASSERT_TRUE(bound.has_value());
    std::vector<std::pair<std::string, size_t>> texts = {{"", 0}};  // text, code points
    size_t longest_match = 0;
    size_t tried = 0;
    for (size_t length = 0; length <= *bound + 2; ++length) {
      std::vector<std::pair<std::string, size_t>> longer;
      for (const auto& [text, code_points] : texts) {
        ++tried;
        if (RE2::PartialMatch(text, regex)) {
          EXPECT_LE(code_points, *bound) << text;
          longest_match = std::max(longest_match, code_points);
        }
        for (const std::string& letter : alphabet) longer.emplace_back(text + letter, length + 1);
      }
      texts = std::move(longer);
    }
    EXPECT_EQ(longest_match, *bound);
    EXPECT_GT(tried, 1000u);
  }
}

// FoldPatternCase, phrases normalized and quoted, every one compiled with PatternOptions().
class MatchStartLiteralsPackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    normalizer_ = Normalizer::Create().value();
    pack_ = new rule_pack::CompiledPack;
    pack_->path = SPAMGUARD_SOURCE_DIR "/rules/default.yaml";
    pack_->normalizer = normalizer_;
    pack_->extractor = EntityExtractor::Create({}).value();
    load_status_ = new Status(rule_pack::LoadRulePack(*pack_));
  }
  static void TearDownTestSuite() {
    delete pack_;
    delete load_status_;
    normalizer_.reset();
  }

  // The regex (RE2 accepted it) of every regex and phrase pattern of the pack: those
  // FindSpans searches.
  static std::vector<const RE2*> TextPatterns() {
    std::vector<const RE2*> regexes;
    for (const auto* patterns : {&pack_->text_set.patterns, &pack_->counted.patterns}) {
      for (const rule_pack::SetPattern& pattern : *patterns) {
        if (const RE2* exact = pattern.Exact()) regexes.push_back(exact);
      }
    }
    return regexes;
  }

  static std::shared_ptr<const Normalizer> normalizer_;
  static rule_pack::CompiledPack* pack_;
  static Status* load_status_;
};

std::shared_ptr<const Normalizer> MatchStartLiteralsPackTest::normalizer_;
rule_pack::CompiledPack* MatchStartLiteralsPackTest::pack_ = nullptr;
Status* MatchStartLiteralsPackTest::load_status_ = nullptr;

TEST_F(MatchStartLiteralsPackTest, ShippedPatternLiteralsAreShortAsciiAndPrefixFree) {
  ASSERT_TRUE(load_status_->ok()) << load_status_->message();
  for (const RE2* regex : TextPatterns()) {
    const std::vector<std::string> literals = MatchStartLiterals(regex->pattern());
    for (const std::string& literal : literals) {
      EXPECT_FALSE(literal.empty()) << regex->pattern();
      EXPECT_LE(literal.size(), 32u) << regex->pattern();
      EXPECT_TRUE(std::all_of(literal.begin(), literal.end(),
                              [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
          << regex->pattern() << " -> " << literal;
      for (const std::string& other : literals) {
        if (&other != &literal) {
          EXPECT_NE(other.compare(0, literal.size(), literal), 0)
              << regex->pattern() << ": '" << literal << "' begins '" << other << "'";
        }
      }
    }
  }
}

TEST_F(MatchStartLiteralsPackTest, EveryMatchOfEveryShippedPatternIsTheOneRe2Finds) {
  ASSERT_TRUE(load_status_->ok()) << load_status_->message();
  std::vector<const RE2*> regexes = TextPatterns();
  const size_t shipped = regexes.size();
  // The shipped pack has no phrase rule; phrase patterns are made as the loader makes them.
  std::vector<std::unique_ptr<RE2>> phrases;
  for (const char* phrase : {"Love back", "100% FREE!!", "call now: +91", "C++ help", "u.s.a.",
                             "Café", "win $1000", "[url]", "(free)", "a.b|c", "sub 4 sub"}) {
    phrases.push_back(std::make_unique<RE2>(
        RE2::QuoteMeta(normalizer_->NormalizeForMatching(phrase)), rule_pack::PatternOptions()));
    ASSERT_TRUE(phrases.back()->ok()) << phrases.back()->pattern();
    regexes.push_back(phrases.back().get());
  }

  // Comments, lower-cased as ASCII and normalized as FindSpans sees them, sampled evenly.
  std::vector<std::string> texts = AdversarialTexts();
  for (const auto& [path, step] :
       {std::pair{SPAMGUARD_SOURCE_DIR "/data/youtube-spam/youtube-spam.tsv", size_t{13}},
        std::pair{SPAMGUARD_SOURCE_DIR "/data/sms-spam/sms-spam.tsv", size_t{37}}}) {
    const std::vector<std::string> sample = CorpusSample(path, step);
    ASSERT_GT(sample.size(), 100u) << path;
    for (const std::string& comment : sample) {
      texts.push_back(AsciiLower(comment));
      std::string normalized = normalizer_->NormalizeForMatching(comment);
      if (normalized != texts.back()) texts.push_back(std::move(normalized));
    }
  }

  size_t pairs = 0;
  size_t with_literals = 0;
  size_t matches = 0;
  size_t mismatches = 0;
  size_t with_anchored = 0;
  auto compare = [&](const RE2& regex, const AnchoredMatcher* anchored,
                     const std::vector<std::string>& literals, const std::string& text) {
    ++pairs;
    const Matches expected = AllMatchesWithRe2(regex, text);
    const Matches found = AllMatchesWithLiterals(regex, anchored, literals, text);
    matches += expected.size();
    if (found != expected && ++mismatches <= 10) {
      EXPECT_EQ(found, expected) << "pattern: " << regex.pattern() << "\ntext: " << text;
    }
  };
  for (const RE2* regex : regexes) {
    const std::vector<std::string> literals = MatchStartLiterals(regex->pattern());
    const auto anchored = AnchoredMatcher::Compile(regex->pattern());
    if (!literals.empty()) ++with_literals;
    if (anchored) ++with_anchored;
    for (const std::string& text : texts) compare(*regex, anchored.get(), literals, text);
    if (!literals.empty()) {
      for (const std::string& text : TextsFromLiterals(literals)) {
        compare(*regex, anchored.get(), literals, text);
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);

  std::cout << "[ compared ] " << pairs << " (pattern, text) pairs: " << shipped
            << " shipped patterns (" << pack_->report.skipped.size()
            << " entries the loader skipped) and " << phrases.size() << " phrases, "
            << with_literals << " of them with start literals, " << with_anchored
            << " read by AnchoredMatcher; " << texts.size()
            << " shared texts plus each pattern's own; " << matches << " matches\n";
  RecordProperty("pairs", static_cast<int>(pairs));
  RecordProperty("patterns", static_cast<int>(regexes.size()));
  RecordProperty("shipped_patterns", static_cast<int>(shipped));
  RecordProperty("patterns_with_literals", static_cast<int>(with_literals));
  RecordProperty("patterns_read_by_anchored_matcher", static_cast<int>(with_anchored));
  RecordProperty("matches", static_cast<int>(matches));
  // Not vacuous: most patterns are searched through their literals, and texts do match.
  EXPECT_GT(with_literals, regexes.size() / 2);
  // AnchoredMatcher reads the pack's syntax (all but 3 of 4,741 when written); a pattern it
  // does not read is still right, through RE2, only slower.
  EXPECT_GT(with_anchored, regexes.size() * 99 / 100);
  EXPECT_GT(matches, 1000u);
}

TEST(MatchStartLiteralsDifferentialTest, HandMadePatternsAgreeWithRe2OnShortTextsAndLongRuns) {
  const std::vector<std::string> patterns = {
      "abc",
      "a|b",
      "ab|ba",
      "a(?:b|c)a",
      "(?:a|b)(?:b|c)",
      "ab?c",
      "ab*c",
      "ab+c",
      "ab{0,2}c",
      "ab{2}",
      "ab{2,}c",
      "a{0}b",
      "(?:ab)?c",
      "(?:ab)+a",
      "(?:a|)b",
      R"(a\.b)",
      R"(a\ b)",
      "ab??c",
      "(?P<n>ab|c)a",
      R"((ab|c)\.)",
      "a[bc]a",
      R"(ab\b)",
      R"(a\Bb)",
      "ab$",
      "a(?:b|c)*a",
      R"((?:a\.|b )c)",
      "aa|aaa|aab",
      "bab|ab",
      "a.c",
      "ca{1,2}b",
      "a(?:)b",
      R"(a\W?b)",
      "a(?:b|c)+",
      R"(b\.?a)",
      R"(a\S)",
      "c(?:a|b|)c",
      "(?:(?:a|b)c|ca)b",
      R"(b\W+a)",
  };
  // Every text of up to 6 characters over the patterns' alphabet, and long runs.
  const std::string alphabet = "abc. ";
  std::vector<std::string> texts = {""};
  for (size_t begin = 0, length = 1; length <= 6; ++length) {
    const size_t end = texts.size();
    for (size_t i = begin; i < end; ++i) {
      for (char c : alphabet) texts.push_back(texts[i] + c);
    }
    begin = end;
  }
  // Runs of 31 to 33 copies of a short unit before a short tail: more candidates than the
  // walk tries, with a match right after the last one it tries.
  const size_t short_texts = texts.size();
  for (const char* unit : {"a", "b", "c", "ab", "ba", "a."}) {
    for (int copies = 31; copies <= 33; ++copies) {
      const std::string run = Repeated(unit, copies);
      for (size_t tail = 0; tail < 1 + alphabet.size() + alphabet.size() * alphabet.size();
           ++tail) {
        texts.push_back(run + texts[tail]);  // texts[0..30] are "" and the 1- and 2-char ones
      }
    }
  }
  size_t pairs = 0;
  size_t mismatches = 0;
  for (const std::string& pattern : patterns) {
    const RE2 regex(pattern, rule_pack::PatternOptions());
    ASSERT_TRUE(regex.ok()) << pattern << ": " << regex.error();
    const std::vector<std::string> literals = MatchStartLiterals(pattern);
    const auto anchored = AnchoredMatcher::Compile(pattern);
    for (const std::string& text : texts) {
      ++pairs;
      const Matches expected = AllMatchesWithRe2(regex, text);
      const Matches found = AllMatchesWithLiterals(regex, anchored.get(), literals, text);
      if (found != expected && ++mismatches <= 10) {
        EXPECT_EQ(found, expected) << "pattern: " << pattern << "\ntext: '" << text << "'";
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
  std::cout << "[ compared ] " << pairs << " (pattern, text) pairs: " << patterns.size()
            << " hand-made patterns x " << texts.size() << " texts (" << short_texts
            << " of up to 6 characters)\n";
}

// A pattern that backtracks past AnchoredMatcher's budget at the first candidate: RE2 answers
// that candidate and every later one of the walk, and the matches are RE2's.
TEST(MatchStartLiteralsDifferentialTest, AfterTheAnchoredMatcherGivesUpRe2AnswersTheWalk) {
  const RE2 regex("(?:a|a)+b", rule_pack::PatternOptions());
  const auto anchored = AnchoredMatcher::Compile(regex.pattern());
  ASSERT_NE(anchored, nullptr);
  const std::string text = std::string(30, 'a') + "c aab ab " + std::string(30, 'a') + "b";
  size_t end = 0;
  ASSERT_EQ(anchored->MatchAt(text, 0, &end), AnchoredMatcher::Outcome::kUnknown);
  const Matches expected = AllMatchesWithRe2(regex, text);
  ASSERT_EQ(expected.size(), 3u);
  EXPECT_EQ(
      AllMatchesWithLiterals(regex, anchored.get(), MatchStartLiterals(regex.pattern()), text),
      expected);
}

// --- MatchWalker with reject_start -------------------------------------------------------

// Refuses a start glued to a preceding ASCII letter.
bool GluedToALetter(std::string_view text, size_t offset) {
  if (offset == 0) return false;
  const char c = text[offset - 1];
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Where the first match a walk finds starts, or npos when it finds none.
size_t FindStart(const RE2& regex, StartRejection reject_start, std::string_view text,
                 re2::StringPiece* match) {
  const std::vector<std::string> literals = MatchStartLiterals(regex.pattern());
  const SearchText search(text);
  const auto anchored = AnchoredMatcher::Compile(regex.pattern());
  if (!MatchWalker(regex, anchored.get(), literals, IsLiteralAlternation(regex.pattern()),
                   reject_start, search)
           .Next(0, match)) {
    return std::string_view::npos;
  }
  return static_cast<size_t>(match->data() - text.data());
}

TEST(MatchStartLiteralsRejectTest, ARejectedStartIsSkippedForTheNextOne) {
  const RE2 regex("cialis", rule_pack::PatternOptions());
  ASSERT_THAT(MatchStartLiterals(regex.pattern()), ElementsAre("cialis"));
  const std::string text = "specialist cialis";
  re2::StringPiece match;
  EXPECT_EQ(FindStart(regex, nullptr, text, &match), 3u);  // spe|cialis|t
  EXPECT_EQ(FindStart(regex, GluedToALetter, text, &match), 11u);
  EXPECT_EQ(match, "cialis");
}

TEST(MatchStartLiteralsRejectTest, OnlyRejectedStartsFindNothing) {
  const RE2 regex("cialis", rule_pack::PatternOptions());
  re2::StringPiece match;
  EXPECT_EQ(FindStart(regex, GluedToALetter, "specialist xcialis", &match), std::string_view::npos);
}

TEST(MatchStartLiteralsRejectTest, ACleanStartAfter31RejectedOnesIsFound) {
  const RE2 regex("cialis", rule_pack::PatternOptions());
  const std::string text = Repeated("xcialis ", 31) + "cialis";
  re2::StringPiece match;
  EXPECT_EQ(FindStart(regex, GluedToALetter, text, &match), 31u * 8);
}

// Documented fallback: past 32 failed or rejected candidates the rest of the text is RE2's
// unanchored search's, which knows nothing of the rejection.
TEST(MatchStartLiteralsRejectTest, Past32RejectedCandidatesRe2SearchesTheRest) {
  const RE2 regex("cialis", rule_pack::PatternOptions());
  const std::string text = Repeated("xcialis ", 40) + "cialis";
  re2::StringPiece match;
  const size_t start = FindStart(regex, GluedToALetter, text, &match);
  // The 32nd candidate is "cialis" at 31 * 8 + 1; RE2 searches on from the byte after it.
  re2::StringPiece expected;
  ASSERT_TRUE(regex.Match(text, 31 * 8 + 2, text.size(), RE2::UNANCHORED, &expected, 1));
  EXPECT_EQ(match.data(), expected.data());
  EXPECT_EQ(match.size(), expected.size());
  EXPECT_EQ(start, 32u * 8 + 1);  // the 33rd glued one: callers check the start themselves
  EXPECT_TRUE(GluedToALetter(text, start));
}

// The 32 are counted over the whole walk, not per call: a text that keeps failing costs a
// walk about one RE2 search per match, however many matches it asks for.
TEST(MatchStartLiteralsRejectTest, The32CandidatesAreCountedOverTheWholeWalk) {
  const RE2 regex("cialis", rule_pack::PatternOptions());
  const std::string text =
      Repeated("xcialis ", 20) + "cialis " + Repeated("xcialis ", 20) + "cialis";
  const std::vector<std::string> literals = MatchStartLiterals(regex.pattern());
  const SearchText search(text);
  const auto anchored = AnchoredMatcher::Compile(regex.pattern());
  MatchWalker walker(regex, anchored.get(), literals, IsLiteralAlternation(regex.pattern()),
                     GluedToALetter, search);
  re2::StringPiece match;
  ASSERT_TRUE(walker.Next(0, &match));
  EXPECT_EQ(static_cast<size_t>(match.data() - text.data()), 20u * 8);  // 20 rejected first
  ASSERT_TRUE(walker.Next(20 * 8 + 6, &match));
  // 12 more rejected make 32; RE2 then finds the next glued one, for the caller to check.
  const size_t start = static_cast<size_t>(match.data() - text.data());
  EXPECT_EQ(start, 20u * 8 + 7 + 12 * 8 + 1);
  EXPECT_TRUE(GluedToALetter(text, start));
}

TEST(MatchStartLiteralsRejectTest, Past32FailedCandidatesTheResultIsRe2s) {
  const RE2 regex(R"(cialis\d)", rule_pack::PatternOptions());
  ASSERT_THAT(MatchStartLiterals(regex.pattern()), ElementsAre("cialis"));
  for (const std::string& text :
       {Repeated("cialis ", 40) + "cialis5", Repeated("cialis ", 40), Repeated("cialis ", 32)}) {
    re2::StringPiece match;
    re2::StringPiece expected;
    const bool re2_found = regex.Match(text, 0, text.size(), RE2::UNANCHORED, &expected, 1);
    const std::vector<std::string> literals = {"cialis"};
    const SearchText search(text);
    const auto anchored = AnchoredMatcher::Compile(regex.pattern());
    ASSERT_EQ(MatchWalker(regex, anchored.get(), literals, false, nullptr, search).Next(0, &match),
              re2_found)
        << text;
    if (re2_found) {
      EXPECT_EQ(match.data(), expected.data());
      EXPECT_EQ(match.size(), expected.size());
    }
  }
}

}  // namespace
}  // namespace spamguard
