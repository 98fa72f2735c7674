#include "model/model_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "model/features.h"
#include "model/spam_model.h"

#include "tests/support/tiny_fasttext.h"

namespace spamguard {

// The fsync(2) calls since the last call (tests/model/durable_files_test.cc).
std::vector<std::string> TakeSyncedPaths();

namespace {

namespace fs = std::filesystem;

// A store with two versions ("20260101-000000-aaaa" older, "20260102-000000-bbbb" newer),
// each holding a real (tiny) model file, and one broken version.
class ModelStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = fs::temp_directory_path() / ("model_store_test_" + std::to_string(::getpid()));
    fs::create_directories(scratch_);
    const fs::path train = scratch_ / "train.txt";
    {
      std::ofstream out(train);
      for (int i = 0; i < 20; ++i) {
        out << "__label__spam whatsapp love back __phone__\n__label__ham nice song\n";
      }
    }
    fasttext::Args args = testing::TinyFastTextArgs(train.string(), (scratch_ / "tiny").string());
    args.dim = 5;
    fasttext_path_ = testing::TrainTinyFastText(args);
  }
  static void TearDownTestSuite() { fs::remove_all(scratch_); }

  void SetUp() override {
    store_ = scratch_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(store_);
    AddVersion("20260101-000000-aaaa", "2026-01-01T00:00:00Z", 0.91);
    AddVersion("20260102-000000-bbbb", "2026-01-02T00:00:00Z", 0.95);
    fs::create_directories(store_ / "broken");
    std::ofstream(store_ / "broken" / kModelFileName) << "not a model";
  }

  void AddVersion(const std::string& version, const std::string& created_at, double f1) {
    const fs::path directory = store_ / version;
    fs::create_directories(directory);
    ModelInfo info;
    info.version = version;
    info.feature_schema_version = kFeatureSchemaVersion;
    ASSERT_TRUE(SpamModel::Write((directory / kModelFileName).string(), fasttext_path_, info).ok());
    std::ofstream(directory / "manifest.json") << "{\"created_at\":\"" << created_at << "\"}";
    std::ofstream(directory / "metrics.json")
        << "{\"held_back\":{\"f1\":" << f1 << ",\"ham_false_positive_rate\":0.01}}";
  }

  std::string store() const { return store_.string(); }

  static inline fs::path scratch_;
  static inline std::string fasttext_path_;
  fs::path store_;
};

TEST_F(ModelStoreTest, StoreWithoutCurrentHasNoCurrentVersionAndDoesNotResolve) {
  EXPECT_EQ(CurrentVersion(store()).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(ResolveModelPath(store()).status().code(), Status::Code::kNotFound);
}

TEST_F(ModelStoreTest, SetCurrentMakesTheStoreResolveToThatVersion) {
  ASSERT_TRUE(SetCurrent(store(), "20260101-000000-aaaa").ok());
  EXPECT_EQ(*CurrentVersion(store()), "20260101-000000-aaaa");
  Result<std::string> path = ResolveModelPath(store());
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(fs::canonical(*path), fs::canonical(store_ / "20260101-000000-aaaa" / kModelFileName));
  // The link is relative, so the store can be moved or mounted elsewhere.
  EXPECT_EQ(fs::read_symlink(store_ / kCurrentLinkName).string(), "20260101-000000-aaaa");
}

TEST_F(ModelStoreTest, RollbackSwitchesCurrentBetweenVersions) {
  ASSERT_TRUE(SetCurrent(store(), "20260102-000000-bbbb").ok());
  ASSERT_TRUE(SetCurrent(store(), "20260101-000000-aaaa").ok());
  EXPECT_EQ(*CurrentVersion(store()), "20260101-000000-aaaa");
  for (const fs::directory_entry& entry : fs::directory_iterator(store_)) {
    EXPECT_NE(entry.path().filename().string().front(), '.') << "left behind: " << entry.path();
  }
}

// The temporary link used to be `.current.<pid>`: PIDs repeat across containers sharing a
// store, and whatever held that name made every switch fail.
TEST_F(ModelStoreTest, SetCurrentIsNotBlockedByAnEntryWithThePidNamedTemporaryName) {
  fs::create_directory(store_ /
                       (std::string(".") + kCurrentLinkName + "." + std::to_string(::getpid())));
  ASSERT_TRUE(SetCurrent(store(), "20260101-000000-aaaa").ok());
  EXPECT_EQ(*CurrentVersion(store()), "20260101-000000-aaaa");
}

TEST_F(ModelStoreTest, ACurrentLinkToARemovedVersionIsNamedAsSuch) {
  ASSERT_TRUE(SetCurrent(store(), "20260101-000000-aaaa").ok());
  fs::remove_all(store_ / "20260101-000000-aaaa");
  Result<std::string> path = ResolveModelPath(store());
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), Status::Code::kNotFound);
  EXPECT_NE(path.status().message().find("points at version '20260101-000000-aaaa'"),
            std::string::npos)
      << path.status().message();
  EXPECT_NE(path.status().message().find("models rollback"), std::string::npos);
}

TEST_F(ModelStoreTest, SetCurrentSyncsTheStoreDirectoryAfterTheSwitch) {
  TakeSyncedPaths();
  ASSERT_TRUE(SetCurrent(store(), "20260101-000000-aaaa").ok());
  const std::vector<std::string> synced = TakeSyncedPaths();
  ASSERT_FALSE(synced.empty());
  EXPECT_EQ(synced.back(), fs::canonical(store_).string());
}

TEST_F(ModelStoreTest, SetCurrentRefusesUnknownBrokenAndMalformedVersions) {
  ASSERT_TRUE(SetCurrent(store(), "20260102-000000-bbbb").ok());
  EXPECT_EQ(SetCurrent(store(), "nope").code(), Status::Code::kNotFound);
  EXPECT_EQ(SetCurrent(store(), "broken").code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(SetCurrent(store(), "../x").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(SetCurrent(store(), "current").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(*CurrentVersion(store()), "20260102-000000-bbbb");  // unchanged
}

TEST_F(ModelStoreTest, ListModelsIsOldestFirstWithCurrentAndMetrics) {
  ASSERT_TRUE(SetCurrent(store(), "20260102-000000-bbbb").ok());
  Result<std::vector<StoredModel>> models = ListModels(store());
  ASSERT_TRUE(models.ok());
  // "broken" has a model file and no manifest, so it sorts first (empty created_at).
  ASSERT_EQ(models->size(), 3u);
  EXPECT_EQ((*models)[1].version, "20260101-000000-aaaa");
  EXPECT_FALSE((*models)[1].is_current);
  EXPECT_DOUBLE_EQ((*models)[1].f1, 0.91);
  EXPECT_EQ((*models)[2].version, "20260102-000000-bbbb");
  EXPECT_TRUE((*models)[2].is_current);
  EXPECT_EQ((*models)[2].created_at, "2026-01-02T00:00:00Z");
}

TEST_F(ModelStoreTest, ResolvesFilesVersionDirectoriesAndVersionNames) {
  const std::string file = (store_ / "20260101-000000-aaaa" / kModelFileName).string();
  EXPECT_EQ(*ResolveModelPath(file), file);
  EXPECT_EQ(*ResolveModelPath((store_ / "20260101-000000-aaaa").string()), file);
  EXPECT_EQ(*ResolveModelVersion(store(), "20260101-000000-aaaa"), file);
  EXPECT_EQ(ResolveModelVersion(store(), "missing").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(ResolveModelPath((store_ / "nothing-here").string()).status().code(),
            Status::Code::kNotFound);
}

TEST_F(ModelStoreTest, StagingDirectoriesAreNeitherListedNorMadeCurrent) {
  // What a killed `train --publish` leaves: a hidden directory with a complete model.
  fs::copy(store_ / "20260101-000000-aaaa", store_ / ".staging-Ab3dE6gH9jK1");
  ASSERT_TRUE(SetCurrent(store(), "20260102-000000-bbbb").ok());
  Result<std::vector<StoredModel>> models = ListModels(store());
  ASSERT_TRUE(models.ok());
  for (const StoredModel& model : *models) EXPECT_NE(model.version.front(), '.') << model.version;
  EXPECT_EQ(models->size(), 3u);
  EXPECT_EQ(SetCurrent(store(), ".staging-Ab3dE6gH9jK1").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ResolveModelVersion(store(), ".staging-Ab3dE6gH9jK1").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(*CurrentVersion(store()), "20260102-000000-bbbb");
}

TEST_F(ModelStoreTest, ListingAMissingStoreIsNotFound) {
  EXPECT_EQ(ListModels((store_ / "absent").string()).status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace spamguard
