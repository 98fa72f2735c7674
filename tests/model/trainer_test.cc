#include "model/trainer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace spamguard {
namespace {

namespace fs = std::filesystem;

// Tiny, separable data: enough for fastText to learn in milliseconds.
std::vector<TrainingLine> Lines(int copies) {
  std::vector<TrainingLine> lines;
  for (int i = 0; i < copies; ++i) {
    lines.push_back({"call whatsapp now love back solution __phone__ " + std::to_string(i), true});
    lines.push_back({"cheap pills buy now __url__ offer " + std::to_string(i), true});
    lines.push_back({"thanks for the thoughtful post i agree " + std::to_string(i), false});
    lines.push_back({"great song i listen to it every day " + std::to_string(i), false});
  }
  return lines;
}

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() / ("trainer_test_" + std::to_string(::getpid()));
    fs::create_directories(directory_);
    options_.search = false;
    options_.quantize.enabled = false;
    options_.grid.front().dim = 8;
    options_.grid.front().bucket = 1000;
    options_.grid.front().epoch = 25;
    options_.work_directory = (directory_ / "work").string();
  }
  void TearDown() override { fs::remove_all(directory_); }

  Result<TrainingReport> Train(const std::vector<TrainingLine>& training) {
    return TrainSpamModel(training, Lines(5), options_, (directory_ / "model.spgm").string());
  }

  fs::path directory_;
  TrainerOptions options_;
};

TEST_F(TrainerTest, SmallDataTrainsTheConfiguredEpochs) {
  options_.max_line_epochs = 100'000;
  Result<TrainingReport> report = Train(Lines(20));  // 80 lines x 25 epochs = 2,000
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->epochs_run, 25);
  EXPECT_EQ(report->chosen.epoch, 25);
}

TEST_F(TrainerTest, LargeDataTrainsFewerEpochsWithinTheBudget) {
  options_.max_line_epochs = 1'000;
  Result<TrainingReport> report = Train(Lines(20));  // 1,000 / 80 lines -> 12 epochs
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->epochs_run, 12);
  EXPECT_EQ(report->chosen.epoch, 25);  // the configured value is what the next retrain reads
  EXPECT_NE(report->info.parameters_json.find("\"epochs_run\":12"), std::string::npos)
      << report->info.parameters_json;
}

TEST_F(TrainerTest, TheBudgetNeverCutsBelowFiveEpochs) {
  options_.max_line_epochs = 10;
  Result<TrainingReport> report = Train(Lines(20));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->epochs_run, 5);
}

TEST_F(TrainerTest, FeedbackRepeatsCountAsLines) {
  options_.max_line_epochs = 2'000;
  std::vector<TrainingLine> lines = Lines(20);
  for (TrainingLine& line : lines) line.repeat = 2;  // 160 written lines -> 12 epochs
  Result<TrainingReport> report = Train(lines);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->epochs_run, 12);
}

TEST_F(TrainerTest, TheModelCarriesALinearPartUnlessItIsTurnedOff) {
  Result<TrainingReport> paired = Train(Lines(20));
  ASSERT_TRUE(paired.ok()) << paired.status().ToString();
  EXPECT_GT(paired->linear_features, 0u);
  EXPECT_DOUBLE_EQ(paired->info.linear_weight, LinearParameters{}.weight);
  Result<std::shared_ptr<const SpamModel>> loaded =
      SpamModel::Load((directory_ / "model.spgm").string());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_DOUBLE_EQ((*loaded)->info().linear_weight, LinearParameters{}.weight);
  const double paired_margin = (*loaded)->SpamMargin("call whatsapp now __phone__");
  EXPECT_GT((*loaded)->SpamProbability("call whatsapp now love back __phone__"), 0.5);
  EXPECT_LT((*loaded)->SpamProbability("thanks for the thoughtful post"), 0.5);

  options_.linear.enabled = false;
  Result<TrainingReport> alone = Train(Lines(20));
  ASSERT_TRUE(alone.ok()) << alone.status().ToString();
  EXPECT_EQ(alone->linear_features, 0u);
  loaded = SpamModel::Load((directory_ / "model.spgm").string());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_DOUBLE_EQ((*loaded)->info().linear_weight, 0);
  EXPECT_NE((*loaded)->SpamMargin("call whatsapp now __phone__"), paired_margin);
}

TEST_F(TrainerTest, ALinearWeightOutsideTheOpenUnitIntervalIsInvalidArgument) {
  options_.linear.weight = 1;
  Result<TrainingReport> report = Train(Lines(5));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(report.status().message().find("linear model weight"), std::string::npos);
}

TEST_F(TrainerTest, ATrainingSplitWithoutSpamIsInvalidArgument) {
  std::vector<TrainingLine> ham_only;
  for (const TrainingLine& line : Lines(5))
    if (!line.spam) ham_only.push_back(line);
  Result<TrainingReport> report = Train(ham_only);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Status::Code::kInvalidArgument);
}

TEST_F(TrainerTest, ParametersReadBackWhatParametersJsonWrote) {
  TrainingReport report;
  report.chosen.dim = 16;
  report.chosen.maxn = 5;
  report.quantize.cutoff = 1234;
  report.quantize.qnorm = false;
  report.decision_threshold = 0.7;
  report.linear.enabled = false;
  report.linear.c = 3;
  report.linear.minn = 3;
  report.linear.weight = 0.6;
  FastTextParameters parameters;
  QuantizeParameters quantize;
  LinearParameters linear;
  double threshold = 0.5;
  ASSERT_TRUE(
      ParseParametersJson(ParametersJson(report, 7), parameters, quantize, &threshold, &linear)
          .ok());
  EXPECT_FALSE(linear.enabled);
  EXPECT_DOUBLE_EQ(linear.c, 3);
  EXPECT_EQ(linear.minn, 3);
  EXPECT_EQ(linear.maxn, LinearParameters{}.maxn);
  EXPECT_DOUBLE_EQ(linear.weight, 0.6);
  EXPECT_EQ(parameters.dim, 16);
  EXPECT_EQ(parameters.maxn, 5);
  EXPECT_EQ(quantize.cutoff, 1234u);
  EXPECT_FALSE(quantize.qnorm);
  EXPECT_DOUBLE_EQ(threshold, 0.7);
}

TEST_F(TrainerTest, ParametersFromBeforeTheLinearModelTurnItOff) {
  FastTextParameters parameters;
  QuantizeParameters quantize;
  LinearParameters linear;
  double threshold = 0.5;
  ASSERT_TRUE(
      ParseParametersJson(R"({"fasttext":{"dim":16}})", parameters, quantize, &threshold, &linear)
          .ok());
  EXPECT_FALSE(linear.enabled);
  // No parameters at all keep what was passed in.
  LinearParameters untouched;
  ASSERT_TRUE(ParseParametersJson("", parameters, quantize, &threshold, &untouched).ok());
  EXPECT_TRUE(untouched.enabled);
}

TEST_F(TrainerTest, HeldBackFractionIsRecordedOnlyWhenGiven) {
  TrainingReport report;
  const Result<std::optional<double>> recorded =
      RecordedHeldBackFraction(ParametersJson(report, 7, 0.1));
  ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
  ASSERT_TRUE(recorded->has_value());
  EXPECT_DOUBLE_EQ(**recorded, 0.1);
  const Result<std::optional<double>> zero =
      RecordedHeldBackFraction(ParametersJson(report, 7, 0.0));
  ASSERT_TRUE(zero.ok() && zero->has_value());
  EXPECT_DOUBLE_EQ(**zero, 0.0);
  const Result<std::optional<double>> absent = RecordedHeldBackFraction(ParametersJson(report, 7));
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  EXPECT_FALSE(RecordedHeldBackFraction(R"({"held_back_fraction":-0.5})").ok());
}

TEST_F(TrainerTest, MistypedParametersAreAnErrorNamingTheFieldNotAnException) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"decision_threshold":"high"})", "parameters.decision_threshold"},
      {R"({"decision_threshold":5})", "parameters.decision_threshold"},
      {R"({"decision_threshold":null})", "parameters.decision_threshold"},
      {R"({"fasttext":{"dim":"32"}})", "parameters.fasttext.dim"},
      {R"({"fasttext":{"epoch":1.5}})", "parameters.fasttext.epoch"},
      {R"({"fasttext":{"bucket":99999999999}})", "parameters.fasttext.bucket"},
      {R"({"fasttext":[1,2]})", "parameters.fasttext"},
      {R"({"quantize":{"cutoff":-1}})", "parameters.quantize.cutoff"},
      {R"({"quantize":{"enabled":"yes"}})", "parameters.quantize.enabled"},
      {R"({"linear":{"c":"10"}})", "parameters.linear.c"},
      {R"({"linear":{"enabled":1}})", "parameters.linear.enabled"},
      {R"({"linear":"on"})", "parameters.linear"},
      {R"([1,2,3])", "not a JSON object"},
      {R"({"held_back_fraction":1})", "parameters.held_back_fraction"},
      {R"({"held_back_fraction":"0.2"})", "parameters.held_back_fraction"},
  };
  for (const auto& [text, words] : cases) {
    FastTextParameters parameters;
    QuantizeParameters quantize;
    double threshold = 0.5;
    Status status;
    ASSERT_NO_THROW(status = ParseParametersJson(text, parameters, quantize, &threshold)) << text;
    ASSERT_FALSE(status.ok()) << text;
    EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(status.message().find(words), std::string::npos) << status.ToString();
    EXPECT_DOUBLE_EQ(threshold, 0.5) << text;  // nothing changed
    EXPECT_EQ(parameters.dim, FastTextParameters{}.dim) << text;
  }
}

// Sets TMPDIR for one test and restores it after.
class ScopedTmpdir {
 public:
  explicit ScopedTmpdir(const std::string& value) {
    if (const char* old = std::getenv("TMPDIR")) old_ = old;
    ::setenv("TMPDIR", value.c_str(), 1);
  }
  ~ScopedTmpdir() {
    if (old_) {
      ::setenv("TMPDIR", old_->c_str(), 1);
    } else {
      ::unsetenv("TMPDIR");
    }
  }

 private:
  std::optional<std::string> old_;
};

TEST_F(TrainerTest, AnUnusableTmpdirIsAnIoErrorNamingItNotAnException) {
  options_.work_directory.clear();
  const std::string file = (directory_ / "a-file").string();
  std::ofstream(file) << "not a directory";
  for (const std::string& tmpdir : {(directory_ / "nonexistent").string(), file}) {
    ScopedTmpdir scoped(tmpdir);
    Result<TrainingReport> report = Train(Lines(5));
    ASSERT_FALSE(report.ok()) << tmpdir;
    EXPECT_EQ(report.status().code(), Status::Code::kIoError);
    EXPECT_NE(report.status().message().find(tmpdir), std::string::npos)
        << report.status().ToString();
  }
}

TEST_F(TrainerTest, TheDefaultWorkDirectoryIsUniqueAndLeavesOtherRunsAlone) {
  options_.work_directory.clear();
  const fs::path tmpdir = directory_ / "tmp";
  // What an older build of another process with this PID (another PID namespace) would use.
  const fs::path other = tmpdir / ("spamguard-train-" + std::to_string(::getpid()));
  fs::create_directories(other);
  std::ofstream(other / "train.txt") << "another run's data";
  ScopedTmpdir scoped(tmpdir.string());
  Result<TrainingReport> report = Train(Lines(5));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(fs::exists(other / "train.txt"));
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(tmpdir)) ++entries;
  EXPECT_EQ(entries, 1u);  // its own work directory is gone
}

}  // namespace
}  // namespace spamguard
