#include "model/fasttext_classifier.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/tiny_fasttext.h"

namespace spamguard {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLines[] = {
    "call whatsapp now love back solution __phone__",
    "thanks for the thoughtful post i agree with you",
    "cheap pills great song every day",
    "an unseen sentence with unseenwords only",
};

// log(P(spam) / P(ham)) from fastText's own predictLine, for comparison.
double MarginFromPredict(const FastTextClassifier& model, const std::string& line) {
  std::istringstream in(line + "\n");
  std::vector<std::pair<fasttext::real, std::string>> predictions;
  model.predictLine(in, predictions, 2, 0.0);
  double spam = 0, ham = 0;
  for (const auto& [probability, label] : predictions) {
    (label == FastTextClassifier::kSpamLabel ? spam : ham) = probability;
  }
  return std::log(spam / ham);
}

// A quantized model of the given dimension: 8 and 16 take the vector path of the row sum,
// 10 the scalar one.
class FastTextClassifierTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    directory_ =
        fs::temp_directory_path() / ("fasttext_classifier_test_" + std::to_string(::getpid()) +
                                     "_" + std::to_string(GetParam()));
    fs::create_directories(directory_);
    const std::string input = (directory_ / "train.txt").string();
    {
      std::ofstream out(input);
      for (int i = 0; i < 30; ++i) {
        out << "__label__spam call whatsapp now love back solution __phone__\n";
        out << "__label__spam cheap pills buy now __url__ __submit_under5s__\n";
        out << "__label__ham thanks for the thoughtful post i agree with you\n";
        out << "__label__ham great song i listen to it every day\n";
      }
    }
    fasttext::Args args = testing::TinyFastTextArgs(input, (directory_ / "model").string());
    args.bucket = 2000;
    args.minn = 3;
    args.maxn = 4;
    args.wordNgrams = 2;
    args.dim = GetParam();
    args.epoch = 3;  // few epochs: probabilities stay away from 0 and 1
    args.lr = 0.1;
    model_.train(args);
    fasttext::Args quantize = args;
    quantize.cutoff = 300;  // product quantization needs at least 256 rows
    quantize.dsub = 2;
    quantize.qnorm = true;
    quantize.retrain = false;
    model_.quantize(quantize);
    ASSERT_TRUE(model_.PrepareForScoring());
  }
  void TearDown() override { fs::remove_all(directory_); }

  fs::path directory_;
  FastTextClassifier model_;
};

TEST_P(FastTextClassifierTest, MarginOfAQuantizedModelMatchesFastTextsOwnPrediction) {
  for (const char* line : kLines) {
    EXPECT_NEAR(model_.SpamMargin(line), MarginFromPredict(model_, line), 1e-4) << line;
  }
}

TEST_P(FastTextClassifierTest, SpamLineHasAHigherMarginThanHamLine) {
  EXPECT_GT(model_.SpamMargin(kLines[0]), model_.SpamMargin(kLines[1]));
}

TEST_P(FastTextClassifierTest, ContextTokensTheModelNeverSawAreNotScored) {
  // No training line has an author domain, a post age or a slow submit: the line scores as
  // if the blog had not sent them, instead of by their untrained character n-grams.
  for (const char* line : kLines) {
    const std::string with_context = std::string(line) +
                                     " __authordomain_example.org__ __postage_over1y__ "
                                     "__submit_over1h__ __kind_pingback__ __authorname_digits__";
    EXPECT_DOUBLE_EQ(model_.SpamMargin(with_context), model_.SpamMargin(line)) << line;
    EXPECT_DOUBLE_EQ(model_.SpamMargin("__postage_over1y__ " + std::string(line)),
                     model_.SpamMargin(line))
        << line;
  }
  EXPECT_DOUBLE_EQ(model_.SpamMargin("__postage_over1y__"), model_.SpamMargin(""));
}

TEST_P(FastTextClassifierTest, ContextTokensTheModelSawAreScored) {
  const std::string ham = kLines[1];
  EXPECT_NE(model_.SpamMargin(ham + " __submit_under5s__"), model_.SpamMargin(ham));
}

INSTANTIATE_TEST_SUITE_P(Dimensions, FastTextClassifierTest, ::testing::Values(8, 10, 16));

}  // namespace
}  // namespace spamguard
