#include "model/dataset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace spamguard {
namespace {

std::shared_ptr<const Normalizer> TheNormalizer() {
  static const std::shared_ptr<const Normalizer> normalizer = [] {
    Result<std::shared_ptr<const Normalizer>> created = Normalizer::Create();
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? *created : nullptr;
  }();
  return normalizer;
}

LabeledExample Example(const std::string& text, bool spam, const std::string& source = "s") {
  LabeledExample example;
  example.comment.content = text;
  example.spam = spam;
  example.source = source;
  return example;
}

TEST(DatasetTest, ParsesTsvWithHeaderAndOptionalSource) {
  Result<std::vector<LabeledExample>> parsed = ParseLabeledText(
      "label\ttext\tsource\nspam\tbuy now\tyoutube-psy\nham\tnice song\n", "data/corpus.tsv");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_TRUE((*parsed)[0].spam);
  EXPECT_EQ((*parsed)[0].comment.content, "buy now");
  EXPECT_EQ((*parsed)[0].source, "youtube-psy");
  EXPECT_FALSE((*parsed)[1].spam);
  EXPECT_EQ((*parsed)[1].source, "corpus");  // the file's stem
}

TEST(DatasetTest, ParsesJsonlRequestFields) {
  Result<std::vector<LabeledExample>> parsed = ParseLabeledText(
      R"({"content":"hi","author_name":"Bob","author_url":"http://x.example","type":"COMMENT_TYPE_TRACKBACK","site_id":"blog","created_at_ms":5,"label":"spam"})"
      "\n"
      R"({"content":"ok","type":"reply","label":"ham","source":"feedback"})",
      "f.jsonl");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Comment& first = (*parsed)[0].comment;
  EXPECT_EQ(first.author_name, "Bob");
  EXPECT_EQ(first.author_url, "http://x.example");
  EXPECT_EQ(first.kind, CommentKind::kTrackback);
  EXPECT_EQ(first.site_id, "blog");
  ASSERT_TRUE(first.created_at_ms.has_value());
  EXPECT_EQ(*first.created_at_ms, 5);
  EXPECT_EQ((*parsed)[1].comment.kind, CommentKind::kReply);
  EXPECT_EQ((*parsed)[1].source, "feedback");
}

TEST(DatasetTest, ParsesFastTextFormat) {
  Result<std::vector<LabeledExample>> parsed =
      ParseLabeledText("__label__spam call now +91 98\n__label__ham thanks!\n", "x.txt");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE((*parsed)[0].spam);
  EXPECT_EQ((*parsed)[0].comment.content, "call now +91 98");
  EXPECT_EQ((*parsed)[1].comment.content, "thanks!");
}

TEST(DatasetTest, TsvRowWithEmptyTextIsAnErrorNamingFileAndLine) {
  for (const char* row : {"spam\t\n", "spam\t\tyoutube-psy\n"}) {
    Result<std::vector<LabeledExample>> parsed =
        ParseLabeledText(std::string("label\ttext\tsource\nham\tfine\n") + row, "e.tsv");
    ASSERT_FALSE(parsed.ok()) << row;
    EXPECT_EQ(parsed.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find("e.tsv:3: empty text"), std::string::npos)
        << parsed.status().message();
  }
}

TEST(DatasetTest, MalformedLineIsAnErrorNamingFileAndLine) {
  Result<std::vector<LabeledExample>> parsed =
      ParseLabeledText("label\ttext\nspam\tok\nmaybe\tbad label\n", "d.tsv");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("d.tsv:3"), std::string::npos)
      << parsed.status().message();
  EXPECT_FALSE(ParseLabeledText("{\"content\":\"x\"}\n", "j.jsonl").ok());  // no label
  EXPECT_FALSE(ParseLabeledText("just some text\n", "u.txt").ok());         // unknown format
  EXPECT_FALSE(ParseLabeledText("label\ttext\n", "empty.tsv").ok());        // no rows
}

TEST(DatasetTest, TsvRowWithMoreFieldsThanTheHeaderIsRefusedWithLineAndCounts) {
  // Under `label<TAB>text` the tail after a tab inside the text must not become the source.
  Result<std::vector<LabeledExample>> parsed = ParseLabeledText(
      "label\ttext\nham\tnice song\nspam\tVisit my channel\tfor free gift cards\n", "d.tsv");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("d.tsv:3: 3 tab-separated fields, but the header "
                                           "declares 2"),
            std::string::npos)
      << parsed.status().message();

  Result<std::vector<LabeledExample>> with_source =
      ParseLabeledText("label\ttext\tsource\nspam\tbuy\tnow\tyoutube-psy\n", "s.tsv");
  ASSERT_FALSE(with_source.ok());
  EXPECT_NE(with_source.status().message().find("s.tsv:2: 4 tab-separated fields, but the "
                                                "header declares 3"),
            std::string::npos)
      << with_source.status().message();
}

TEST(DatasetTest, TsvHeaderWithMoreThanThreeColumnsIsRefused) {
  Result<std::vector<LabeledExample>> parsed =
      ParseLabeledText("label\ttext\tsource\tdate\nspam\tbuy\tx\t2015\n", "h.tsv");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("h.tsv:1: the header declares 4 columns"),
            std::string::npos)
      << parsed.status().message();
}

TEST(DatasetTest, ShippedCorporaLoad) {
  const std::filesystem::path data = std::filesystem::path(SPAMGUARD_SOURCE_DIR) / "data";
  for (const char* corpus :
       {"youtube-spam/youtube-spam.tsv", "youtube-spam/youtube-spam.strict-csv.tsv",
        "sms-spam/sms-spam.tsv", "tg-spam/tg-spam.tsv",
        "smokedetector-titles/smokedetector-titles.tsv"}) {
    Result<std::vector<LabeledExample>> loaded = LoadLabeledFile((data / corpus).string());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_FALSE(loaded->empty()) << corpus;
  }
}

TEST(DatasetTest, LeadingByteOrderMarkIsSkippedInEveryFormat) {
  const std::string bom = "\xEF\xBB\xBF";
  for (const std::string& text :
       {bom + "label\ttext\nspam\tbuy now\n", bom + R"({"content":"buy now","label":"spam"})",
        bom + "__label__spam buy now\n"}) {
    Result<std::vector<LabeledExample>> parsed = ParseLabeledText(text, "bom.txt");
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    ASSERT_EQ(parsed->size(), 1u);
    EXPECT_TRUE((*parsed)[0].spam);
    EXPECT_EQ((*parsed)[0].comment.content, "buy now");
  }
}

TEST(DatasetTest, JsonLineErrorsNameTheCallersLocationOnce) {
  Result<LabeledExample> parsed =
      ParseLabeledJsonLine(R"({"content":"x","label":"maybe"})", "cases.jsonl:3", "cases");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message().rfind("cases.jsonl:3: label must be", 0), 0u)
      << parsed.status().message();
  Result<LabeledExample> with_bom =
      ParseLabeledJsonLine("\xEF\xBB\xBF{\"content\":\"x\",\"label\":\"ham\"}", "c:1", "cases");
  ASSERT_TRUE(with_bom.ok()) << with_bom.status().ToString();
  EXPECT_EQ(with_bom->comment.content, "x");
}

// Rules and features subtract times: INT64_MAX minus a post date overflowed (undefined
// behaviour). A time outside google.protobuf.Timestamp's range, which the server refuses in
// a request, is refused in a data file too, naming the field.
TEST(DatasetTest, JsonTimesOutsideTheTimestampRangeAreRefusedNamingTheField) {
  for (const std::string value : {"9223372036854775807", "18446744073709551615",
                                  "-9223372036854775808", "253402300800000", "-62135596800001"}) {
    Result<LabeledExample> parsed = ParseLabeledJsonLine(
        R"({"content":"x","label":"ham","post_published_at_ms":)" + value + "}", "d.jsonl:7", "d");
    ASSERT_FALSE(parsed.ok()) << value;
    EXPECT_EQ(parsed.status().message().rfind("d.jsonl:7: \"post_published_at_ms\" " + value, 0),
              0u)
        << parsed.status().message();
  }
  for (const std::string value : {"253402300799999", "-62135596800000", "0"}) {
    Result<LabeledExample> parsed = ParseLabeledJsonLine(
        R"({"content":"x","label":"ham","created_at_ms":)" + value + "}", "d.jsonl:1", "d");
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->comment.created_at_ms, std::stoll(value));
  }
}

// The JSON parser called a line with a bad byte "not a JSON object".
TEST(DatasetTest, AJsonLineThatIsNotUtf8IsRefusedAsSuch) {
  // The content starts at byte 12 of the line.
  const std::pair<std::string, int> cases[] = {
      {"caf\xE9", 15}, {"\xED\xA0\x80", 12}, {"\xC0\xAF", 12}};
  for (const auto& [bad, offset] : cases) {
    Result<LabeledExample> parsed =
        ParseLabeledJsonLine(R"({"content":")" + bad + R"(","label":"ham"})", "d.jsonl:4", "d");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().message(),
              "d.jsonl:4: not valid UTF-8 (byte " + std::to_string(offset) + ")");
  }
}

TEST(DatasetTest, AMissingFileIsNotFoundAndADirectoryIsRefusedAsSuch) {
  EXPECT_EQ(LoadLabeledFile("/nonexistent/dir/x.tsv").status().code(), Status::Code::kNotFound);
  Result<std::vector<LabeledExample>> directory = LoadLabeledFile(SPAMGUARD_SOURCE_DIR "/data/");
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(directory.status().message().find("is a directory"), std::string::npos)
      << directory.status().message();
}

TEST(DatasetTest, DeduplicationKeepsTheFirstAndCountsConflicts) {
  std::vector<LabeledExample> examples = {
      Example("Check out my channel!", true), Example("CHECK OUT MY CHANNEL!", true),
      Example("check out my channel!", false), Example("Lovely song", false)};
  const DedupReport report = Deduplicate(*TheNormalizer(), examples);
  EXPECT_EQ(report.kept, 2u);
  EXPECT_EQ(report.duplicates, 1u);
  EXPECT_EQ(report.conflicts, 1u);
  ASSERT_EQ(examples.size(), 2u);
  EXPECT_EQ(examples[0].comment.content, "Check out my channel!");
  EXPECT_TRUE(examples[0].spam);
}

TEST(DatasetTest, DeduplicationSeesThroughObfuscation) {
  // A zero-width space does not make a new text.
  std::vector<LabeledExample> examples = {Example("whatsapp me now", true),
                                          Example("whats\u200bapp me now", true)};
  Deduplicate(*TheNormalizer(), examples);
  EXPECT_EQ(examples.size(), 1u);
}

TEST(DatasetTest, SubsampleRuleParsing) {
  Result<SubsampleRule> rule = ParseSubsampleRule("se-good=4000");
  ASSERT_TRUE(rule.ok());
  EXPECT_EQ(rule->source_prefix, "se-good");
  EXPECT_EQ(rule->keep, 4000u);
  EXPECT_FALSE(ParseSubsampleRule("se-good").ok());
  EXPECT_FALSE(ParseSubsampleRule("=5").ok());
  EXPECT_FALSE(ParseSubsampleRule("x=-1").ok());
  EXPECT_FALSE(ParseSubsampleRule("x=ten").ok());
}

TEST(DatasetTest, SourcePrefixMatchesWholeDashSeparatedParts) {
  EXPECT_TRUE(SourceMatches("se-good", "se-good"));
  EXPECT_TRUE(SourceMatches("se-good-gaming", "se-good"));
  EXPECT_FALSE(SourceMatches("se-goodness", "se-good"));
  EXPECT_FALSE(SourceMatches("se-bad", "se-good"));
}

TEST(DatasetTest, SubsampleKeepsNOfTheMatchingSourcesDeterministically) {
  std::vector<LabeledExample> examples;
  for (int i = 0; i < 50; ++i)
    examples.push_back(Example("title " + std::to_string(i), false, "se-good-math"));
  for (int i = 0; i < 50; ++i)
    examples.push_back(Example("game " + std::to_string(i), false, "se-good-gaming"));
  for (int i = 0; i < 5; ++i)
    examples.push_back(Example("spam " + std::to_string(i), true, "se-bad"));
  std::vector<LabeledExample> first = examples;
  std::vector<LabeledExample> second = examples;
  Subsample({{"se-good", 10}}, 7, first);
  Subsample({{"se-good", 10}}, 7, second);
  ASSERT_EQ(first.size(), 15u);
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].comment.content, second[i].comment.content);
  }
  std::vector<LabeledExample> other_seed = examples;
  Subsample({{"se-good", 10}}, 8, other_seed);
  std::set<std::string> a, b;
  for (const auto& e : first) a.insert(e.comment.content);
  for (const auto& e : other_seed) b.insert(e.comment.content);
  EXPECT_NE(a, b);
  EXPECT_EQ(CountBySource(first)["se-bad"].spam, 5u);  // other sources untouched
}

TEST(DatasetTest, SplitIsDeterministicAndStableWhenDataIsAdded) {
  std::vector<LabeledExample> examples;
  for (int i = 0; i < 1000; ++i) examples.push_back(Example("comment " + std::to_string(i), i % 2));
  ComputeKeys(*TheNormalizer(), examples);
  const Split split = SplitByKey(examples, kHeldBackSalt, 0.2);
  EXPECT_NEAR(static_cast<double>(split.selected.size()), 200.0, 40.0);
  EXPECT_EQ(split.selected.size() + split.rest.size(), 1000u);

  std::set<std::string> held;
  for (const auto& e : split.selected) held.insert(e.key);
  std::vector<LabeledExample> more = examples;
  for (int i = 0; i < 500; ++i) more.push_back(Example("new " + std::to_string(i), true));
  ComputeKeys(*TheNormalizer(), more);
  const Split bigger = SplitByKey(more, kHeldBackSalt, 0.2);
  size_t old_held = 0;
  for (const auto& e : bigger.selected) old_held += held.count(e.key);
  EXPECT_EQ(old_held, held.size());  // every old held-back example is still held back
}

TEST(DatasetTest, StableUnitDependsOnSaltAndKey) {
  EXPECT_EQ(StableUnit(1, "abc"), StableUnit(1, "abc"));
  EXPECT_NE(StableUnit(1, "abc"), StableUnit(2, "abc"));
  EXPECT_NE(StableUnit(1, "abc"), StableUnit(1, "abd"));
  EXPECT_GE(StableUnit(3, ""), 0.0);
  EXPECT_LT(StableUnit(3, ""), 1.0);
}

}  // namespace
}  // namespace spamguard
