#include "model/comment_classifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "model/linear_text_model.h"
#include "model/rule_set.h"
#include "model/trainer.h"
#include "tests/support/synthetic_corpus.h"
#include "tests/support/tiny_fasttext.h"

namespace spamguard {
namespace {

namespace fs = std::filesystem;

// A classifier over a tiny model trained on raw comments through the real pipeline.
class CommentClassifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    directory_ = fs::temp_directory_path() / ("classifier_test_" + std::to_string(::getpid()));
    fs::create_directories(directory_);
    Result<std::shared_ptr<const TextPipeline>> pipeline = TextPipeline::Create();
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    pipeline_ = *pipeline;
  }
  static void TearDownTestSuite() { fs::remove_all(directory_); }

  // Trains on a few spam and ham comments; `linear` pairs fastText with the linear model.
  static std::shared_ptr<const CommentClassifier> Classifier(
      bool linear, std::shared_ptr<const RuleSet> rules = nullptr) {
    const char* const spam[] = {"Call and WhatsApp now for love back solution",
                                "Love back specialist, call now on WhatsApp",
                                "Cheap pills, buy now and save"};
    const char* const ham[] = {"Thanks for the thoughtful post, I agree with you",
                               "Great song, I listen to it every day",
                               "I agree, the post is well written"};
    std::vector<TrainingLine> lines;
    for (int round = 0; round < 10; ++round) {
      for (const char* text : spam) lines.push_back({Input(text), true});
      for (const char* text : ham) lines.push_back({Input(text), false});
    }
    // Plain ham that keeps the spam words under 5% of the lines, so that they can be named.
    for (const std::string& text : testing::FillerHamTexts(600)) {
      lines.push_back({Input(text), false});
    }
    TrainerOptions options;
    options.search = false;
    options.quantize.enabled = false;
    options.grid.front().dim = 8;
    options.grid.front().bucket = 1000;
    options.linear.enabled = linear;
    options.work_directory = (directory_ / "work").string();
    const std::string path = (directory_ / (linear ? "paired.spgm" : "alone.spgm")).string();
    Result<TrainingReport> report = TrainSpamModel(lines, lines, options, path);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(path);
    EXPECT_TRUE(model.ok()) << model.status().ToString();
    if (!model.ok()) return nullptr;
    return std::make_shared<const CommentClassifier>(pipeline_, *model, std::move(rules), nullptr);
  }

  static std::string Input(const std::string& text) {
    Comment comment;
    comment.content = text;
    return pipeline_->ModelInput(comment, kFeatureSchemaVersion);
  }

  static Assessment Classify(const CommentClassifier& classifier, const std::string& text) {
    Comment comment;
    comment.content = text;
    return classifier.Classify(comment, ClassifyOptions{});
  }

  static const Reason& ModelReason(const Assessment& assessment) {
    for (const Reason& reason : assessment.reasons) {
      if (reason.code == "model") return reason;
    }
    ADD_FAILURE() << "no model reason";
    return assessment.reasons.front();
  }

  static inline fs::path directory_;
  static inline std::shared_ptr<const TextPipeline> pipeline_;
};

TEST_F(CommentClassifierTest, TheModelReasonNamesItsWordsAndWhereTheyAre) {
  const auto classifier = Classifier(/*linear=*/true);
  ASSERT_NE(classifier, nullptr);
  // Upper case and a Cyrillic "о" in the original; the spans point at the original bytes.
  const std::string text = "Please CALL me on Whats\xD0\xB0pp for L\xD0\xBEve back";
  const Assessment assessment = Classify(*classifier, text);
  const Reason& model = ModelReason(assessment);
  ASSERT_GT(assessment.spam_probability, 0.5);
  EXPECT_NE(model.description.find("the words weighing most: \""), std::string::npos)
      << model.description;
  ASSERT_FALSE(model.spans.empty()) << model.description;
  std::vector<std::string> marked;
  for (const Span& span : model.spans) {
    ASSERT_LE(span.end, text.size());
    marked.push_back(text.substr(span.begin, span.end - span.begin));
  }
  // Every span is a whole word of the original, and the spam words are among them.
  const std::vector<std::string> words = {"Please",          "CALL", "me",          "on",
                                          "Whats\xD0\xB0pp", "for",  "L\xD0\xBEve", "back"};
  for (const std::string& word : marked) {
    EXPECT_NE(std::find(words.begin(), words.end(), word), words.end()) << word;
  }
  const auto has = [&](const char* word) {
    return std::find(marked.begin(), marked.end(), word) != marked.end();
  };
  EXPECT_TRUE(has("CALL") || has("Whats\xD0\xB0pp") || has("L\xD0\xBEve")) << model.description;
  // In text order.
  for (size_t i = 1; i < model.spans.size(); ++i) {
    EXPECT_LE(model.spans[i - 1].begin, model.spans[i].begin);
  }
}

// A reader who warns others by quoting a scam's words fires the family rules as the scam does,
// but offers no way to reach anyone: at most SPAM, never dropped unseen. The scam's own
// phone number makes the same words DISCARD.
TEST_F(CommentClassifierTest, OnlyACommentThatOffersContactIsDiscarded) {
  Result<std::shared_ptr<const RuleSet>> rules = RuleSet::LoadFile(
      SPAMGUARD_SOURCE_DIR "/rules/default.yaml", pipeline_->normalizer(), pipeline_->extractor());
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  const auto classifier = Classifier(/*linear=*/true, *rules);
  ASSERT_NE(classifier, nullptr);
  const std::string quoted =
      "Those 'vashikaran specialist baba ji' and 'love problem solution' comments are fraud.";
  const Assessment warning = Classify(*classifier, quoted);
  EXPECT_GE(warning.spam_probability, 0.98);
  EXPECT_EQ(warning.verdict, Verdict::kSpam);
  for (const std::string contact :
       {" Call +91 9829286600", " WhatsApp me", " https://baba.example", " baba@mail.example"}) {
    EXPECT_EQ(Classify(*classifier, quoted + contact).verdict, Verdict::kDiscard) << contact;
  }
  Comment with_author_url;
  with_author_url.content = quoted;
  with_author_url.author_url = "https://baba.example";
  EXPECT_EQ(classifier->Classify(with_author_url, ClassifyOptions{}).verdict, Verdict::kDiscard);
  // A hashtag reaches nobody.
  EXPECT_EQ(Classify(*classifier, quoted + " #scamalert").verdict, Verdict::kSpam);
}

// The model input splits "100pills" into a number token and "pills" (feature schema 2);
// the reason marks "pills" where the comment has it, right after the digits.
TEST_F(CommentClassifierTest, AWordAfterADigitRunIsMarkedInsideTheNumberedWord) {
  const auto classifier = Classifier(/*linear=*/true);
  ASSERT_NE(classifier, nullptr);
  const std::string text = "Cheap 100pills buy now";
  const Assessment assessment = Classify(*classifier, text);
  ASSERT_GT(assessment.spam_probability, 0.5);
  const Reason& model = ModelReason(assessment);
  ASSERT_NE(model.description.find("\"pills\""), std::string::npos) << model.description;
  const size_t pills = text.find("pills");
  EXPECT_TRUE(std::any_of(model.spans.begin(), model.spans.end(), [&](const Span& span) {
    return span.begin == pills && span.end == pills + 5;
  })) << model.description;
}

// A tiny model trained on `lines` (fastText format, each trained 50 times) and recorded as
// trained with feature schema `schema`, as a model of an older build is: fastText alone, or
// paired with a linear model when `linear` (which then also learns `filler`, ham lines that
// keep the spam words rare enough to be named).
std::shared_ptr<const SpamModel> OlderModel(const fs::path& directory, const std::string& name,
                                            int schema, const std::vector<std::string>& lines,
                                            bool linear = false,
                                            const std::vector<std::string>& filler = {}) {
  const fs::path train = directory / (name + ".txt");
  {
    std::ofstream out(train);
    for (int i = 0; i < 50; ++i) {
      for (const std::string& line : lines) out << line << '\n';
    }
  }
  std::vector<LinearExample> examples;
  for (const std::string& line : lines) {
    const std::string_view text = std::string_view(line).substr(line.find(' ') + 1);
    examples.push_back({text, line.starts_with("__label__spam"), /*copies=*/50});
  }
  for (const std::string& line : filler) examples.push_back({line, false});
  fasttext::Args args = testing::TinyFastTextArgs(train.string(), (directory / name).string());
  args.epoch = 50;
  args.lr = 0.5;
  const std::string fasttext_path = testing::TrainTinyFastText(args);
  ModelInfo info;
  info.version = name;
  info.feature_schema_version = schema;
  info.trained_at = "2026-11-26T00:00:00Z";
  std::string linear_payload;
  if (linear) {
    Result<LinearTextModel> trained = LinearTextModel::Train(examples, LinearParameters{});
    EXPECT_TRUE(trained.ok()) << trained.status().ToString();
    if (!trained.ok()) return nullptr;
    linear_payload = trained->Serialize();
    info.linear_weight = 0.9;
  }
  const std::string path = (directory / (name + ".spgm")).string();
  const Status written = SpamModel::Write(path, fasttext_path, info, linear_payload);
  EXPECT_TRUE(written.ok()) << written.ToString();
  Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(path);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? *model : nullptr;
}

// A model trained by a build before feature schema 2 records schema 1: it is scored with
// schema 1's lines, in which the commenter's "__url__" is the link token it learned.
TEST_F(CommentClassifierTest, AModelIsScoredWithTheFeatureSchemaItWasTrainedWith) {
  const std::shared_ptr<const SpamModel> model =
      OlderModel(directory_, "schema1", 1,
                 {"__label__spam cheap pills buy now __url__ __links_1__",
                  "__label__ham great song i listen to it every day",
                  "__label__ham thanks for the post i agree with the url you cite"});
  ASSERT_NE(model, nullptr);
  const CommentClassifier classifier(pipeline_, model, nullptr, nullptr);

  Comment comment;
  comment.content = "__url__ __links_1__ and the url";
  const double served = classifier.Classify(comment, ClassifyOptions{}).spam_probability;
  const double schema_one = model->SpamProbability(pipeline_->ModelInput(comment, 1));
  const double schema_two = model->SpamProbability(pipeline_->ModelInput(comment, 2));
  EXPECT_DOUBLE_EQ(served, schema_one);
  EXPECT_GT(schema_one, schema_two + 0.1) << schema_one << " " << schema_two;
}

// A schema 2 model learned HTML character references as text ("&amp;" as "amp", "&#39;" as
// a number): it is scored with that line, while the rules read the decoded text.
TEST_F(CommentClassifierTest, AModelOfASchemaBeforeHtmlDecodingReadsTheReferencesItLearned) {
  std::vector<std::string> filler;
  for (const std::string& text : testing::FillerHamTexts(600)) {
    Comment comment;
    comment.content = text;
    filler.push_back(pipeline_->ModelInput(comment, 2));
  }
  const std::shared_ptr<const SpamModel> model =
      OlderModel(directory_, "schema2", 2,
                 {"__label__spam tom amp jerry __num__ s", "__label__spam cheap pills amp more",
                  "__label__ham tom and jerry s cartoon", "__label__ham i like tom jerry"},
                 /*linear=*/true, filler);
  ASSERT_NE(model, nullptr);
  const CommentClassifier classifier(pipeline_, model, nullptr, nullptr);

  Comment comment;
  comment.content = "Tom &amp; Jerry&#39;s";
  ASSERT_EQ(pipeline_->ModelInput(comment, 2), "tom amp jerry __num__ s");
  ASSERT_EQ(pipeline_->ModelInput(comment, 3), "tom jerry's");
  const Assessment assessment = classifier.Classify(comment, ClassifyOptions{});
  const double schema_two = model->SpamProbability(pipeline_->ModelInput(comment, 2));
  const double schema_three = model->SpamProbability(pipeline_->ModelInput(comment, 3));
  EXPECT_DOUBLE_EQ(assessment.spam_probability, schema_two);
  EXPECT_GT(schema_two, schema_three + 0.1) << schema_two << " " << schema_three;
  // Its words are found where its line has them: "amp" inside "&amp;".
  const Reason& reason = ModelReason(assessment);
  ASSERT_NE(reason.description.find("\"amp\""), std::string::npos) << reason.description;
  const size_t amp = comment.content.find("amp");
  EXPECT_TRUE(std::any_of(reason.spans.begin(), reason.spans.end(), [&](const Span& span) {
    return span.begin == amp && span.end == amp + 3;
  })) << reason.description;
}

TEST_F(CommentClassifierTest, AHamLeaningModelReasonShowsNoWords) {
  const auto classifier = Classifier(/*linear=*/true);
  ASSERT_NE(classifier, nullptr);
  const Assessment assessment = Classify(*classifier, "Great post, I agree with you");
  ASSERT_LT(assessment.spam_probability, 0.5);
  const Reason& model = ModelReason(assessment);
  EXPECT_TRUE(model.spans.empty());
  EXPECT_EQ(model.description.find("weighing"), std::string::npos) << model.description;
}

TEST_F(CommentClassifierTest, FastTextAloneHasNoWordsToShow) {
  const auto classifier = Classifier(/*linear=*/false);
  ASSERT_NE(classifier, nullptr);
  const Assessment assessment = Classify(*classifier, "Call now on WhatsApp for love back");
  ASSERT_GT(assessment.spam_probability, 0.5);
  const Reason& model = ModelReason(assessment);
  EXPECT_TRUE(model.spans.empty());
  EXPECT_EQ(model.description.find("weighing"), std::string::npos) << model.description;
}

}  // namespace
}  // namespace spamguard
