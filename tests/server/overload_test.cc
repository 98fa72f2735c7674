// The check queue under load, against the real server binary: its size per core comes from
// the config file or --check-queue-per-worker, and a full queue refuses at once with
// RESOURCE_EXHAUSTED naming how many checks wait.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/server_harness.h"

namespace spamguard::testing {
namespace {

using spamguard::v1::CheckCommentRequest;
using spamguard::v1::CheckCommentResponse;
using ::testing::HasSubstr;

// The server runs one worker per core of this machine.
size_t Cores() { return std::max(1u, std::thread::hardware_concurrency()); }

// 64 KiB of U+FDFA, which NFKC expands 18-fold: about the costliest comment within the
// limits (tens of ms), so a handful per core keeps every worker busy. is_test, so that a
// flood stores nothing.
CheckCommentRequest CostlyRequest() {
  std::string content;
  while (content.size() + 3 <= 65536) content += "\xEF\xB7\xBA";
  CheckCommentRequest request = CommentRequest(content);
  request.set_is_test(true);
  return request;
}

// Enough costly checks at once to fill a queue of a few checks per core many times over.
size_t FloodSize() { return 16 * Cores() + 32; }

// Sends `count` copies of `request` at once on the stub's channel, each with `deadline`,
// and returns every call's status once all have ended.
std::vector<grpc::Status> CheckAllAtOnce(spamguard::v1::CommentFilter::Stub& stub,
                                         const CheckCommentRequest& request, size_t count,
                                         std::chrono::milliseconds deadline = 30s) {
  struct Call {
    grpc::ClientContext context;
    CheckCommentResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<CheckCommentResponse>> reader;
  };
  grpc::CompletionQueue queue;
  std::vector<std::unique_ptr<Call>> calls;
  for (size_t i = 0; i < count; ++i) {
    auto call = std::make_unique<Call>();
    call->context.set_deadline(std::chrono::system_clock::now() + deadline);
    call->reader = stub.AsyncCheckComment(&call->context, request, &queue);
    call->reader->Finish(&call->response, &call->status, call.get());
    calls.push_back(std::move(call));
  }
  for (size_t done = 0; done < count; ++done) {
    void* tag = nullptr;
    bool ok = false;
    if (!queue.Next(&tag, &ok)) break;
  }
  queue.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue.Next(&tag, &ok)) {
  }
  std::vector<grpc::Status> statuses;
  for (const auto& call : calls) statuses.push_back(call->status);
  return statuses;
}

// The first RESOURCE_EXHAUSTED message among `statuses`, or "" when none was refused.
std::string FirstOverloadMessage(const std::vector<grpc::Status>& statuses) {
  for (const grpc::Status& status : statuses) {
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) return status.error_message();
  }
  return "";
}

std::string WriteConfig(const TempDir& dir, const std::string& text) {
  const std::string path = dir.File("server.yaml");
  std::ofstream(path) << text;
  return path;
}

TEST(OverloadTest, AQueueFlagOutsideOneToAMillionIsRefusedAtStartNamingTheFlagAndTheRange) {
  TempDir dir;
  for (const char* value : {"0", "1000001", "-1", "many"}) {
    const RunResult result = RunProcess(
        SPAMGUARD_SERVER_BIN, {"--listen", "127.0.0.1:" + std::to_string(FreeLoopbackPort()),
                               "--data-dir", dir.path(), "--check-queue-per-worker", value});
    EXPECT_NE(result.exit_code, 0) << value;
    EXPECT_THAT(result.stderr_text, HasSubstr("--check-queue-per-worker")) << value;
    EXPECT_THAT(result.stderr_text, HasSubstr("1 to 1000000")) << value;
  }
}

TEST(OverloadTest, TheConfigFileSetsHowManyChecksWaitPerCore) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  RunningServer server(dir.path(),
                       {"--config", WriteConfig(dir, "check_queue:\n  per_worker: 2\n")});
  ASSERT_TRUE(server.started()) << server.Log();
  const std::string refused =
      FirstOverloadMessage(CheckAllAtOnce(server.filter(), CostlyRequest(), FloodSize()));
  EXPECT_THAT(refused, HasSubstr("the server is overloaded: " + std::to_string(2 * Cores()) +
                                 " checks are already waiting"));
}

TEST(OverloadTest, TheQueueFlagWinsOverTheConfigFile) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  RunningServer server(dir.path(),
                       {"--config", WriteConfig(dir, "check_queue:\n  per_worker: 1000\n"),
                        "--check-queue-per-worker", "1"});
  ASSERT_TRUE(server.started()) << server.Log();
  const std::string refused =
      FirstOverloadMessage(CheckAllAtOnce(server.filter(), CostlyRequest(), FloodSize()));
  EXPECT_THAT(refused, HasSubstr("the server is overloaded: " + std::to_string(Cores()) +
                                 " checks are already waiting"));
}

}  // namespace
}  // namespace spamguard::testing
