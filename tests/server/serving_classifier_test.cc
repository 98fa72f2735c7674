// ServingClassifier in-process: the model store's `current` link as the server's start-up
// sequence (LoadNow, then StartBackground) sees it.
#include "server/serving_classifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "model/duplicate_window.h"
#include "tests/server/server_harness.h"

namespace spamguard::server {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class ServingClassifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SPAMGUARD_REQUIRE_DEFAULT_MODEL();
    for (const char* version : {"v1", "v2"}) {
      fs::create_directories(store() + "/" + version);
      fs::copy_file(testing::DefaultModelFile(), store() + "/" + version + "/model.spgm");
    }
    fs::create_directory_symlink("v1", store() + "/current");
    auto pipeline = TextPipeline::Create();
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().message();
    classifier_ = std::make_unique<ServingClassifier>(
        pipeline.value(), std::make_shared<DuplicateWindow>(60'000, 1000), store(),
        testing::kDefaultRules, [](bool) {});
  }

  std::string store() const { return dir_.path() + "/models"; }
  // Points current at version the way a publish does: new link, then rename over.
  void SetCurrent(const std::string& version) {
    fs::create_directory_symlink(version, store() + "/current.new");
    fs::rename(store() + "/current.new", store() + "/current");
  }
  std::string ServingPath() const {
    const auto generation = classifier_->current();
    return generation ? generation->model_path : "";
  }

  testing::TempDir dir_;
  std::unique_ptr<ServingClassifier> classifier_;
};

// A publish that lands while the start-up load runs: the load has served v1, and the watch,
// started after it, must still see v2 as new. The watch once read the link only when it
// started, so it recorded v2 as already served and never loaded it.
TEST_F(ServingClassifierTest, ALinkSwitchedDuringTheStartUpLoadIsLoadedByTheWatch) {
  ASSERT_TRUE(classifier_->LoadNow("").ok());
  ASSERT_THAT(ServingPath(), HasSubstr("/v1/"));
  SetCurrent("v2");
  classifier_->StartBackground(/*watch_interval_ms=*/20);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (ServingPath().find("/v2/") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_THAT(ServingPath(), HasSubstr("/v2/"));
}

// The watch does not reload what the start-up load already serves.
TEST_F(ServingClassifierTest, AnUnchangedLinkIsNotReloaded) {
  ASSERT_TRUE(classifier_->LoadNow("").ok());
  const auto first = classifier_->current();
  classifier_->StartBackground(/*watch_interval_ms=*/20);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // ~15 polls
  EXPECT_EQ(classifier_->current(), first);
}

}  // namespace
}  // namespace spamguard::server
