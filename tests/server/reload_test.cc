// Hot reload against the real server binary: a bad model file is refused and the old model
// keeps serving; swaps (ReloadModel, a new `current` link, SIGHUP) fail no request.
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "tests/server/server_harness.h"

namespace spamguard::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

const spamguard::v1::ReloadModelRequest kEmptyReload;

// A model store in a temporary directory with two versions (copies of the default model)
// and `current` -> v1.
class TwoVersionStore {
 public:
  TwoVersionStore() {
    for (const char* version : {"v1", "v2"}) {
      fs::create_directories(root() + "/" + version);
      fs::copy_file(DefaultModelFile(), root() + "/" + version + "/model.spgm");
    }
    fs::create_directory_symlink("v1", root() + "/current");
  }
  std::string root() const { return dir_.path() + "/models"; }
  // Points current at version the way a publish does: new link, then rename over.
  void SetCurrent(const std::string& version) {
    const std::string temporary = root() + "/current.new";
    fs::create_directory_symlink(version, temporary);
    fs::rename(temporary, root() + "/current");
  }

 private:
  TempDir dir_;
};

std::string ServingModelPath(RunningServer& server) {
  spamguard::v1::GetStatusResponse status;
  EXPECT_TRUE(server.admin().GetStatus(Context().get(), {}, &status).ok());
  return status.model_path();
}

class ReloadTest : public ::testing::Test {
 protected:
  void SetUp() override { SPAMGUARD_REQUIRE_DEFAULT_MODEL(); }
  TempDir data_dir_;
};

TEST_F(ReloadTest, CorruptModelFileIsRefusedAndTheOldModelKeepsServing) {
  TwoVersionStore store;
  RunningServer server(data_dir_.path(), {}, store.root());
  ASSERT_TRUE(server.started()) << server.Log();
  const std::string before = ServingModelPath(server);

  const std::string corrupt = data_dir_.File("corrupt.spgm");
  std::ofstream(corrupt) << "SPGMODEL but then nothing that a model file holds";
  spamguard::v1::ReloadModelRequest request;
  request.set_model_version(corrupt);
  spamguard::v1::ReloadModelResponse response;
  const grpc::Status status = server.admin().ReloadModel(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr(corrupt));

  EXPECT_EQ(ServingModelPath(server), before);
  spamguard::v1::CheckCommentResponse check;
  EXPECT_TRUE(server.filter().CheckComment(Context().get(), CommentRequest(kSeedHam), &check).ok());
  EXPECT_EQ(CheckHealth(server.address()), Health::kServing);
}

TEST_F(ReloadTest, AMissingPathIsNotFoundAndAMalformedVersionNameIsInvalid) {
  TwoVersionStore store;
  RunningServer server(data_dir_.path(), {}, store.root());
  ASSERT_TRUE(server.started()) << server.Log();
  const std::string before = ServingModelPath(server);

  spamguard::v1::ReloadModelRequest request;
  request.set_model_version(data_dir_.File("no-such-model.spgm"));
  spamguard::v1::ReloadModelResponse response;
  grpc::Status status = server.admin().ReloadModel(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("no-such-model.spgm"));

  request.set_model_version(std::string("v\0x", 3));  // a NUL never names a version
  status = server.admin().ReloadModel(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("not a model version name"));
  EXPECT_EQ(ServingModelPath(server), before);
}

// The rule pack is the server's own file: a broken or missing one is refused on reload
// (ReloadModel and SIGHUP) with FAILED_PRECONDITION naming it, and the loaded rules keep
// serving.
TEST_F(ReloadTest, ABrokenRulePackIsRefusedAndTheOldRulesKeepServing) {
  TempDir rules_dir;
  fs::copy(SPAMGUARD_SOURCE_DIR "/rules", rules_dir.File("rules"), fs::copy_options::recursive);
  const std::string pack = rules_dir.File("rules/default.yaml");
  RunningServer server(data_dir_.path(), {}, kDefaultModelStore, pack);
  ASSERT_TRUE(server.started()) << server.Log();
  auto rules_version = [&server] {
    spamguard::v1::GetStatusResponse status;
    EXPECT_TRUE(server.admin().GetStatus(Context().get(), {}, &status).ok());
    return status.rules_version();
  };
  const std::string before = rules_version();
  ASSERT_FALSE(before.empty());
  auto reload = [&server] {
    spamguard::v1::ReloadModelResponse response;
    return server.admin().ReloadModel(Context().get(), {}, &response);
  };

  std::ofstream(pack, std::ios::trunc) << "rules:\n  - id: broken\n    kind: no-such-kind\n";
  grpc::Status status = reload();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("the previous model keeps serving"));
  EXPECT_THAT(status.error_message(), HasSubstr(pack));
  EXPECT_EQ(rules_version(), before);

  server.process().Signal(SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (server.Log().find("reload refused") == server.Log().rfind("reload refused") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(rules_version(), before) << server.Log();

  fs::remove(pack);
  status = reload();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr(pack));

  spamguard::v1::CheckCommentResponse check;
  ASSERT_TRUE(
      server.filter().CheckComment(Context().get(), CommentRequest(kSeedSpamPhone), &check).ok());
  EXPECT_EQ(check.rules_version(), before);
  EXPECT_GT(check.reasons_size(), 1);  // the model and the pack's rules
}

// Identical reloads asked for while one is queued share its load; each caller still gets
// its answer.
TEST_F(ReloadTest, ManyReloadsAtOnceAllSucceed) {
  RunningServer server(data_dir_.path());
  ASSERT_TRUE(server.started()) << server.Log();
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<spamguard::v1::ReloadModelResponse> responses(40);
  std::vector<grpc::Status> statuses(40);
  std::atomic<int> done{0};
  for (int i = 0; i < 40; ++i) {
    contexts.push_back(Context());
    server.admin().async()->ReloadModel(contexts.back().get(), &kEmptyReload, &responses[i],
                                        [&statuses, &done, i](grpc::Status status) {
                                          statuses[i] = std::move(status);
                                          ++done;
                                        });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (done < 40 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(done.load(), 40);
  for (int i = 0; i < 40; ++i) {
    EXPECT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].error_message();
    EXPECT_FALSE(responses[i].model_version().empty()) << i;
  }
  size_t loads = 0;
  const std::string log = server.Log();
  for (size_t at = log.find("model: "); at != std::string::npos; at = log.find("model: ", at + 1)) {
    ++loads;
  }
  // The first load at start, then far fewer than 40 (calls that arrive while a load runs
  // queue one more).
  EXPECT_LT(loads, 20u) << log;
}

TEST_F(ReloadTest, AMalformedReloadRequestIsInvalidArgumentSayingWhy) {
  RunningServer server(data_dir_.path());
  ASSERT_TRUE(server.started()) << server.Log();
  spamguard::v1::ReloadModelRequest request;
  request.set_model_version("v\xff");  // not UTF-8: gRPC's own parser said UNIMPLEMENTED, ""
  spamguard::v1::ReloadModelResponse response;
  const grpc::Status status = server.admin().ReloadModel(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("model_version is not valid UTF-8"));
}

// model_version has the string limit of every other string field. Over it, the name was
// echoed whole in the error (and the log): a 10 KB one made gRPC refuse the error's own
// metadata, and the client saw RESOURCE_EXHAUSTED.
TEST_F(ReloadTest, AModelVersionOverTheStringLimitIsInvalidArgumentSayingTheLimit) {
  RunningServer server(data_dir_.path());
  ASSERT_TRUE(server.started()) << server.Log();
  spamguard::v1::ReloadModelRequest request;
  request.set_model_version(std::string(10'000, 'v'));
  spamguard::v1::ReloadModelResponse response;
  const grpc::Status status = server.admin().ReloadModel(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("model_version is 10000 bytes; the limit is 2048"));
  EXPECT_THAT(server.Log(), Not(HasSubstr(std::string(200, 'v'))));
}

// Within the limit, an unknown name or path is quoted by its start and its length only, in
// the answer and in the log.
TEST_F(ReloadTest, ALongUnknownModelVersionIsQuotedShort) {
  RunningServer server(data_dir_.path());
  ASSERT_TRUE(server.started()) << server.Log();
  for (const std::string& name :
       {std::string(2000, 'w'), data_dir_.File("models/" + std::string(1900, 'p'))}) {
    spamguard::v1::ReloadModelRequest request;
    request.set_model_version(name);
    spamguard::v1::ReloadModelResponse response;
    const grpc::Status status = server.admin().ReloadModel(Context().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(name.substr(0, 40)));
    EXPECT_THAT(status.error_message(), HasSubstr("(" + std::to_string(name.size()) + " bytes)"));
    EXPECT_LT(status.error_message().size(), 400u) << status.error_message();
  }
  EXPECT_THAT(server.Log(), Not(HasSubstr(std::string(200, 'w'))));
  EXPECT_THAT(server.Log(), Not(HasSubstr(std::string(200, 'p'))));
}

// A server that never loaded a model (its rule pack was missing at start) has no previous
// model to keep serving: a failed reload says it stays NOT_SERVING.
TEST_F(ReloadTest, AFailedReloadWithNothingServingSaysTheServerStaysNotServing) {
  const std::string address = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
  const std::string rules = data_dir_.File("no-such-rules.yaml");
  TestProcess process(SPAMGUARD_SERVER_BIN, {"--listen", address, "--model", kDefaultModelStore,
                                             "--rules", rules, "--data-dir", data_dir_.path()});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (CheckHealth(address) != Health::kNotServing && process.Running() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(CheckHealth(address), Health::kNotServing) << process.Stderr();

  auto admin = spamguard::v1::Admin::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  spamguard::v1::ReloadModelResponse response;
  const grpc::Status status = admin->ReloadModel(Context().get(), kEmptyReload, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("nothing is serving"));
  EXPECT_THAT(status.error_message(), HasSubstr("stays NOT_SERVING"));
  EXPECT_THAT(status.error_message(), Not(HasSubstr("previous model")));
  EXPECT_THAT(status.error_message(), HasSubstr(rules));
  EXPECT_EQ(CheckHealth(address), Health::kNotServing);
}

TEST_F(ReloadTest, ReloadModelByVersionServesThatVersion) {
  TwoVersionStore store;
  RunningServer server(data_dir_.path(), {}, store.root());
  ASSERT_TRUE(server.started()) << server.Log();
  spamguard::v1::ReloadModelRequest request;
  request.set_model_version("v2");
  spamguard::v1::ReloadModelResponse response;
  const grpc::Status status = server.admin().ReloadModel(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.model_version().empty());
  EXPECT_THAT(ServingModelPath(server), HasSubstr("/v2/"));
}

// The default pack skips patterns RE2 cannot compile; the log lists them at the first load
// and only counts them when the same pack version is loaded again.
TEST_F(ReloadTest, SkippedPatternsAreListedOncePerRulesVersion) {
  RunningServer server(data_dir_.path());
  ASSERT_TRUE(server.started()) << server.Log();
  auto count = [&server](const std::string& needle) {
    const std::string log = server.Log();
    size_t n = 0;
    for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) {
      ++n;
    }
    return n;
  };
  const size_t listed = count("rules: skipped ");
  ASSERT_GT(listed, 0u) << server.Log();
  spamguard::v1::ReloadModelResponse response;
  const grpc::Status status = server.admin().ReloadModel(Context().get(), {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(count("rules: skipped "), listed) << server.Log();
  EXPECT_EQ(count(std::to_string(listed) + " patterns skipped, as listed when"), 1u)
      << server.Log();
}

TEST_F(ReloadTest, NewCurrentLinkIsPickedUpWithoutARequest) {
  TwoVersionStore store;
  RunningServer server(data_dir_.path(), {}, store.root());
  ASSERT_TRUE(server.started()) << server.Log();
  ASSERT_THAT(ServingModelPath(server), HasSubstr("/v1/"));
  store.SetCurrent("v2");
  // The watcher polls about once a second; wait generously for the swap.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (ServingModelPath(server).find("/v2/") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_THAT(ServingModelPath(server), HasSubstr("/v2/")) << server.Log();
}

TEST_F(ReloadTest, ClientLoopThroughSwapsSeesNoFailedRequest) {
  TwoVersionStore store;
  RunningServer server(data_dir_.path(), {}, store.root());
  ASSERT_TRUE(server.started()) << server.Log();

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      while (!stop) {
        spamguard::v1::CheckCommentResponse response;
        const grpc::Status status = server.filter().CheckComment(
            Context().get(), CommentRequest(kSeedSpamPhone), &response);
        (status.ok() ? ok : failed)++;
      }
    });
  }
  // Six swaps, by all three triggers.
  for (int round = 0; round < 2; ++round) {
    spamguard::v1::ReloadModelRequest request;
    request.set_model_version(round == 0 ? "v2" : "v1");
    spamguard::v1::ReloadModelResponse response;
    EXPECT_TRUE(server.admin().ReloadModel(Context().get(), request, &response).ok());
    store.SetCurrent(round == 0 ? "v2" : "v1");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // let the watcher swap
    server.process().Signal(SIGHUP);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  stop = true;
  for (auto& client : clients) client.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(ok.load(), 0);
  EXPECT_THAT(server.Log(), HasSubstr("reloading"));
}

}  // namespace
}  // namespace spamguard::testing
