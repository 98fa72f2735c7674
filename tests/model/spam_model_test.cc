#include "model/spam_model.h"

#include <fasttext/fasttext.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "model/features.h"

#include "tests/support/model_file.h"
#include "tests/support/tiny_fasttext.h"

namespace spamguard {

// The fsync(2) calls since the last call, and failing those of a path prefix
// (tests/model/durable_files_test.cc).
std::vector<std::string> TakeSyncedPaths();
void FailSyncOf(const std::string& path_prefix);

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

  // Rewrites a written model's metadata block with `edit` applied, as an older build (no
  // metadata checksum: the key is dropped) or a hand edit would leave it.
  static std::string EditMetadata(const std::string& name,
                                  const std::function<void(nlohmann::json&)>& edit) {
    std::ifstream in(Write(Info()), std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string path = (directory_ / (name + ".spgm")).string();
    std::ofstream(path, std::ios::binary)
        << testing::EditModelMetadata(buffer.str(), edit, /*reseal=*/false);
    return path;
  }

  static void ExpectCorruption(const std::string& path, const std::string& words) {
    Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(path);
    ASSERT_FALSE(model.ok());
    EXPECT_EQ(model.status().code(), Status::Code::kCorruption);
    EXPECT_NE(model.status().message().find(words), std::string::npos) << model.status().ToString();
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

TEST_F(SpamModelTest, WriteSyncsTheModelBeforeItsRenameAndTheDirectoryAfter) {
  TakeSyncedPaths();
  const std::string path = Write(Info());
  const std::vector<std::string> synced = TakeSyncedPaths();
  ASSERT_EQ(synced.size(), 2u);
  const std::string canonical = fs::canonical(path).string();
  EXPECT_EQ(synced[0].rfind(canonical + ".tmp-", 0), 0u) << synced[0];
  EXPECT_EQ(synced[1], fs::canonical(directory_).string());
}

TEST_F(SpamModelTest, AFailedWriteKeepsTheOldModelAndLeavesNoTemporary) {
  ModelInfo info = Info();
  info.version = "kept";
  const std::string path = Write(info);
  const auto before = fs::file_size(path);
  FailSyncOf(fs::canonical(path).string() + ".tmp-");
  info.version = "kept-but-longer-version-name";
  const Status status = SpamModel::Write(path, fasttext_path_, info);
  FailSyncOf("");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), Status::Code::kIoError);
  EXPECT_EQ(fs::file_size(path), before);
  for (const auto& entry : fs::directory_iterator(directory_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
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

TEST_F(SpamModelTest, AModelFromBeforeTheMetadataChecksumStillLoads) {
  const std::string path = EditMetadata("legacy", [](nlohmann::json&) {});
  Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->info().version, "test-1");
}

TEST_F(SpamModelTest, AnEditedCalibrationIsRefusedByTheMetadataChecksum) {
  const std::string full = Write(Info());
  std::ifstream in(full, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string file = buffer.str();
  const size_t at = file.find("\"intercept\":0.0");
  ASSERT_NE(at, std::string::npos);
  file.replace(at, 15, "\"intercept\":9.0");  // same length: only the checksum can tell
  const std::string edited = (directory_ / "edited.spgm").string();
  std::ofstream(edited, std::ios::binary) << file;
  ExpectCorruption(edited, "checksum");
}

TEST_F(SpamModelTest, AWronglyTypedMetadataValueIsRefusedNotThrown) {
  ExpectCorruption(
      EditMetadata("typed", [](nlohmann::json& j) { j["calibration"]["slope"] = "0.5"; }),
      "metadata is damaged");
  ExpectCorruption(
      EditMetadata("typed-size", [](nlohmann::json& j) { j["payload_bytes"] = "many"; }),
      "metadata is damaged");
}

TEST_F(SpamModelTest, AMissingMetadataKeyIsRefusedNotDefaulted) {
  ExpectCorruption(EditMetadata("renamed",
                                [](nlohmann::json& j) {
                                  j["calibration"]["interceXt"] = j["calibration"]["intercept"];
                                  j["calibration"].erase("intercept");
                                }),
                   "intercept");
}

TEST_F(SpamModelTest, ACalibrationThatWouldInvertVerdictsIsRefused) {
  ModelInfo info = Info();
  info.version = "inverted";
  info.calibration.slope = -9.27;
  ExpectCorruption(Write(info), "slope must be positive");
  ExpectCorruption(
      EditMetadata("zero-slope", [](nlohmann::json& j) { j["calibration"]["slope"] = 0.0; }),
      "slope must be positive");
}

}  // namespace
}  // namespace spamguard
