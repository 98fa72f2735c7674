#include "model/spam_model.h"

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
#include "model/fnv_hash.h"
#include "model/linear_text_model.h"

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
    fasttext_path_ = testing::TrainTinyFastText(args);
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

  // A linear model trained on the same four kinds of line as the suite's fastText model.
  static std::string LinearPayload() {
    std::vector<LinearExample> examples;
    for (int i = 0; i < 5; ++i) {
      examples.push_back({"call whatsapp now love back solution __phone__", true});
      examples.push_back({"cheap pills buy now __url__ __domain_pills.example__", true});
      examples.push_back({"thanks for the thoughtful post i agree with you", false});
      examples.push_back({"great song i listen to it every day", false});
    }
    Result<LinearTextModel> linear = LinearTextModel::Train(examples, {});
    EXPECT_TRUE(linear.ok()) << linear.status().ToString();
    return linear.ok() ? linear->Serialize() : "";
  }

  static std::string WriteWithLinear(const std::string& name, double weight) {
    ModelInfo info = Info();
    info.version = name;
    info.linear_weight = weight;
    const std::string path = (directory_ / (name + ".spgm")).string();
    const Status status = SpamModel::Write(path, fasttext_path_, info, LinearPayload());
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

TEST_F(SpamModelTest, AModelForAFeatureSchemaThisBuildCannotBuildIsRefused) {
  for (int schema : {kOldestFeatureSchemaVersion - 1, kFeatureSchemaVersion + 1}) {
    ModelInfo info = Info();
    info.version = "schema-" + std::to_string(schema);
    info.feature_schema_version = schema;
    Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(Write(info));
    ASSERT_FALSE(model.ok()) << schema;
    EXPECT_EQ(model.status().code(), Status::Code::kFailedPrecondition);
    EXPECT_NE(model.status().message().find("feature schema " + std::to_string(schema)),
              std::string::npos)
        << model.status().message();
  }
}

// A model trained before schema 2 keeps serving after the upgrade, scored with its own lines.
TEST_F(SpamModelTest, AModelOfAnOlderFeatureSchemaStillLoads) {
  for (int schema = kOldestFeatureSchemaVersion; schema <= kFeatureSchemaVersion; ++schema) {
    ModelInfo info = Info();
    info.version = "schema-ok-" + std::to_string(schema);
    info.feature_schema_version = schema;
    Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(Write(info));
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    EXPECT_EQ((*model)->info().feature_schema_version, schema);
  }
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

TEST_F(SpamModelTest, AModelWithALinearPartAveragesTheTwoProbabilities) {
  Result<std::shared_ptr<const SpamModel>> fasttext_only = SpamModel::Load(Write(Info()));
  Result<std::shared_ptr<const SpamModel>> paired = SpamModel::Load(WriteWithLinear("paired", 0.7));
  ASSERT_TRUE(fasttext_only.ok()) << fasttext_only.status().ToString();
  ASSERT_TRUE(paired.ok()) << paired.status().ToString();
  EXPECT_DOUBLE_EQ((*paired)->info().linear_weight, 0.7);
  Result<LinearTextModel> linear = LinearTextModel::Parse(LinearPayload());
  ASSERT_TRUE(linear.ok());
  for (const char* line : {"call whatsapp now __phone__", "great song i agree", "pills"}) {
    const double expected =
        CombineMargins((*fasttext_only)->SpamMargin(line), linear->Margin(line), 0.7);
    EXPECT_DOUBLE_EQ((*paired)->SpamMargin(line), expected) << line;
    EXPECT_NE((*paired)->SpamMargin(line), (*fasttext_only)->SpamMargin(line)) << line;
  }
  EXPECT_GT((*paired)->SpamProbability("call whatsapp now love back __phone__"), 0.5);
  EXPECT_LT((*paired)->SpamProbability("thanks for the post i agree"), 0.5);
}

TEST(CombineMarginsTest, AveragesProbabilitiesAndStaysFinite) {
  EXPECT_DOUBLE_EQ(CombineMargins(0, 0, 0.7), 0);
  // sigmoid(ln 3) = 0.75, sigmoid(-ln 3) = 0.25: 0.3 * 0.75 + 0.7 * 0.25 = 0.4.
  EXPECT_NEAR(CombineMargins(std::log(3.0), -std::log(3.0), 0.7), std::log(0.4 / 0.6), 1e-12);
  // fastText's extreme margin does not outvote a confident linear model.
  EXPECT_LT(CombineMargins(34, -10, 0.7), 0);
  EXPECT_TRUE(std::isfinite(CombineMargins(1000, 1000, 0.5)));
  EXPECT_TRUE(std::isfinite(CombineMargins(-1000, -1000, 0.5)));
}

TEST_F(SpamModelTest, WriteRefusesALinearPartWithoutAWeightAndTheReverse) {
  const std::string path = (directory_ / "unweighted.spgm").string();
  ModelInfo info = Info();
  Status status = SpamModel::Write(path, fasttext_path_, info, LinearPayload());
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << status.ToString();
  info.linear_weight = 0.7;
  status = SpamModel::Write(path, fasttext_path_, info);
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << status.ToString();
  info.linear_weight = 1.0;
  status = SpamModel::Write(path, fasttext_path_, info, LinearPayload());
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << status.ToString();
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(SpamModelTest, ADamagedOrTruncatedLinearPartIsRefused) {
  const std::string full = WriteWithLinear("linear-full", 0.7);
  const std::string damaged = (directory_ / "linear-damaged.spgm").string();
  fs::copy_file(full, damaged, fs::copy_options::overwrite_existing);
  {
    std::fstream file(damaged, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(fs::file_size(damaged) - 3));
    file.put('\x7f');
  }
  ExpectCorruption(damaged, "linear model payload is damaged");
  const std::string truncated = (directory_ / "linear-truncated.spgm").string();
  fs::copy_file(full, truncated, fs::copy_options::overwrite_existing);
  fs::resize_file(truncated, fs::file_size(full) - 16);
  ExpectCorruption(truncated, "the metadata says");
}

// Sizes that get<uint64_t>() would wrap (-1) or cast out of range (1e30); the wrapped size
// once passed the length check beside a linear size that made the sum come out right, and
// then crashed the loader with std::out_of_range.
TEST_F(SpamModelTest, NegativeFractionalOrWrappingPayloadSizesAreRefusedNotCrashed) {
  std::ifstream in(WriteWithLinear("sizes", 0.7), std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string file = buffer.str();
  const auto edited = [&](const std::string& name,
                          const std::function<void(nlohmann::json&)>& edit) {
    const std::string path = (directory_ / (name + ".spgm")).string();
    std::ofstream(path, std::ios::binary)
        << testing::EditModelMetadata(file, edit, /*reseal=*/true);
    return path;
  };
  ExpectCorruption(edited("size-negative", [](nlohmann::json& j) { j["payload_bytes"] = -1; }),
                   "payload_bytes is not a byte count");
  ExpectCorruption(edited("size-huge", [](nlohmann::json& j) { j["payload_bytes"] = 1e30; }),
                   "payload_bytes is not a byte count");
  ExpectCorruption(edited("linear-size-fraction",
                          [](nlohmann::json& j) { j["linear"]["payload_bytes"] = 12.5; }),
                   "linear.payload_bytes is not a byte count");
  // A fastText size larger than the file, the linear size set so that the two add up to the
  // payload's length modulo 2^64, and the fastText checksum made over the whole payload (what
  // reading "the first 2^64 - 1 bytes" gives).
  const std::string payload = testing::ModelPayload(file);
  ExpectCorruption(edited("size-wrap",
                          [&](nlohmann::json& j) {
                            j["payload_bytes"] = ~uint64_t{0};
                            j["linear"]["payload_bytes"] = uint64_t{payload.size()} + 1;
                            j["payload_fnv1a64"] =
                                testing::ChecksumHex(Fnv1a64(payload, 1469598103934665603ULL));
                          }),
                   "the metadata says");
}

TEST_F(SpamModelTest, AnEditedLinearWeightIsRefused) {
  std::ifstream in(WriteWithLinear("linear-weight", 0.7), std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string path = (directory_ / "linear-weight-edited.spgm").string();
  std::ofstream(path, std::ios::binary) << testing::EditModelMetadata(
      buffer.str(), [](nlohmann::json& j) { j["linear"]["weight"] = 1.5; }, /*reseal=*/true);
  ExpectCorruption(path, "linear model weight");
}

}  // namespace
}  // namespace spamguard
