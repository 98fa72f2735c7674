#include "model/rule_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "model/scorer.h"

namespace spamguard {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kNow = 1'700'000'000'000;

// Text whose normalized form is the original itself (byte i comes from byte i).
NormalizedText Identity(const std::string& text) {
  NormalizedText normalized;
  normalized.text = text;
  for (uint32_t i = 0; i < text.size(); ++i) {
    normalized.source_begin.push_back(i);
    normalized.source_end.push_back(i + 1);
  }
  return normalized;
}

std::string Pack(const std::string& rules) { return "version: 1\nrules:\n" + rules; }

Link MakeLink(const std::string& content, const std::string& url, const std::string& host,
              const std::string& domain) {
  const auto begin = static_cast<uint32_t>(content.find(url));
  const auto end = static_cast<uint32_t>(begin + url.size());
  Link link;
  link.location = EntityLocation{begin, end, Span{begin, end}};
  link.url = url;
  link.host = host;
  link.registrable_domain = domain;
  return link;
}

class RuleSetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    normalizer_ = Normalizer::Create().value();
    extractor_ = EntityExtractor::Create({}).value();
  }

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rule_set_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << content;
    return path;
  }

  Result<std::shared_ptr<const RuleSet>> Load(const std::string& yaml) {
    return RuleSet::LoadFile(Write("pack.yaml", yaml), normalizer_, extractor_);
  }

  // A pack of one domain-list rule that reads `file` (relative to the pack, or absolute).
  Result<std::shared_ptr<const RuleSet>> LoadDomainListFile(const std::string& file) {
    return Load(
        Pack("  - {id: d, description: D., kind: domain-list, file: " + file + ", score: 2}\n"));
  }

  // A rule that makes its pack refused, and what the refusal must say.
  struct RefusedRule {
    const char* rule;  // one YAML rule line, put into a pack by Pack()
    const char* error;
  };
  template <size_t N>
  void ExpectEachRuleRefused(const RefusedRule (&cases)[N]) {
    for (const RefusedRule& c : cases) {
      auto rules = Load(Pack(c.rule));
      EXPECT_FALSE(rules.ok()) << c.rule;
      if (rules.ok()) continue;
      EXPECT_EQ(rules.status().code(), Status::Code::kInvalidArgument);
      EXPECT_THAT(rules.status().message(), HasSubstr(c.error));
    }
  }

  std::shared_ptr<const RuleSet> MustLoad(const std::string& yaml) {
    auto rules = Load(yaml);
    EXPECT_TRUE(rules.ok()) << rules.status().ToString();
    return rules.ok() ? rules.value() : nullptr;
  }

  // Evaluates a comment whose content is its own normalized form.
  std::vector<Reason> Run(const RuleSet& rules, const Comment& comment,
                          const Entities& entities = {}, DuplicateWindow* window = nullptr) {
    const NormalizedText normalized = Identity(comment.content);
    RuleInput input{comment, normalized, entities, kNow, window, window != nullptr};
    return rules.Evaluate(input);
  }

  static const Reason* Find(const std::vector<Reason>& reasons, const std::string& code) {
    auto it = std::find_if(reasons.begin(), reasons.end(),
                           [&](const Reason& r) { return r.code == code; });
    return it == reasons.end() ? nullptr : &*it;
  }

  static Comment Text(const std::string& content) {
    Comment comment;
    comment.content = content;
    return comment;
  }

  static inline std::shared_ptr<const Normalizer> normalizer_;
  static inline std::shared_ptr<const EntityExtractor> extractor_;
  std::filesystem::path dir_;
};

// --- regex and phrase ---------------------------------------------------------------------

TEST_F(RuleSetTest, RegexRuleReportsItsCodeScoreAndSpans) {
  auto rules = MustLoad(Pack(R"(
  - id: vashikaran
    description: Advertises vashikaran.
    kind: regex
    patterns: ['vashikaran']
    score: 3
)"));
  const std::string content = "best vashikaran expert, vashikaran now";
  auto reasons = Run(*rules, Text(content));
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].code, "vashikaran");
  EXPECT_EQ(reasons[0].description, "Advertises vashikaran.");
  EXPECT_DOUBLE_EQ(reasons[0].score, 3);
  ASSERT_EQ(reasons[0].spans.size(), 2u);
  EXPECT_EQ(reasons[0].spans[0], (Span{5, 15}));
  EXPECT_EQ(reasons[0].spans[1], (Span{24, 34}));
}

TEST_F(RuleSetTest, RegexPatternsAreCaseInsensitive) {
  auto rules = MustLoad(Pack(R"(
  - id: loan
    description: Loan offer.
    kind: regex
    patterns: ['URGENT\W+LOAN']
    score: 2
)"));
  EXPECT_NE(Find(Run(*rules, Text("need an urgent loan?")), "loan"), nullptr);
}

TEST_F(RuleSetTest, WordBoundaryRegexDoesNotMatchInsideWords) {
  auto rules = MustLoad(Pack(R"(
  - id: loan
    description: Loan.
    kind: regex
    word_boundary: true
    patterns: ['loan']
    score: 2
)"));
  EXPECT_EQ(Find(Run(*rules, Text("sloane square, loans")), "loan"), nullptr);
  const auto reasons = Run(*rules, Text("a loan."));
  ASSERT_NE(Find(reasons, "loan"), nullptr);
  EXPECT_EQ(Find(reasons, "loan")->spans[0], (Span{2, 6}));
}

TEST_F(RuleSetTest, PhraseMatchesWholeWordsOnly) {
  auto rules = MustLoad(Pack(R"(
  - id: love-back
    description: Love back.
    kind: phrase
    phrases: ['Love Back', 'c++']
    score: 1.5
)"));
  EXPECT_EQ(Find(Run(*rules, Text("glove backing")), "love-back"), nullptr);
  const auto reasons = Run(*rules, Text("get your love back now"));
  ASSERT_NE(Find(reasons, "love-back"), nullptr);
  EXPECT_EQ(Find(reasons, "love-back")->spans[0], (Span{9, 18}));
  // Regex metacharacters in a phrase are literal.
  EXPECT_NE(Find(Run(*rules, Text("i like c++ a lot")), "love-back"), nullptr);
  EXPECT_EQ(Find(Run(*rules, Text("i like cc a lot")), "love-back"), nullptr);
}

TEST_F(RuleSetTest, PatternsRe2RejectsAreSkippedWithFileLineAndReason) {
  auto rules = MustLoad(Pack(R"(
  - id: mixed
    description: Mixed.
    kind: regex
    patterns:
      - 'foo(?!bar)'
      - 'baz'
    score: 1
)"));
  const LoadReport& report = rules->report();
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_THAT(report.skipped[0], HasSubstr("pack.yaml:8: rule 'mixed' pattern 1: "));
  EXPECT_THAT(report.skipped[0], HasSubstr("foo(?!bar)"));
  EXPECT_EQ(report.active_rules_by_kind.at("regex"), 1);
  EXPECT_NE(Find(Run(*rules, Text("baz")), "mixed"), nullptr);
}

TEST_F(RuleSetTest, RuleWithNoUsablePatternIsInactiveAndReported) {
  auto rules = MustLoad(Pack(R"(
  - id: broken
    description: Broken.
    kind: regex
    patterns: ['(?<=x)y']
    score: 1
)"));
  EXPECT_EQ(rules->report().active_rules(), 0);
  EXPECT_THAT(rules->report().skipped.back(), HasSubstr("rule 'broken': no usable pattern"));
}

TEST_F(RuleSetTest, ListFileEntriesComeFromTheChosenFieldMinusExcludes) {
  Write("watched.txt",
        "# comment line\n"
        "1494568775\ttripleee\tessayssos\\.com\n"
        "1494592807\ttripleee\ttrimfire\n"
        "1494592808\ttripleee\t(?<=bad)lookbehind\n");
  auto rules = MustLoad(Pack(R"(
  - id: watched
    description: Watched.
    kind: regex
    file: watched.txt
    field: 3
    exclude: ['trimfire']
    score: 0.8
)"));
  EXPECT_NE(Find(Run(*rules, Text("see essayssos.com")), "watched"), nullptr);
  EXPECT_EQ(Find(Run(*rules, Text("trimfire")), "watched"), nullptr);
  ASSERT_EQ(rules->report().skipped.size(), 1u);
  EXPECT_THAT(rules->report().skipped[0], HasSubstr("watched.txt:4: rule 'watched' pattern"));
}

TEST_F(RuleSetTest, OverlappingMatchesOfARulesPatternsMergeIntoOneSpan) {
  auto rules = MustLoad(Pack(R"(
  - id: love-back
    description: Love back.
    kind: regex
    word_boundary: true
    patterns: ['love back', 'your lost', 'lost love', 'get']
    score: 1
)"));
  const auto reasons = Run(*rules, Text("get your lost love back now, lost love"));
  ASSERT_NE(Find(reasons, "love-back"), nullptr);
  EXPECT_EQ(Find(reasons, "love-back")->spans, (std::vector<Span>{{0, 3}, {4, 23}, {29, 38}}));
}

TEST_F(RuleSetTest, AReasonKeepsTheFirst16SpansInPatternOrder) {
  auto rules = MustLoad(Pack(R"(
  - id: pair
    description: Pairs.
    kind: regex
    word_boundary: true
    patterns: ['bb', 'aa']
    score: 1
)"));
  std::string content;
  for (int i = 0; i < 10; ++i) content += "aa ";
  for (int i = 0; i < 10; ++i) content += "bb ";
  const auto reasons = Run(*rules, Text(content));
  ASSERT_NE(Find(reasons, "pair"), nullptr);
  // All ten of the first pattern, then the first six of the second.
  std::vector<Span> expected;
  for (uint32_t i = 0; i < 6; ++i) expected.push_back(Span{3 * i, 3 * i + 2});
  for (uint32_t i = 10; i < 20; ++i) expected.push_back(Span{3 * i, 3 * i + 2});
  EXPECT_EQ(Find(reasons, "pair")->spans, expected);
}

TEST_F(RuleSetTest, WordBoundaryFailuresDoNotHideLaterMatchesOfTheSamePattern) {
  auto rules = MustLoad(Pack(R"(
  - id: wazifa
    description: Wazifa.
    kind: regex
    word_boundary: true
    patterns: ['wazifa', 'azifa']
    score: 1
)"));
  const auto reasons = Run(*rules, Text("wazifas xwazifa wazifa, azifa"));
  ASSERT_NE(Find(reasons, "wazifa"), nullptr);
  EXPECT_EQ(Find(reasons, "wazifa")->spans, (std::vector<Span>{{16, 22}, {24, 29}}));
}

// Patterns with a long counted repetition are kept out of the regex set and searched only
// when their literals occur; they must fire, give spans and group with the rule's other
// patterns exactly like set patterns.
TEST_F(RuleSetTest, CountedRepetitionPatternsFireWithSpansInPatternOrder) {
  auto rules = MustLoad(Pack(R"(
  - id: hacker
    description: Hacker for hire.
    kind: regex
    word_boundary: true
    patterns: ['hire\s+a\s+hacker', 'hack(er)?.{0,50}(text|call|contact)', 'recovery']
    score: 2
)"));
  const std::string content = "need a hacker? just call me. hire a hacker, recovery";
  const auto reasons = Run(*rules, Text(content));
  ASSERT_EQ(reasons.size(), 1u);
  // Pattern order: 'hire a hacker', then the counted one, then 'recovery'; merged.
  EXPECT_EQ(reasons[0].spans, (std::vector<Span>{{7, 24}, {29, 42}, {44, 52}}));
}

TEST_F(RuleSetTest, CountedRepetitionPatternsOfSeveralRulesEachReportTheirOwnRule) {
  auto rules = MustLoad(Pack(R"(
  - id: plain
    description: Plain.
    kind: regex
    patterns: ['zzz']
    score: 1
  - id: brain
    description: Brain pills.
    kind: regex
    patterns: ['brain.{0,30}power', 'memory.{0,30}boost']
    score: 1
  - id: spell
    description: Spell casters.
    kind: regex
    patterns: ['spell.{0,40}caster']
    score: 1
)"));
  const auto reasons = Run(*rules, Text("a spell by the caster. memory and focus boost"));
  ASSERT_EQ(reasons.size(), 2u);
  ASSERT_NE(Find(reasons, "brain"), nullptr);
  EXPECT_EQ(Find(reasons, "brain")->spans, (std::vector<Span>{{23, 45}}));
  ASSERT_NE(Find(reasons, "spell"), nullptr);
  EXPECT_EQ(Find(reasons, "spell")->spans, (std::vector<Span>{{2, 21}}));
}

TEST_F(RuleSetTest, CountedRepetitionPatternsNeedTheirLiteralsAndTheirWholeShape) {
  auto rules = MustLoad(Pack(R"(
  - id: fifa-coins
    description: Sells FIFA coins.
    kind: regex
    patterns: ['fifa.{0,20}coins?']
    score: 2
)"));
  EXPECT_NE(Find(Run(*rules, Text("cheap fifa 23 ultimate coins here")), "fifa-coins"), nullptr);
  // Both literals, but too far apart: the filter lets it through, the exact pass refuses.
  EXPECT_EQ(Find(Run(*rules, Text("fifa is a federation that has nothing to do with coins")),
                 "fifa-coins"),
            nullptr);
  EXPECT_EQ(Find(Run(*rules, Text("coins and more coins")), "fifa-coins"), nullptr);
}

// A pattern whose every match is the whole text is not searched in a text longer than its
// longest match; the bound counts code points, not bytes.
TEST_F(RuleSetTest, AWholeTextPatternFiresUpToItsLongestMatchAndNotPast) {
  auto rules = MustLoad(Pack(R"(
  - id: short-contact
    description: Nothing but a contact line.
    kind: regex
    patterns: ['^.{0,120}contact \d{3}$']
    score: 2
)"));
  std::string longest;
  for (int i = 0; i < 60; ++i) longest += "\xD0\xB4 ";  // "д ": 3 bytes, 2 code points
  longest += "contact 123";
  const auto reasons = Run(*rules, Text(longest));
  ASSERT_NE(Find(reasons, "short-contact"), nullptr);
  EXPECT_EQ(Find(reasons, "short-contact")->spans,
            (std::vector<Span>{{0, static_cast<uint32_t>(longest.size())}}));
  EXPECT_EQ(Find(Run(*rules, Text("\xD0\xB4" + longest)), "short-contact"), nullptr);
}

// --- refusing bad files --------------------------------------------------------------------

TEST_F(RuleSetTest, MalformedYamlIsRefusedWithFileAndLine) {
  auto rules = Load("version: 1\nrules:\n  - id: x\n    kind: [unclosed\n");
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(rules.status().message(), HasSubstr("pack.yaml:"));
}

TEST_F(RuleSetTest, UnknownKindIsRefusedWithTheRuleLine) {
  auto rules = Load(Pack(R"(
  - id: ok
    description: Fine.
    kind: honeypot
    score: 6
  - id: typo
    description: Typo.
    kind: regexp
    score: 1
)"));
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.status().message(), HasSubstr("pack.yaml:10: rule 'typo' has unknown kind"));
}

TEST_F(RuleSetTest, MissingScoreUnknownKeyAndDuplicateIdAreRefused) {
  auto missing = Load(Pack("  - {id: a, description: A., kind: honeypot}\n"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("pack.yaml:3: rule 'a' has no 'score'"));

  auto unknown = Load(Pack("  - {id: a, description: A., kind: honeypot, scroe: 1, score: 1}\n"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown key 'scroe'"));

  auto duplicate =
      Load(Pack("  - {id: a, description: A., kind: honeypot, score: 1}\n"
                "  - {id: a, description: B., kind: honeypot, score: 1}\n"));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_THAT(duplicate.status().message(), HasSubstr("pack.yaml:4: duplicate rule id 'a'"));
}

TEST_F(RuleSetTest, BadCidrInListFileIsRefusedNamingThatFileAndLine) {
  Write("ips.txt", "10.0.0.0/8\n10.0.0.0/40\n");
  auto rules =
      Load(Pack("  - {id: ips, description: I., kind: ip-list, file: ips.txt, score: 2}\n"));
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.status().message(), HasSubstr("ips.txt:2: rule 'ips'"));
}

TEST_F(RuleSetTest, InconsistentThresholdsAreRefused) {
  auto rules = Load("version: 1\npolicy: {hold: 0.9, spam: 0.8}\nrules: []\n");
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.status().message(), HasSubstr("pack.yaml:2:"));
  EXPECT_THAT(rules.status().message(), HasSubstr("0 < hold <= spam <= discard <= 1"));
}

TEST_F(RuleSetTest, MissingListFileIsRefused) {
  auto rules = LoadDomainListFile("nope.txt");
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.status().message(), HasSubstr("nope.txt"));
}

// An ifstream opens a directory and reads nothing: the pack used to be "not a map" and the
// list rule to have "no entries", though the operator had named a file.
TEST_F(RuleSetTest, ADirectoryWhereAFileBelongsIsRefusedAsADirectory) {
  std::filesystem::create_directories(dir_ / "lists.txt");
  auto rules = LoadDomainListFile("lists.txt");
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.status().message(),
              HasSubstr("cannot read list file '" + (dir_ / "lists.txt").string() + "': " +
                        (dir_ / "lists.txt").string() + " is a directory, not a rule file"));

  auto pack = RuleSet::LoadFile(dir_.string(), normalizer_, extractor_);
  ASSERT_FALSE(pack.ok());
  EXPECT_THAT(pack.status().message(), HasSubstr("is a directory, not a rule file"));
}

// /dev/zero never ends: the loader read it into memory until the kernel killed the server.
TEST_F(RuleSetTest, ADeviceOrAFileOverTheSizeBoundWhereARuleFileBelongsIsRefused) {
  auto device = LoadDomainListFile("/dev/zero");
  ASSERT_FALSE(device.ok());
  EXPECT_THAT(device.status().message(), HasSubstr("/dev/zero is not a regular file"));
  auto pack = RuleSet::LoadFile("/dev/zero", normalizer_, extractor_);
  ASSERT_FALSE(pack.ok());
  EXPECT_THAT(pack.status().message(), HasSubstr("/dev/zero is not a regular file"));

  // A sparse file: 65 MiB long, no disk used.
  const std::string big = (dir_ / "big.txt").string();
  { std::ofstream(big) << "example.org\n"; }
  std::filesystem::resize_file(big, std::uintmax_t{65} << 20);
  auto large = LoadDomainListFile("big.txt");
  ASSERT_FALSE(large.ok());
  EXPECT_THAT(large.status().message(), HasSubstr("is larger than 64 MiB"));
}

// At 500,000 phrases RE2 printed its own errors for seconds and then failed; the pack now
// states its limit before RE2 sees the patterns.
TEST_F(RuleSetTest, MorePatternsThanOneSetHoldsAreRefusedBeforeCompiling) {
  std::string phrases;
  for (int i = 0; i < 199'999; ++i) phrases += "phrase number " + std::to_string(i) + "\n";
  Write("phrases.txt", phrases);
  auto rules =
      Load(Pack("  - {id: first, description: F., kind: phrase, phrases: [a b, c d], score: 1}\n"
                "  - {id: second, description: S., kind: regex, file: phrases.txt, score: 1}\n"));
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.status().message(),
              HasSubstr("pack.yaml:4: rule 'second' brings the pack's regex and phrase patterns "
                        "to 200001; at most 200000 are supported"));
}

// --- entity and field rules ----------------------------------------------------------------

TEST_F(RuleSetTest, LinkCountAndDensityFireAtTheirThresholdsWithLinkSpans) {
  auto rules = MustLoad(Pack(R"(
  - {id: two-links, description: L., kind: link-count, min: 2, score: 1}
  - {id: dense, description: D., kind: link-density, per_100_words: 30, min_links: 2, score: 1}
)"));
  const std::string content = "see a.com and b.com";
  Entities entities;
  entities.links = {MakeLink(content, "a.com", "a.com", "a.com"),
                    MakeLink(content, "b.com", "b.com", "b.com")};
  auto reasons = Run(*rules, Text(content), entities);
  ASSERT_NE(Find(reasons, "two-links"), nullptr);
  EXPECT_EQ(Find(reasons, "two-links")->spans, (std::vector<Span>{{4, 9}, {14, 19}}));
  ASSERT_NE(Find(reasons, "dense"), nullptr);  // 2 links in 4 words: 50 per 100

  entities.links.pop_back();
  reasons = Run(*rules, Text(content), entities);
  EXPECT_EQ(Find(reasons, "two-links"), nullptr);
  EXPECT_EQ(Find(reasons, "dense"), nullptr);
}

TEST_F(RuleSetTest, EveryReasonKeepsAtMost16SpansEvenWhenEachLinkIsOne) {
  auto rules = MustLoad(Pack(R"(
  - {id: has-link, description: L., kind: link-count, min: 1, score: 1}
)"));
  std::string content;
  for (int i = 0; i < 40; ++i) content += "x" + std::to_string(i) + ".com ";
  Entities entities;
  for (int i = 0; i < 40; ++i) {
    const std::string domain = "x" + std::to_string(i) + ".com";
    entities.links.push_back(MakeLink(content, domain, domain, domain));
  }
  auto reasons = Run(*rules, Text(content), entities);
  ASSERT_NE(Find(reasons, "has-link"), nullptr);
  const std::vector<Span>& spans = Find(reasons, "has-link")->spans;
  ASSERT_EQ(spans.size(), 16u);
  EXPECT_EQ(spans.front(), (Span{0, 6}));  // "x0.com", the first link in the text
}

TEST_F(RuleSetTest, PhoneCountCanBeLimitedToCountryCodes) {
  auto rules = MustLoad(Pack(R"(
  - {id: indian-phone, description: P., kind: phone-count, country_codes: [91], score: 1}
)"));
  Entities entities;
  PhoneNumber phone;
  phone.location.original = Span{5, 19};
  phone.country_code = 1;
  phone.country_code_written = true;
  entities.phones = {phone};
  EXPECT_EQ(Find(Run(*rules, Text("call +1 555 0100 00"), entities), "indian-phone"), nullptr);
  entities.phones[0].country_code = 91;
  auto reasons = Run(*rules, Text("call +91 9829286600"), entities);
  ASSERT_NE(Find(reasons, "indian-phone"), nullptr);
  EXPECT_EQ(Find(reasons, "indian-phone")->spans, (std::vector<Span>{{5, 19}}));
  // A country guessed from a default region is no country's.
  entities.phones[0].country_code_written = false;
  EXPECT_EQ(Find(Run(*rules, Text("call 020 7946 0000"), entities), "indian-phone"), nullptr);
}

TEST_F(RuleSetTest, PhoneCountCanBeLimitedToNumbersWithLettersForDigits) {
  auto rules = MustLoad(Pack(R"(
  - {id: disguised, description: P., kind: phone-count, letters_for_digits: true, score: 1}
)"));
  Entities entities;
  PhoneNumber phone;
  phone.location.original = Span{5, 22};
  entities.phones = {phone};
  EXPECT_EQ(Find(Run(*rules, Text("call +1 (302) 555-0118"), entities), "disguised"), nullptr);
  entities.phones[0].letters_as_digits = 3;
  auto reasons = Run(*rules, Text("call +1 (3O2) 555-O1I8"), entities);
  ASSERT_NE(Find(reasons, "disguised"), nullptr);
  EXPECT_EQ(Find(reasons, "disguised")->spans, (std::vector<Span>{{5, 22}}));
  auto refused = Load(
      Pack("  - {id: d, description: P., kind: phone-count, letters_for_digits: 1, score: 1}\n"));
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("'letters_for_digits' must be true or false"));
}

TEST_F(RuleSetTest, ObfuscationFiresOnTheReportTotalWithItsSpans) {
  auto rules =
      MustLoad(Pack("  - {id: obf, description: O., kind: obfuscation, min: 3, score: 1}\n"));
  const Comment comment = Text("lоvе");
  NormalizedText normalized = Identity(comment.content);
  normalized.obfuscation.homoglyphs = 2;
  normalized.obfuscation.spans = {Span{1, 3}};
  Entities entities;
  EXPECT_TRUE(rules->Evaluate(RuleInput{comment, normalized, entities, kNow}).empty());
  normalized.obfuscation.format_characters = 1;
  auto reasons = rules->Evaluate(RuleInput{comment, normalized, entities, kNow});
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].spans, (std::vector<Span>{{1, 3}}));
}

TEST_F(RuleSetTest, AuthorNameEmailDomainAndUrlDomainRules) {
  auto rules = MustLoad(Pack(R"(
  - {id: name, description: N., kind: author-name, patterns: ['^baba\W?ji$'], score: 2}
  - {id: mail, description: M., kind: author-email-domain, domains: [spam-mail.example], score: 2}
  - {id: site, description: S., kind: author-url-domain, domains: [spam-site.example], score: 2}
)"));
  Comment comment = Text("hello");
  comment.author_name = "Baba Ji";
  comment.author_email = "Guru@Inbox.SPAM-MAIL.example";
  comment.author_url = "https://www.spam-site.example/about";
  auto reasons = Run(*rules, comment);
  EXPECT_NE(Find(reasons, "name"), nullptr);
  EXPECT_NE(Find(reasons, "mail"), nullptr);
  EXPECT_NE(Find(reasons, "site"), nullptr);

  comment.author_name = "Baba Jiva";
  comment.author_email = "someone@example.org";
  comment.author_url = "https://not-spam-site.example/";
  EXPECT_TRUE(Run(*rules, comment).empty());
}

TEST_F(RuleSetTest, UserAgentRuleMatchesTheLowerCasedAgentAndNeverAnEmptyOne) {
  auto rules = MustLoad(Pack(R"(
  - {id: bot, description: B., kind: user-agent, patterns: ['^curl/', 'python-requests'], score: 1}
  - {id: text, description: T., kind: regex, patterns: ['curl'], score: 1}
)"));
  Comment comment = Text("a reader's comment");
  comment.user_agent = "Python-Requests/2.31.0";
  auto reasons = Run(*rules, comment);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].code, "bot");
  EXPECT_TRUE(reasons[0].spans.empty());  // the agent is not in the comment's text

  comment.user_agent = "curl/8.4.0";
  EXPECT_NE(Find(Run(*rules, comment), "bot"), nullptr);
  // Anchored patterns see the agent alone, and text rules do not see it at all.
  comment.user_agent = "Mozilla/5.0 (X11; Linux x86_64) curl/8.4.0";
  EXPECT_TRUE(Run(*rules, comment).empty());
  comment.user_agent = "";
  EXPECT_TRUE(Run(*rules, comment).empty());
}

TEST_F(RuleSetTest, DefaultPackTellsScriptsFromBrowsersByUserAgent) {
  auto rules =
      RuleSet::LoadFile(SPAMGUARD_SOURCE_DIR "/rules/default.yaml", normalizer_, extractor_);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  Comment comment = Text("Thanks, this fixed my build.");
  for (const char* agent :
       {"python-requests/2.31.0", "curl/8.4.0", "Go-http-client/1.1", "Java/17.0.2",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/120.0.0.0 Safari/537.36"}) {
    comment.user_agent = agent;
    EXPECT_NE(Find(Run(**rules, comment), "scripted-client"), nullptr) << agent;
  }
  for (const char* agent :
       {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0", ""}) {
    comment.user_agent = agent;
    EXPECT_EQ(Find(Run(**rules, comment), "scripted-client"), nullptr) << agent;
  }
}

TEST_F(RuleSetTest, IpListMatchesIpv4AndIpv6Ranges) {
  auto rules = MustLoad(Pack(R"(
  - {id: ips, description: I., kind: ip-list, ips: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7'], score: 3}
)"));
  Comment comment = Text("hi");
  for (const char* ip : {"203.0.113.99", "2001:db8:1::5", "198.51.100.7", "::ffff:203.0.113.1"}) {
    comment.client_ip = ip;
    EXPECT_NE(Find(Run(*rules, comment), "ips"), nullptr) << ip;
  }
  for (const char* ip : {"203.0.114.1", "2001:db9::1", "198.51.100.8", "not an ip", ""}) {
    comment.client_ip = ip;
    EXPECT_EQ(Find(Run(*rules, comment), "ips"), nullptr) << ip;
  }
}

TEST_F(RuleSetTest, DomainListMatchesLinksAndTheAuthorUrlOnRegistrableDomain) {
  auto rules = MustLoad(Pack(R"(
  - {id: spam-domain, description: D., kind: domain-list, domains: [spam.co.uk], score: 4}
)"));
  const std::string content = "visit https://shop.spam.co.uk/x or good.org";
  Entities entities;
  entities.links = {MakeLink(content, "https://shop.spam.co.uk/x", "shop.spam.co.uk", "spam.co.uk"),
                    MakeLink(content, "good.org", "good.org", "good.org")};
  auto reasons = Run(*rules, Text(content), entities);
  ASSERT_NE(Find(reasons, "spam-domain"), nullptr);
  EXPECT_EQ(Find(reasons, "spam-domain")->spans, (std::vector<Span>{{6, 31}}));

  Comment by_url = Text("nice post");
  by_url.author_url = "http://www.spam.co.uk";
  EXPECT_NE(Find(Run(*rules, by_url), "spam-domain"), nullptr);
  by_url.author_url = "http://notspam.co.uk";
  EXPECT_EQ(Find(Run(*rules, by_url), "spam-domain"), nullptr);
}

TEST_F(RuleSetTest, EmailListMatchesContentAndAuthorAddresses) {
  auto rules = MustLoad(Pack(R"(
  - {id: emails, description: E., kind: email-list, emails: [guru@spam.example, '@scam.example'], score: 3}
)"));
  const std::string content = "write to x@scam.example";
  Entities entities;
  EmailAddress email;
  email.address = "x@scam.example";
  email.location.original = Span{9, 23};
  entities.emails = {email};
  auto reasons = Run(*rules, Text(content), entities);
  ASSERT_NE(Find(reasons, "emails"), nullptr);
  EXPECT_EQ(Find(reasons, "emails")->spans, (std::vector<Span>{{9, 23}}));

  Comment comment = Text("hi");
  comment.author_email = "GURU@spam.example";
  EXPECT_NE(Find(Run(*rules, comment), "emails"), nullptr);
  comment.author_email = "other@spam.example";
  EXPECT_EQ(Find(Run(*rules, comment), "emails"), nullptr);
}

TEST_F(RuleSetTest, HoneypotFiresOnlyWhenFilled) {
  auto rules = MustLoad(Pack("  - {id: honeypot, description: H., kind: honeypot, score: 6}\n"));
  Comment comment = Text("hello");
  EXPECT_TRUE(Run(*rules, comment).empty());
  comment.honeypot_value = "http://bot.example";
  EXPECT_NE(Find(Run(*rules, comment), "honeypot"), nullptr);
}

// A comment that gives nobody a way to reach anyone advertises nothing: no link, e-mail
// address, phone number, messaging app, handle or call to contact, no author URL. A hashtag
// reaches nobody.
TEST_F(RuleSetTest, NoContactFiresOnlyWhenTheCommentOffersNoWayToReachAnyone) {
  auto rules =
      MustLoad(Pack("  - {id: no-contact, description: N., kind: no-contact, score: -1}\n"));
  Comment comment = Text("Praying for your family tonight #faith");
  Entities entities;
  entities.contact_calls.push_back(ContactCall{{}, "hashtag"});
  const std::vector<Reason> reasons = Run(*rules, comment, entities);
  const Reason* reason = Find(reasons, "no-contact");
  ASSERT_NE(reason, nullptr);
  EXPECT_DOUBLE_EQ(reason->score, -1);
  EXPECT_TRUE(reason->spans.empty());

  Entities with_call = entities;
  with_call.contact_calls.push_back(ContactCall{{}, "whatsapp"});
  EXPECT_EQ(Find(Run(*rules, comment, with_call), "no-contact"), nullptr);
  Entities with_email;
  with_email.emails.push_back(EmailAddress{});
  EXPECT_EQ(Find(Run(*rules, comment, with_email), "no-contact"), nullptr);
  Entities with_phone;
  with_phone.phones.push_back(PhoneNumber{});
  EXPECT_EQ(Find(Run(*rules, comment, with_phone), "no-contact"), nullptr);
  Entities with_link;
  with_link.links.push_back(Link{});
  EXPECT_EQ(Find(Run(*rules, comment, with_link), "no-contact"), nullptr);
  comment.author_url = "https://shop.example.com";
  EXPECT_EQ(Find(Run(*rules, comment, entities), "no-contact"), nullptr);
}

TEST_F(RuleSetTest, VerdictBoundsAreCarriedOnTheReasonAndZeroScoreStillDisables) {
  auto rules = MustLoad(
      "version: 1\nsites:\n  quiet: {score_overrides: {honeypot: 0}}\nrules:\n"
      "  - {id: honeypot, description: H., kind: honeypot, score: 6, at_least: spam}\n"
      "  - {id: staff, description: S., kind: trusted-role, roles: [editor], score: -6, "
      "at_most: ham}\n");
  Comment comment = Text("hello");
  comment.honeypot_value = "x";
  comment.user_role = "editor";
  auto reasons = Run(*rules, comment);
  ASSERT_NE(Find(reasons, "honeypot"), nullptr);
  EXPECT_EQ(Find(reasons, "honeypot")->at_least, Verdict::kSpam);
  EXPECT_EQ(Find(reasons, "honeypot")->at_most, Verdict::kDiscard);
  ASSERT_NE(Find(reasons, "staff"), nullptr);
  EXPECT_EQ(Find(reasons, "staff")->at_least, Verdict::kHam);
  EXPECT_EQ(Find(reasons, "staff")->at_most, Verdict::kHam);
  comment.site_id = "quiet";
  EXPECT_EQ(Find(Run(*rules, comment), "honeypot"), nullptr);
}

TEST_F(RuleSetTest, BadVerdictBoundsAreRefusedWithFileAndLine) {
  auto misspelt =
      Load(Pack("  - {id: h, description: H., kind: honeypot, score: 6, at_least: spammy}\n"));
  ASSERT_FALSE(misspelt.ok());
  EXPECT_THAT(misspelt.status().message(), HasSubstr("pack.yaml:3:"));
  EXPECT_THAT(misspelt.status().message(),
              HasSubstr("rule 'h' 'at_least' must be one of ham, hold, spam, discard"));
  auto crossed = Load(Pack(
      "  - {id: h, description: H., kind: honeypot, score: 6, at_least: spam, at_most: hold}\n"));
  ASSERT_FALSE(crossed.ok());
  EXPECT_THAT(crossed.status().message(), HasSubstr("'at_least' is harsher than its 'at_most'"));
}

TEST_F(RuleSetTest, TooFastUsesCreatedAtOrNow) {
  auto rules =
      MustLoad(Pack("  - {id: fast, description: F., kind: too-fast, seconds: 3, score: 2}\n"));
  Comment comment = Text("hello");
  EXPECT_TRUE(Run(*rules, comment).empty());  // no render time: no evidence
  comment.form_rendered_at_ms = kNow - 10'000;
  comment.created_at_ms = kNow - 8'000;  // 2 s after rendering
  EXPECT_NE(Find(Run(*rules, comment), "fast"), nullptr);
  comment.created_at_ms.reset();  // now: 10 s after rendering
  EXPECT_TRUE(Run(*rules, comment).empty());
  comment.form_rendered_at_ms = kNow - 1'000;
  EXPECT_NE(Find(Run(*rules, comment), "fast"), nullptr);
  comment.form_rendered_at_ms = kNow + 5'000;  // skewed clocks prove nothing
  EXPECT_TRUE(Run(*rules, comment).empty());
}

TEST_F(RuleSetTest, OldPostFiresAfterTheConfiguredDays) {
  auto rules =
      MustLoad(Pack("  - {id: old, description: O., kind: old-post, days: 30, score: 0.7}\n"));
  Comment comment = Text("hello");
  comment.post_published_at_ms = kNow - int64_t{29} * 86'400'000;
  EXPECT_TRUE(Run(*rules, comment).empty());
  comment.post_published_at_ms = kNow - int64_t{31} * 86'400'000;
  EXPECT_NE(Find(Run(*rules, comment), "old"), nullptr);
}

TEST_F(RuleSetTest, DuplicateFiresAfterMoreThanNSightingsInTheWindowAndExpires) {
  auto rules = MustLoad(Pack(R"(
  - {id: dup, description: D., kind: duplicate, more_than: 1, within_minutes: 10, min_length: 5, score: 2}
)"));
  DuplicateWindow window(60 * 60'000, 1000);
  const Comment comment = Text("the very same text");
  const Entities entities;
  auto run_at = [&](int64_t now) {
    const NormalizedText normalized = Identity(comment.content);
    return rules->Evaluate(RuleInput{comment, normalized, entities, now, &window, true});
  };
  EXPECT_TRUE(run_at(kNow).empty());                       // seen 0 times before
  EXPECT_TRUE(run_at(kNow + 1000).empty());                // seen once: not more than 1
  EXPECT_FALSE(run_at(kNow + 2000).empty());               // seen twice
  EXPECT_TRUE(run_at(kNow + 11 * 60'000 + 2000).empty());  // earlier ones left the window
  // Short texts are never duplicates.
  const Comment short_comment = Text("+1");
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(Run(*rules, short_comment, {}, &window).empty());
}

TEST_F(RuleSetTest, TrustedRoleAndAllowlistsPushTowardHam) {
  auto rules = MustLoad(Pack(R"(
  - {id: trusted, description: T., kind: trusted-role, roles: [Editor], score: -6}
  - {id: ok-domain, description: D., kind: allowed-domain, domains: [wikipedia.org], score: -1}
  - {id: ok-email, description: E., kind: allowed-email, emails: ['@staff.example'], score: -5}
  - {id: ok-ip, description: I., kind: allowed-ip, ips: ['10.0.0.0/8'], score: -5}
)"));
  Comment comment = Text("see en.wikipedia.org/wiki/X");
  comment.user_role = "editor";
  comment.author_email = "ann@staff.example";
  comment.client_ip = "10.1.2.3";
  Entities entities;
  entities.links = {
      MakeLink(comment.content, "en.wikipedia.org/wiki/X", "en.wikipedia.org", "wikipedia.org")};
  auto reasons = Run(*rules, comment, entities);
  EXPECT_EQ(reasons.size(), 4u);
  for (const Reason& reason : reasons) EXPECT_LT(reason.score, 0) << reason.code;

  // One link elsewhere and the domain allowlist no longer applies.
  entities.links.push_back(MakeLink(comment.content, "see", "see.example", "see.example"));
  EXPECT_EQ(Find(Run(*rules, comment, entities), "ok-domain"), nullptr);
}

TEST_F(RuleSetTest, ADomainEntryWithALeadingDotTakesInAWholeTopLevelDomain) {
  auto rules = MustLoad(Pack(R"(
  - {id: gov, description: G., kind: allowed-domain, domains: [.gov, com, .gov.uk], score: -1}
)"));
  Comment comment = Text("report it");
  Entities entities;
  entities.links = {MakeLink(comment.content, "report", "reportfraud.ftc.gov", "ftc.gov")};
  EXPECT_NE(Find(Run(*rules, comment, entities), "gov"), nullptr);
  // Not a host that merely contains the label, and a bare label is no entry.
  entities.links = {MakeLink(comment.content, "report", "gov.example", "gov.example")};
  EXPECT_EQ(Find(Run(*rules, comment, entities), "gov"), nullptr);
  entities.links = {MakeLink(comment.content, "report", "shop.example.com", "example.com")};
  EXPECT_EQ(Find(Run(*rules, comment, entities), "gov"), nullptr);
  // A leading dot before a longer domain is the domain itself.
  entities.links = {MakeLink(comment.content, "report", "www.hmrc.gov.uk", "hmrc.gov.uk")};
  EXPECT_NE(Find(Run(*rules, comment, entities), "gov"), nullptr);
}

TEST_F(RuleSetTest, DomainEntriesAreReadAsHostsAndWhatCanMatchNoHostIsRefused) {
  Write("domains.txt", "*.wild.example\nfqdn.example.\n");
  auto rules = MustLoad(
      Pack("  - {id: d, description: D., kind: domain-list, file: domains.txt, score: 2}\n"));
  Comment comment = Text("see it");
  Entities entities;
  for (const char* host : {"a.wild.example", "fqdn.example", "www.fqdn.example"}) {
    entities.links = {MakeLink(comment.content, "see", host, host)};
    EXPECT_NE(Find(Run(*rules, comment, entities), "d"), nullptr) << host;
  }
  Write("domains.txt", "good.example\nhttps://bad.example/\n");
  auto refused =
      Load(Pack("  - {id: d, description: D., kind: domain-list, file: domains.txt, score: 2}\n"));
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("domains.txt:2: rule 'd': 'https://bad.example/' is not a domain"));
}

TEST_F(RuleSetTest, OwnSiteLinksFiresOnlyWhenEveryLinkStaysOnThePostsHost) {
  auto rules = MustLoad(Pack(R"(
  - {id: own-site, description: O., kind: own-site-links, score: -1}
)"));
  Comment comment =
      Text("as I wrote in blog.example.com/a and www.blog.example.com/b (shop.example.com/c)");
  comment.post_permalink = "https://www.blog.example.com/2026/11/post/";
  Entities entities;
  entities.links = {
      MakeLink(comment.content, "blog.example.com/a", "blog.example.com", "example.com"),
      MakeLink(comment.content, "www.blog.example.com/b", "www.blog.example.com", "example.com")};
  const std::vector<Reason> reasons = Run(*rules, comment, entities);
  const Reason* reason = Find(reasons, "own-site");
  ASSERT_NE(reason, nullptr);
  EXPECT_DOUBLE_EQ(reason->score, -1);
  ASSERT_EQ(reason->spans.size(), 2u);
  EXPECT_EQ(reason->spans[0], entities.links[0].location.original);
  EXPECT_EQ(reason->spans[1], entities.links[1].location.original);

  // Another host of the same registrable domain is not the post's own site.
  Entities sibling = entities;
  sibling.links.push_back(
      MakeLink(comment.content, "shop.example.com/c", "shop.example.com", "example.com"));
  EXPECT_EQ(Find(Run(*rules, comment, sibling), "own-site"), nullptr);
  // No links, or no permalink to compare with: nothing to say.
  EXPECT_EQ(Find(Run(*rules, comment, Entities{}), "own-site"), nullptr);
  Comment no_permalink = comment;
  no_permalink.post_permalink.clear();
  EXPECT_EQ(Find(Run(*rules, no_permalink, entities), "own-site"), nullptr);

  // The author's own URL counts as a link: elsewhere, the rule is off; on the blog, on.
  Comment author = comment;
  author.author_url = "https://casino.example/";
  EXPECT_EQ(Find(Run(*rules, author, entities), "own-site"), nullptr);
  author.author_url = "http://blog.example.com/about";
  EXPECT_NE(Find(Run(*rules, author, entities), "own-site"), nullptr);

  // A phone number, an e-mail address or a call to contact sends readers elsewhere.
  Entities with_phone = entities;
  with_phone.phones.emplace_back();
  EXPECT_EQ(Find(Run(*rules, comment, with_phone), "own-site"), nullptr);
  Entities with_call = entities;
  with_call.contact_calls.emplace_back();
  EXPECT_EQ(Find(Run(*rules, comment, with_call), "own-site"), nullptr);
}

TEST_F(RuleSetTest, OwnSiteLinksIgnoresThePostItselfAndLookAlikeHosts) {
  auto rules = MustLoad(Pack(R"(
  - {id: own-site, description: O., kind: own-site-links, score: -1}
)"));
  // The permalink pasted back (scheme, www., trailing '/' and fragment aside) is free to
  // any spammer: it does not make the comment the blog's own.
  Comment pasted = Text("great read http://blog.example.com/2026/11/post#comments");
  pasted.post_permalink = "https://www.blog.example.com/2026/11/post/";
  Entities entities;
  entities.links = {MakeLink(pasted.content, "http://blog.example.com/2026/11/post#comments",
                             "blog.example.com", "example.com")};
  EXPECT_EQ(Find(Run(*rules, pasted, entities), "own-site"), nullptr);
  // Also when the blog engine sends its permalink with white space around it: the host and
  // the path are read alike, as a browser reads them.
  pasted.post_permalink = " https://www.blog.example.com/2026/11/post/\n";
  EXPECT_EQ(Find(Run(*rules, pasted, entities), "own-site"), nullptr);

  // A host with a Cyrillic 'о' that the normalizer folded to the blog's name is read as
  // written, and it is not the blog.
  Comment look_alike = Text("see bl\xD0\xBEg.example.com/offer");
  look_alike.post_permalink = "https://blog.example.com/2026/11/post/";
  entities.links = {MakeLink(look_alike.content, "bl\xD0\xBEg.example.com/offer",
                             "blog.example.com", "example.com")};
  EXPECT_EQ(Find(Run(*rules, look_alike, entities), "own-site"), nullptr);
  // The same comment with a plain 'o' is the blog's own.
  Comment plain = Text("see blog.example.com/offer");
  plain.post_permalink = look_alike.post_permalink;
  entities.links = {
      MakeLink(plain.content, "blog.example.com/offer", "blog.example.com", "example.com")};
  EXPECT_NE(Find(Run(*rules, plain, entities), "own-site"), nullptr);
}

// --- policy ----------------------------------------------------------------------------------

constexpr const char* kPolicyPack = R"(version: 1
policy:
  hold: 0.6
  spam: 0.85
  discard: 0.99
  blocked_domains: [global-spam.example]
sites:
  strict-blog:
    spam: 0.7
    score_overrides: {loan: 4, honeypot: 0, site-blocked-domain: 9}
    blocked_domains: [local-spam.example]
    allowed_ips: ['192.0.2.0/24']
rules:
  - {id: loan, description: L., kind: regex, patterns: [loan], score: 2}
  - {id: honeypot, description: H., kind: honeypot, score: 6}
)";

TEST_F(RuleSetTest, SitesInheritAndOverrideTheDefaultThresholds) {
  auto rules = MustLoad(kPolicyPack);
  const SitePolicy& fallback = rules->PolicyFor("unknown-site");
  EXPECT_DOUBLE_EQ(fallback.hold_threshold, 0.6);
  EXPECT_DOUBLE_EQ(fallback.spam_threshold, 0.85);
  const SitePolicy& strict = rules->PolicyFor("strict-blog");
  EXPECT_DOUBLE_EQ(strict.hold_threshold, 0.6);
  EXPECT_DOUBLE_EQ(strict.spam_threshold, 0.7);
  EXPECT_DOUBLE_EQ(strict.discard_threshold, 0.99);
}

TEST_F(RuleSetTest, SiteScoreOverridesReplaceScoresAndZeroDisables) {
  auto rules = MustLoad(kPolicyPack);
  Comment comment = Text("cheap loan");
  comment.honeypot_value = "x";
  auto elsewhere = Run(*rules, comment);
  ASSERT_EQ(elsewhere.size(), 2u);
  EXPECT_DOUBLE_EQ(Find(elsewhere, "loan")->score, 2);

  comment.site_id = "strict-blog";
  auto strict = Run(*rules, comment);
  ASSERT_EQ(strict.size(), 1u);
  EXPECT_DOUBLE_EQ(Find(strict, "loan")->score, 4);
}

TEST_F(RuleSetTest, SiteListsAddToTheDefaultListsOnlyOnThatSite) {
  auto rules = MustLoad(kPolicyPack);
  const std::string content = "go to local-spam.example";
  Entities entities;
  entities.links = {
      MakeLink(content, "local-spam.example", "local-spam.example", "local-spam.example")};
  Comment comment = Text(content);
  EXPECT_EQ(Find(Run(*rules, comment, entities), "site-blocked-domain"), nullptr);
  comment.site_id = "strict-blog";
  const auto on_site = Run(*rules, comment, entities);
  const Reason* blocked = Find(on_site, "site-blocked-domain");
  ASSERT_NE(blocked, nullptr);
  EXPECT_DOUBLE_EQ(blocked->score, 9);
  EXPECT_EQ(blocked->spans, (std::vector<Span>{{6, 24}}));

  // The default list still applies on the site, and the site's allowlist too.
  entities.links = {
      MakeLink(content, "local-spam.example", "global-spam.example", "global-spam.example")};
  comment.client_ip = "192.0.2.4";
  auto reasons = Run(*rules, comment, entities);
  EXPECT_NE(Find(reasons, "site-blocked-domain"), nullptr);
  ASSERT_NE(Find(reasons, "site-allowed-ip"), nullptr);
  EXPECT_LT(Find(reasons, "site-allowed-ip")->score, 0);
}

TEST_F(RuleSetTest, ModelAloneCanDiscardIsOffUnlessAPolicySaysTrue) {
  auto rules = MustLoad(
      "version: 1\npolicy: {discard: 0.99}\nsites:\n  trusting: {model_alone_can_discard: true}\n"
      "  wary: {model_alone_can_discard: false}\nrules: []\n");
  EXPECT_FALSE(rules->PolicyFor("unknown-site").model_alone_can_discard);
  EXPECT_TRUE(rules->PolicyFor("trusting").model_alone_can_discard);
  EXPECT_DOUBLE_EQ(rules->PolicyFor("trusting").discard_threshold, 0.99);
  EXPECT_FALSE(rules->PolicyFor("wary").model_alone_can_discard);
  auto refused = Load("version: 1\npolicy:\n  model_alone_can_discard: yes please\nrules: []\n");
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(
      refused.status().message(),
      HasSubstr("pack.yaml:3: the default policy 'model_alone_can_discard' must be true or false"));
}

TEST_F(RuleSetTest, OverridingAnUnknownRuleIsRefused) {
  auto rules = Load("version: 1\nsites:\n  blog:\n    score_overrides: {nope: 1}\nrules: []\n");
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.status().message(),
              HasSubstr("pack.yaml:4: site 'blog' overrides unknown rule 'nope'"));
}

// --- version and report ----------------------------------------------------------------------

TEST_F(RuleSetTest, VersionChangesWhenAListFileChanges) {
  Write("domains.txt", "a.example\n");
  const std::string pack =
      Pack("  - {id: d, description: D., kind: domain-list, file: domains.txt, score: 2}\n");
  const std::string first = MustLoad(pack)->version();
  EXPECT_EQ(first.size(), 12u);
  EXPECT_EQ(MustLoad(pack)->version(), first);
  Write("domains.txt", "b.example\n");
  EXPECT_NE(MustLoad(pack)->version(), first);
}

TEST_F(RuleSetTest, ReportCountsActiveRulesByKindAndDisabledRulesAreNotLoaded) {
  auto rules = MustLoad(Pack(R"(
  - {id: a, description: A., kind: honeypot, score: 6}
  - {id: b, description: B., kind: regex, patterns: [x], score: 1}
  - {id: c, description: C., kind: regex, patterns: [y], score: 1, enabled: false}
)"));
  EXPECT_EQ(rules->report().active_rules(), 2);
  EXPECT_EQ(rules->report().active_rules_by_kind.at("regex"), 1);
  EXPECT_EQ(rules->rules().size(), 2u);
  EXPECT_TRUE(Run(*rules, Text("y")).empty());
}

// --- with the real normalizer and entity extractor ------------------------------------------

TEST_F(RuleSetTest, SpanOfAnObfuscatedPhoneNumberCoversTheObfuscatedOriginalBytes) {
  auto rules = MustLoad(Pack(R"(
  - {id: phone, description: P., kind: phone-count, country_codes: [91], score: 1}
  - {id: vashikaran, description: V., kind: regex, patterns: [vashikaran], score: 3}
)"));
  // Combining marks over the digits and a Cyrillic "а" inside the Latin word.
  const std::string number = "+9\u033E1\u033E 98292\u200B86600";
  const std::string content = "v\u0430shikaran call " + number + " now";
  Comment comment = Text(content);
  const NormalizedText normalized = normalizer_->Normalize(content);
  const Entities entities = extractor_->Extract(normalized);
  auto reasons = rules->Evaluate(RuleInput{comment, normalized, entities, kNow});

  const Reason* phone = Find(reasons, "phone");
  ASSERT_NE(phone, nullptr) << normalized.text;
  ASSERT_EQ(phone->spans.size(), 1u);
  const auto begin = static_cast<uint32_t>(content.find(number));
  EXPECT_EQ(phone->spans[0], (Span{begin, static_cast<uint32_t>(begin + number.size())}));

  const Reason* word = Find(reasons, "vashikaran");
  ASSERT_NE(word, nullptr) << normalized.text;
  EXPECT_EQ(word->spans[0], (Span{0, static_cast<uint32_t>(content.find(" call"))}));
}

TEST_F(RuleSetTest, DefaultPackLoadsAndSeparatesTheSeedComments) {
  auto loaded =
      RuleSet::LoadFile(SPAMGUARD_SOURCE_DIR "/rules/default.yaml", normalizer_, extractor_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const RuleSet& rules = *loaded.value();
  EXPECT_GT(rules.report().active_rules(), 20);
  auto total = [&](const std::string& content) {
    Comment comment = Text(content);
    const NormalizedText normalized = normalizer_->Normalize(content);
    const Entities entities = extractor_->Extract(normalized);
    double sum = 0;
    for (const Reason& reason : rules.Evaluate(RuleInput{comment, normalized, entities, kNow})) {
      sum += reason.score;
    }
    return sum;
  };
  const double spam_log_odds = std::log(0.8 / 0.2);
  EXPECT_GE(total("Qurani Dua For Love back and All life problem Solution - We will Solve your "
                  "All type of problem: Love, Marriage, Family, Relationship, Ex Love back Etc. "
                  "Call and Whatsapp Now +91 9829286600"),
            spam_log_odds);
  EXPECT_LT(total("I agree. One positive thing that has happened so far is that I'm feeling "
                  "less stressed. I can focus on my work this weekend. :) Thanks Manuel."),
            spam_log_odds);
  // Weak evidence alone is not enough: one link and one phone number.
  EXPECT_LT(total("Our office is at https://example.org, call +1 415 555 0100."), spam_log_odds);
}

// api.md: a filled honeypot means a bot, but browser autofill can fill it for a reader, so the
// honeypot alone makes a comment SPAM, not DISCARD; with a model that leans spam, DISCARD.
TEST_F(RuleSetTest, DefaultPackHoneypotIsSpamAndDiscardOnlyWithMoreEvidence) {
  auto loaded =
      RuleSet::LoadFile(SPAMGUARD_SOURCE_DIR "/rules/default.yaml", normalizer_, extractor_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  Comment comment = Text("Check out your local library's free museum pass program too.");
  comment.honeypot_value = "Jane Reader";
  const NormalizedText normalized = normalizer_->Normalize(comment.content);
  const Entities entities = extractor_->Extract(normalized);
  const std::vector<Reason> reasons =
      loaded.value()->Evaluate(RuleInput{comment, normalized, entities, kNow});
  ASSERT_NE(Find(reasons, "honeypot"), nullptr);
  const SitePolicy policy = loaded.value()->PolicyFor("");
  // The comment offers no contact, so DISCARD is out of reach whatever the model says; the
  // floor and the threshold are what is tested, with a contact assumed.
  const auto verdict = [&](double model) {
    return Score(model, reasons, policy, {}, /*offers_contact=*/true).verdict;
  };
  EXPECT_EQ(verdict(0.01), Verdict::kSpam);
  EXPECT_EQ(verdict(0.5), Verdict::kSpam);
  EXPECT_EQ(verdict(0.9), Verdict::kDiscard);
  EXPECT_EQ(Score(0.9, reasons, policy, {}, /*offers_contact=*/false).verdict, Verdict::kSpam);
}

// The scam families of the 2020s that the corpora lack: each comment fires its family's rule,
// and the family rules all of whose patterns name a pitch hold the comment for a moderator
// whatever the model says (at_least: hold); the readers below, who write about the same
// things, fire none of the new rules and no floor.
TEST_F(RuleSetTest, DefaultPackNamesTheScamFamiliesAndLeavesTheirVictimsAlone) {
  auto loaded =
      RuleSet::LoadFile(SPAMGUARD_SOURCE_DIR "/rules/default.yaml", normalizer_, extractor_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const RuleSet& rules = *loaded.value();
  auto reasons_of = [&](const std::string& content) {
    Comment comment = Text(content);
    const NormalizedText normalized = normalizer_->Normalize(content);
    const Entities entities = extractor_->Extract(normalized);
    return rules.Evaluate(RuleInput{comment, normalized, entities, kNow});
  };
  struct Fires {
    const char* content;
    const char* rule;
    Verdict at_least;
  };
  const Fires fires[] = {
      {"Invest in Bitcoin with expert Mrs. Linda, I got 10x returns", "investment-manager",
       Verdict::kHold},
      {"I recommend Mr. James Fx for forex signals, he changed my life.", "investment-manager",
       Verdict::kHold},
      {"Recovery experts can get your funds back in 48 hours.", "recovery-expert", Verdict::kHam},
      // The gap's greedy end must not stop inside "fundsreclaimteam".
      {"RECOVERY EXPERTS TEAM can get your money back 100%. Contact: "
       "fundsreclaimteam(at)outlook-mail(dot)com",
       "recovery-expert", Verdict::kHam},
      {"Professional essay writers available 24/7", "essay-mill", Verdict::kHam},
      {"Buy verified PayPal accounts and cashapp accounts at cheap price", "account-sales",
       Verdict::kHold},
      {"Wow, this paragraph is pleasant, my sister is analyzing these things, thus I am going "
       "to convey her.",
       "template-praise", Verdict::kHold},
      {"{Great|Nice|Awesome} post! I {really|truly} enjoyed it", "spintax", Verdict::kHold},
      {"I have been browsing online more than three hours today", "template-praise",
       Verdict::kHold},
      {"powerful love spell, brings back your ex in 48 hours", "spell-caster-titles",
       Verdict::kHam},
      {"powerful love spell, brings back your ex in 48 hours", "get-love-back", Verdict::kHam},
      {"Looking for a sugar mommy? Message me", "sugar-dating", Verdict::kHam},
      {"Dr. Ogun brought my ex back in 3 days", "get-love-back", Verdict::kHam},
      {"DM her on Telegram @lindatrades", "contact-directive", Verdict::kHam},
      {"Hello dear, contact me on WhatsApp for the loan", "call-whatsapp", Verdict::kHam},
      {"Telegram: @jamesfxsignals", "contact-directive", Verdict::kHam},
      {"contact him on dr.ogunspell@gmail.com", "contact-directive", Verdict::kHam},
      {"All love probleM ((o8295O03531)) solution", "disguised-phone-number", Verdict::kHold},
      {"Its like you read my mind! You appear to know so much about this, like you wrote the "
       "book in it or something.",
       "template-praise", Verdict::kHold},
      {"Pretty section of content. I just stumbled upon your website and in accession capital "
       "to assert that I acquire actually enjoyed account your blog posts.",
       "template-praise", Verdict::kHold},
      {"Mr Kevin helped me hack into my husband's phone and read his chats", "phone-spy",
       Verdict::kHam},
      {"We give you access to your partner's phone without them knowing", "phone-spy",
       Verdict::kHam},
      {"I got full access to my husband's phone, thanks to cyberhackpro", "phone-spy",
       Verdict::kHam},
      {"I can hack any WhatsApp account in 30 minutes", "recovery-expert", Verdict::kHam},
      {"He has herbal cure for HIV, herpes, HPV, diabetes", "herbal-cure", Verdict::kHam},
      {"RECOVERY MASTER helped me get it all back", "recovery-expert", Verdict::kHam},
      {"I had access to his WhatsApp, text messages, call logs and Snapchat", "phone-spy",
       Verdict::kHam},
      {"Report it at https://reportfraud.ftc.gov/ as well", "government-links-only", Verdict::kHam},
      {"Dr. Ehiaguna's herbal medicine cured my herpes in 3 weeks", "herbal-cure", Verdict::kHam},
      {"Ofrecemos préstamos entre particulares al 2% de interés", "loan-offer", Verdict::kHam},
      {"CYBER GENIE PRO, they got back my USDT from a pig butchering scam", "recovery-expert",
       Verdict::kHam},
      {"Beware of fake recovery experts online!!! The only genuine one I know is HACK PRO",
       "recovery-expert", Verdict::kHam},
      {"Our UK-based PhD writers deliver 100% plagiarism-free essays in 3 hours", "essay-mill",
       Verdict::kHam},
      {"Struggling? Get dissertation help online today", "essay-mill", Verdict::kHam},
      {"Reading through this post reminds me of my old room mate! He always kept chatting about "
       "this. I will forward this page to him. Pretty sure he will have a good read.",
       "template-praise", Verdict::kHold},
      {"Mr. Daniel Okafor's signals gave me 87% win rate", "investment-manager", Verdict::kHold},
      {"I'm making over $13,000 a month working part time from home. Start here ---->> "
       "www.workhomeprofit.site",
       "work-from-home", Verdict::kHold},
      {"Making 13000$ a month from home, go to this site for more details", "work-from-home",
       Verdict::kHold},
      {"Work from home and earn \u20B925,000 per week, visit www.indiajobs24.in", "work-from-home",
       Verdict::kHold},
      {"I feel so much freedom now. This is what I do >>>>> www.homework24.com", "work-from-home",
       Verdict::kHold},
      {"Start earning $500 per day from home, cutt.ly/home", "work-from-home", Verdict::kHold},
      {"My aunt averages $85 an hour from home on her laptop. Go here >>> www.auntjobs.com",
       "work-from-home", Verdict::kHold},
  };
  for (const Fires& expected : fires) {
    const std::vector<Reason> reasons = reasons_of(expected.content);
    const Reason* reason = Find(reasons, expected.rule);
    ASSERT_NE(reason, nullptr) << expected.rule << ": " << expected.content;
    EXPECT_EQ(reason->at_least, expected.at_least) << expected.rule;
    EXPECT_FALSE(reason->spans.empty()) << expected.rule;
  }
  const char* readers[] = {
      "I lost about $2,000 to one of those crypto \"investment\" groups last year. Please, "
      "everyone, if someone promises guaranteed returns, walk away.",
      "I tried for weeks to get my money back from the airline.",
      "Hi, I am the author of the study you mention. Happy to answer questions here or by email.",
      "My WhatsApp group of neighbours organised the whole street party, it was lovely.",
      "The data recovery service got my photos back from the dead drive.",
      "My essay on Orwell got a B, the writers we read this term were hard.",
      "Great post, thanks! Keep up the good work, I shared it with my sister.",
      "What host are you using? The site loads really fast.",
      "In Ruby, a block { |x| x * 2 } is the same as do |x| x * 2 end.",
      "Is there a nice formula for $\\sum_{d|n}\\mu(d)\\phi(d)$?",
      "Usage: /etc/init.d/nginx {start|stop|restart|reload}",
      "Use {{content|safe}} and {{title|escape}} in the template.",
      "The trade tariffs imposed by Mr. Trump hurt small exporters.",
      "Mr. Buffett has called crypto trading gambling for years.",
      "The investigation by Dr. Fauci's team was thorough.",
      "Twitter now lets anyone buy verified status, so verified accounts mean nothing.",
      "I brought my wife back a bottle of wine from Porto.",
      "This recipe brought back my husband's childhood memories.",
      "Sugar Daddy by Fleetwood Mac is a great song.",
      "Victoria's Secret Love Spell was my first perfume.",
      "Email me at jane@uni.edu if you want the data.",
      "Instagram @natgeo posted the same photo.",
      "I've added you guys to my blogroll!",
      "Firefox helps new internet users a lot.",
      "I'm going to inform him about this.",
      "The camp site was pleasant, and she did a fastidious job on the tiling.",
      "Order 2 boxes of oil filters (part 10l-2034) for the 1991 model, lol.",
      "You make blogging look easy, I gave up after three posts!",
      "Your site ate my first comment, so here it is again: 180C, not 200C.",
      "I'm kinda paranoid about losing everything since my laptop died.",
      "Add a few photos to give your posts more pop, the recipes deserve it.",
      "Like you read my mind, I was just about to ask about the sauce.",
      "Someone hacked my husband's Facebook account and messaged all his friends.",
      "I would never spy on my partner, trust is everything.",
      "The support desk helped me get access to my old iCloud account.",
      "The scammer had remote access to her laptop for an hour.",
      "The scammer had access to her WhatsApp for a week before she noticed.",
      "There is no cure for herpes, but antivirals make outbreaks rare.",
      "My uncle has lived with HIV for 20 years thanks to modern medicine, not herbal remedies.",
      "Necesito un préstamo para arreglar el coche, ¿algún banco que recomienden?",
      "Our recovery masterclass for runners starts Monday.",
      "Thanks, this guide helped me clone the repo and get the build working.",
      "Your tutorial helped me hack together a home assistant dashboard in an afternoon.",
      "Don't spy on your partner. If you have no trust, you have no relationship.",
      "Researchers showed Pegasus can read messages without even touching the target's phone.",
      "Ugh, your site ate my first comment it was super long. Short version: great recipe!",
      "I was bored to death at work so I decided to check out your recipes.",
      "Is there a way to automatically tweet my newest twitter updates to Mastodon too?",
      "Add some pics to drive the message home next time!",
      "I came across this board and I find it really useful.",
      "My comment didn't show up. Grrr. Anyway: great recipe!",
      "Ginger is a natural remedy that aids digestion, my nan swore by it.",
      "My grandfather was cured of hepatitis C in 2019 with Epclusa.",
      "PrEP doesn't cure HIV and herpes is still common, use protection.",
      "There's no herbal remedy that works for herpes, see your doctor.",
      "How do you catch a cheating spouse? Asking for a novel I'm writing.",
      "He is a cyber wizard at work, fixed my laptop in minutes.",
      "Stalkerware that gives full access to your partner's phone is abuse.",
      "Only Timothy Ray Brown and a few others have been cured of HIV.",
      "If someone offers to hack any Instagram account for you, block them.",
      "There's no herbal cure for HIV, whatever the comments say.",
      "EaseUS Data Recovery Wizard got my photos back.",
      "I usually browse your site on my iPhone during lunch break, the ads make it slow.",
      "That was an awful lot of text for only having one diagram.",
      "Your post seem to be running off the screen in Safari on my iPad.",
      "Researchers showed spyware can read messages without even touching the target's phone.",
      "I never got back my bitcoin after the exchange collapsed.",
      "Beware of fake recovery experts, the only legit way is through your bank's fraud team.",
      "Our teachers expect plagiarism-free work and original thinking.",
      "Our writers will be back next week with the second part of the series.",
      "My old room mate kept the plants alive while I was away, bless him.",
      "Small changes make the biggest difference, I've found.",
      "Mr. Buffett's strategy is just patience, and Mrs. Smith's platform shoes are iconic.",
      "Watch out for fake recovery services, the only legitimate company that can help is your "
      "bank.",
      "Our staff writers will write a follow-up next week.",
      "Mr. Powell's signals about rate cuts were clear enough.",
      "Mr. Trump's crypto platform looks like a pump and dump.",
      "My roommate kept talking about this show so I finally watched it.",
      "It's the little changes that make the biggest changes, as my grandma used to say.",
      "I disputed the charge with PayPal and they got back my funds within a week.",
      "As a teacher I only accept plagiarism-free essays.",
      "I'm 28 and just started putting \u00A3200 a month into a global index fund.",
      "I only have about $200 a month to invest, index fund or bitcoin?",
      "My sister makes $30 an hour as a nurse and still can't afford rent.",
      "I make $22 an hour at the warehouse, and I'm home by four.",
      "Start here -> install node first, then run the script.",
      "My friend earned $400 at the craft fair last weekend!",
      "Google pays its interns well, I heard.",
      // Wages, bills and deals with no site pointed at, which an earlier version held.
      "I make $17 an hour at Home Depot and still can't afford rent.",
      "I earn $25 an hour working from home as a medical coder, it's not a scam.",
      "My mom's electricity bill averages $150 a month.",
      "My mom makes $14 an hour at a nursing home.",
      "Google pays $20 billion a year to be Apple's default search engine.",
      "Start here --> install node first.",
      "The average nurse makes $38 an hour (https://www.bls.gov/ooh/healthcare/).",
      // Wages beside a link or an arrow, with no home, laptop or "online" in the claim.
      "I make $17 an hour at Target and rent is brutal. Source: https://www.zillow.com/research/",
      "I earn $25 an hour on Upwork.com doing design, but don't quit your job.",
      "I made $5 per day on Swagbucks lol. Don't bother with swagbucks.com",
      "I'm earning $19 per hour now after the raise --> still can't afford a house.",
      "I earned $200 a day as a day trader. Check it out here: the SEC warning.",
      "Email me for a loaner bike, we have two spares.",
      "Text me for the loan calculator spreadsheet I mentioned.",
  };
  for (const char* reader : readers) {
    for (const Reason& reason : reasons_of(reader)) {
      EXPECT_LE(reason.score, 0.4) << reason.code << " fired on: " << reader;
      EXPECT_EQ(reason.at_least, Verdict::kHam) << reason.code << " fired on: " << reader;
    }
  }
}

// The benchmark's heavy love-back comment (bench/rule_set_bench.cc): the reasons, scores and
// spans the default pack produces, pinned so that span-finding optimizations provably keep
// the output.
TEST_F(RuleSetTest, DefaultPackPinsReasonsAndSpansOfAHeavySpamComment) {
  auto loaded =
      RuleSet::LoadFile(SPAMGUARD_SOURCE_DIR "/rules/default.yaml", normalizer_, extractor_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  Comment comment = Text(
      "Qurani Dua For Love back and All life problem Solution. We will Solve your All type of "
      "problem: Love, Marriage, Family, Relationship, Ex Love back, Husband Wife dispute, "
      "Inter caste marriage problem solution by world famous astrologer Molvi ji. Get your lost "
      "love back in just 2 days by Islamic Remedies and powerful wazifa. 100% result "
      "guaranteed. Call and Whatsapp Now +9\xCC\xBE"
      "1\xCC\xBE 98292 86600 or visit "
      "https://best-vashikaran-specialist.example/contact today, contact us on call anytime.");
  comment.author_name = "Anna";
  comment.client_ip = "203.0.113.7";
  const NormalizedText normalized = normalizer_->Normalize(comment.content);
  const Entities entities = extractor_->Extract(normalized);
  std::vector<Reason> reasons =
      loaded.value()->Evaluate(RuleInput{comment, normalized, entities, kNow});
  std::sort(reasons.begin(), reasons.end(),
            [](const Reason& a, const Reason& b) { return a.code < b.code; });

  struct Expected {
    std::string code;
    double score;
    std::vector<Span> spans;
  };
  const std::vector<Expected> expected = {
      {"black-magic", 1.5, {{0, 19}, {287, 303}, {317, 323}}},
      {"call-whatsapp", 0.9, {{349, 370}, {458, 476}}},
      {"get-love-back", 1.5, {{11, 24}, {134, 146}, {245, 268}}},
      {"has-link", 0.3, {{400, 450}}},
      {"indian-phone-number", 0.6, {{371, 390}}},
      {"love-problem-solution", 2.5, {{29, 54}, {170, 198}}},
      {"phone-number", 0.4, {{371, 390}}},
      {"smokedetector-keyword", 2, {{254, 268}}},
      {"spell-caster-titles", 1.5, {{211, 234}, {235, 243}}},
      {"vashikaran", 3, {{413, 423}}},
  };
  ASSERT_EQ(reasons.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(reasons[i].code, expected[i].code);
    EXPECT_DOUBLE_EQ(reasons[i].score, expected[i].score) << reasons[i].code;
    EXPECT_EQ(reasons[i].spans, expected[i].spans) << reasons[i].code;
  }
}

// A duration converts to int64_t milliseconds; 1e30 seconds would be undefined behaviour
// (in practice a too-fast rule that never fires, an old-post rule that always does).
TEST_F(RuleSetTest, DurationsBeyondAHundredYearsAreRefusedWithFileAndLine) {
  const RefusedRule cases[] = {
      {"  - {id: fast, description: F., kind: too-fast, seconds: 1e30, score: 2}\n",
       "pack.yaml:3: rule 'fast' 'seconds' must be at most 3153600000 (100 years)"},
      {"  - {id: old, description: O., kind: old-post, days: 1e12, score: 0.7}\n",
       "pack.yaml:3: rule 'old' 'days' must be at most 36500 (100 years)"},
      {"  - {id: dup, description: D., kind: duplicate, more_than: 1, within_minutes: 1e20, "
       "score: 2}\n",
       "pack.yaml:3: rule 'dup' 'within_minutes' must be at most 52560000 (100 years)"},
  };
  ExpectEachRuleRefused(cases);
}

// A positive duration under a millisecond used to load as 0 ms: too-fast and duplicate then
// never fired and old-post fired on every post.
TEST_F(RuleSetTest, DurationsUnderAMillisecondAreRefusedWithFileAndLine) {
  const RefusedRule cases[] = {
      {"  - {id: fast, description: F., kind: too-fast, seconds: 0.0004, score: 2}\n",
       "pack.yaml:3: rule 'fast' 'seconds' must be at least 0.001 (1 millisecond)"},
      {"  - {id: old, description: O., kind: old-post, days: 1e-9, score: 0.7}\n",
       "pack.yaml:3: rule 'old' 'days' must be at least 1.16e-08 (1 millisecond)"},
      {"  - {id: dup, description: D., kind: duplicate, more_than: 1, within_minutes: 1e-6, "
       "score: 2}\n",
       "pack.yaml:3: rule 'dup' 'within_minutes' must be at least 1.67e-05 (1 millisecond)"},
  };
  ExpectEachRuleRefused(cases);
  // One millisecond is the shortest a rule may set, and it loads.
  EXPECT_TRUE(
      Load(Pack("  - {id: fast, description: F., kind: too-fast, seconds: 0.001, score: 2}\n"))
          .ok());
}

TEST_F(RuleSetTest, AnOldPostRuleAtTheMaximumDurationDoesNotFireOnARecentPost) {
  auto rules =
      MustLoad(Pack("  - {id: old, description: O., kind: old-post, days: 36500, score: 0.7}\n"));
  ASSERT_NE(rules, nullptr);
  Comment comment = Text("hello");
  comment.post_published_at_ms = kNow - 3'600'000;
  EXPECT_TRUE(Run(*rules, comment).empty());
}

}  // namespace
}  // namespace spamguard
