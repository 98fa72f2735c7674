#include "model/spam_model.h"

#include <fasttext/fasttext.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "model/features.h"

#include "tests/support/tiny_fasttext.h"

namespace spamguard {
namespace {

namespace fs = std::filesystem;

// Trains a tiny fastText classifier once for the whole suite.
class SpamModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    directory_ = fs::temp_directory_path() / ("spam_model_test_" + std::to_string(::getpid()));
    fs::create_directories(directory_);
    const fs::path train = directory_ / "train.txt";
    {
      std::ofstream out(train);
      for (int i = 0; i < 50; ++i) {
        out << "__label__spam call whatsapp now love back solution __phone__\n";
        out << "__label__spam cheap pills buy now __url__ __domain_pills.example__\n";
        out << "__label__ham thanks for the thoughtful post i agree with you\n";
        out << "__label__ham great song i listen to it every day\n";
      }
    }
    fasttext::Args args = testing::TinyFastTextArgs(train.string(), (directory_ / "tiny").string());
    args.epoch = 20;
    fasttext::FastText trainer;
    trainer.train(args);
    trainer.saveModel(args.output + ".bin");
    fasttext_path_ = args.output + ".bin";
  }
  static void TearDownTestSuite() { fs::remove_all(directory_); }

  static ModelInfo Info() {
    ModelInfo info;
    info.version = "test-1";
    info.feature_schema_version = kFeatureSchemaVersion;
    info.trained_at = "2026-11-25T00:00:00Z";
    info.validation_metrics.f1 = 0.9;
    return info;
  }

  static std::string Write(const ModelInfo& info) {
    const std::string path = (directory_ / (info.version + ".spgm")).string();
    const Status status = SpamModel::Write(path, fasttext_path_, info);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return path;
  }

  static inline fs::path directory_;
  static inline std::string fasttext_path_;
};

TEST_F(SpamModelTest, WrittenModelLoadsWithItsInfo) {
  Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(Write(Info()));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->info().version, "test-1");
  EXPECT_DOUBLE_EQ((*model)->info().validation_metrics.f1, 0.9);
}

TEST_F(SpamModelTest, SpamLikeTextScoresHigherThanHamLikeText) {
  Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(Write(Info()));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const double spam = (*model)->SpamProbability("call whatsapp now love back __phone__");
  const double ham = (*model)->SpamProbability("thanks for the post i agree");
  EXPECT_GT(spam, 0.5);
  EXPECT_LT(ham, 0.5);
}

TEST_F(SpamModelTest, CalibrationIsAppliedToTheRawProbability) {
  ModelInfo info = Info();
  info.version = "calibrated";
  info.calibration.slope = 0.5;
  info.calibration.intercept = -1.0;
  Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(Write(info));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const std::string text = "call whatsapp now";
  EXPECT_NEAR((*model)->SpamProbability(text),
              info.calibration.Apply((*model)->RawSpamProbability(text)), 1e-12);
}

TEST_F(SpamModelTest, AFileWithoutTheMagicNumberIsRefused) {
  const std::string path = (directory_ / "not-a-model.spgm").string();
  std::ofstream(path) << "hello, this is not a model file at all";
  Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(path);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), Status::Code::kCorruption);
  EXPECT_NE(model.status().message().find("magic"), std::string::npos);
}

TEST_F(SpamModelTest, ATruncatedModelIsRefused) {
  const std::string full = Write(Info());
  const std::string truncated = (directory_ / "truncated.spgm").string();
  fs::copy_file(full, truncated, fs::copy_options::overwrite_existing);
  fs::resize_file(truncated, fs::file_size(full) / 2);
  Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(truncated);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), Status::Code::kCorruption);
}

TEST_F(SpamModelTest, AModelWithADamagedByteIsRefused) {
  const std::string full = Write(Info());
  const std::string damaged = (directory_ / "damaged.spgm").string();
  fs::copy_file(full, damaged, fs::copy_options::overwrite_existing);
  {
    std::fstream file(damaged, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(fs::file_size(damaged) - 10));
    file.put('\x7f');
  }
  Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(damaged);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), Status::Code::kCorruption);
  EXPECT_NE(model.status().message().find("checksum"), std::string::npos);
}

TEST_F(SpamModelTest, AModelForAnotherFeatureSchemaIsRefused) {
  ModelInfo info = Info();
  info.version = "old-schema";
  info.feature_schema_version = kFeatureSchemaVersion + 1;
  Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(Write(info));
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(model.status().message().find("feature schema"), std::string::npos);
}

TEST_F(SpamModelTest, AMissingFileIsNotFound) {
  Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load("/nonexistent/model.spgm");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace spamguard
