// The check queue under load, against the real server binary: its size per core comes from
// the config file or --check-queue-per-worker; a full queue refuses at once with
// RESOURCE_EXHAUSTED naming how many checks wait; GetStatus counts the refusals and the
// checks whose call ended while they waited.
#include <gmock/gmock.h>
#include <grpcpp/completion_queue.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
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
using std::chrono_literals::operator""ms;

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

// `count` copies of `request` sent at once on the stub's channel, each with `deadline`,
// without waiting for any answer.
class ChecksInFlight {
 public:
  ChecksInFlight(spamguard::v1::CommentFilter::Stub& stub, const CheckCommentRequest& request,
                 size_t count, std::chrono::milliseconds deadline = 30s)
      : ChecksInFlight(stub, std::vector<CheckCommentRequest>(count, request), deadline) {}
  // Each of `requests`, in order; statuses come back in the same order.
  ChecksInFlight(spamguard::v1::CommentFilter::Stub& stub,
                 const std::vector<CheckCommentRequest>& requests,
                 std::chrono::milliseconds deadline = 30s) {
    for (const CheckCommentRequest& request : requests) {
      auto call = std::make_unique<Call>();
      call->context.set_deadline(std::chrono::system_clock::now() + deadline);
      call->reader = stub.AsyncCheckComment(&call->context, request, &queue_);
      call->reader->Finish(&call->response, &call->status, call.get());
      calls_.push_back(std::move(call));
    }
  }
  ~ChecksInFlight() {
    Wait();
    queue_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) {
    }
  }

  // Waits until every call has ended; their statuses.
  std::vector<grpc::Status> Wait() {
    for (; ended_ < calls_.size(); ++ended_) {
      void* tag = nullptr;
      bool ok = false;
      queue_.Next(&tag, &ok);
    }
    std::vector<grpc::Status> statuses;
    for (const auto& call : calls_) statuses.push_back(call->status);
    return statuses;
  }

 private:
  struct Call {
    grpc::ClientContext context;
    CheckCommentResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<CheckCommentResponse>> reader;
  };
  grpc::CompletionQueue queue_;
  std::vector<std::unique_ptr<Call>> calls_;
  size_t ended_ = 0;
};

std::vector<grpc::Status> CheckAllAtOnce(spamguard::v1::CommentFilter::Stub& stub,
                                         const CheckCommentRequest& request, size_t count,
                                         std::chrono::milliseconds deadline = 30s) {
  return ChecksInFlight(stub, request, count, deadline).Wait();
}

// `streams` CheckComments streams at once, one thread each. Every stream sends `request`,
// reads the answer and sends it again, `per_stream` times or until the stream ends; the
// final status of each.
std::vector<grpc::Status> StreamAllAtOnce(spamguard::v1::CommentFilter::Stub& stub,
                                          const CheckCommentRequest& request, size_t streams,
                                          size_t per_stream,
                                          std::chrono::milliseconds deadline = 30s) {
  std::vector<grpc::Status> statuses(streams);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < streams; ++i) {
    threads.emplace_back([&, i] {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + deadline);
      auto stream = stub.CheckComments(&context);
      CheckCommentResponse response;
      size_t answered = 0;
      while (answered < per_stream && stream->Write(request) && stream->Read(&response)) {
        ++answered;
      }
      if (answered == per_stream) stream->WritesDone();
      statuses[i] = stream->Finish();
    });
  }
  for (std::thread& thread : threads) thread.join();
  return statuses;
}

size_t CountCode(const std::vector<grpc::Status>& statuses, grpc::StatusCode code) {
  return std::count_if(statuses.begin(), statuses.end(),
                       [code](const grpc::Status& status) { return status.error_code() == code; });
}

// "OK x3, RESOURCE_EXHAUSTED x2 (the server is overloaded: ...)": for failure messages.
std::string Describe(const std::vector<grpc::Status>& statuses) {
  std::map<int, std::pair<size_t, std::string>> by_code;
  for (const grpc::Status& status : statuses) {
    auto& [count, message] = by_code[status.error_code()];
    if (count++ == 0) message = status.error_message();
  }
  std::string text;
  for (const auto& [code, seen] : by_code) {
    text += (text.empty() ? "" : ", ") + std::string("code ") + std::to_string(code) + " x" +
            std::to_string(seen.first) + (seen.second.empty() ? "" : " (" + seen.second + ")");
  }
  return text;
}

spamguard::v1::GetStatusResponse Status(RunningServer& server) {
  spamguard::v1::GetStatusResponse status;
  EXPECT_TRUE(server.admin().GetStatus(Context().get(), {}, &status).ok());
  return status;
}

// Returns once every check queued so far has been taken by a worker: the queue is FIFO, so
// when a check sent now is answered, all before it have left the queue.
void WaitUntilTheQueueIsDrained(RunningServer& server) {
  CheckCommentRequest request = CommentRequest(kSeedHam);
  request.set_is_test(true);
  CheckCommentResponse response;
  EXPECT_TRUE(server.filter().CheckComment(Context().get(), request, &response).ok());
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

TEST(OverloadTest, EveryCheckRefusedForOverloadIsCountedInGetStatus) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  RunningServer server(dir.path(), {"--check-queue-per-worker", "1"});
  ASSERT_TRUE(server.started()) << server.Log();
  const std::vector<grpc::Status> statuses =
      CheckAllAtOnce(server.filter(), CostlyRequest(), FloodSize());
  const size_t refused = CountCode(statuses, grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_GT(refused, 0u) << Describe(statuses);
  EXPECT_EQ(refused + CountCode(statuses, grpc::StatusCode::OK), statuses.size())
      << Describe(statuses);
  const spamguard::v1::GetStatusResponse status = Status(server);
  EXPECT_EQ(status.checks_refused_overload(), refused);
  EXPECT_EQ(status.checks_abandoned_in_queue(), 0u);
}

// A refusal ends its stream, after the answers to the requests before it: the count is of
// refused requests, whichever request of its stream each was.
TEST(OverloadTest, EveryStreamRequestRefusedForOverloadIsCountedInGetStatus) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  RunningServer server(dir.path(), {"--check-queue-per-worker", "1"});
  ASSERT_TRUE(server.started()) << server.Log();
  // More streams than workers and queue places together, each always with a request out.
  const std::vector<grpc::Status> statuses =
      StreamAllAtOnce(server.filter(), CostlyRequest(), 2 * Cores() + 4, 20);
  const size_t refused = CountCode(statuses, grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_GT(refused, 0u) << Describe(statuses);
  for (const grpc::Status& status : statuses) {
    if (status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) continue;
    EXPECT_THAT(status.error_message(),
                ::testing::MatchesRegex("request [0-9]+: the server is overloaded: .*"));
  }
  EXPECT_EQ(Status(server).checks_refused_overload(), refused);
}

// Validation happens before queueing: an invalid request is the caller's mistake, and a
// retry with back-off (RESOURCE_EXHAUSTED) would fail the same way. The invalid requests go
// out among a flood that keeps the queue full; the flood's refusals show that it was.
TEST(OverloadTest, AnInvalidCheckIsInvalidArgumentEvenWhenTheQueueIsFull) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  RunningServer server(dir.path(), {"--check-queue-per-worker", "1"});
  ASSERT_TRUE(server.started()) << server.Log();
  CheckCommentRequest empty_content = CommentRequest("");
  empty_content.set_is_test(true);
  std::vector<CheckCommentRequest> requests;
  std::vector<bool> invalid;
  for (size_t i = 0; i < FloodSize(); ++i) {
    requests.push_back(CostlyRequest());
    invalid.push_back(false);
    if (i % 4 == 3) {
      requests.push_back(empty_content);
      invalid.push_back(true);
    }
  }
  const std::vector<grpc::Status> statuses = ChecksInFlight(server.filter(), requests).Wait();
  std::vector<grpc::Status> flood;
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (!invalid[i]) {
      flood.push_back(statuses[i]);
      continue;
    }
    EXPECT_EQ(statuses[i].error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << i << ": " << statuses[i].error_message();
    EXPECT_EQ(statuses[i].error_message(), "comment.content is required and must not be empty");
  }
  const size_t refused = CountCode(flood, grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_GT(refused, 0u) << "the queue was never full: " << Describe(flood);
  // Only the flood was refused: an invalid request took no place in the queue.
  EXPECT_EQ(Status(server).checks_refused_overload(), refused);
}

// The stream's read path validates before queueing as well: invalid requests sent on streams
// while a flood keeps the queue full are refused as INVALID_ARGUMENT, naming the request, and
// only the flood's refusals are counted as overload.
TEST(OverloadTest, AnInvalidStreamRequestIsInvalidArgumentEvenWhenTheQueueIsFull) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  RunningServer server(dir.path(), {"--check-queue-per-worker", "1"});
  ASSERT_TRUE(server.started()) << server.Log();
  ChecksInFlight flood(server.filter(), CostlyRequest(), FloodSize());
  CheckCommentRequest empty_content = CommentRequest("");
  empty_content.set_is_test(true);
  auto streams_stub = SeparateFilterStub(server.address());
  const size_t streams = 4 * Cores();
  for (const grpc::Status& status : StreamAllAtOnce(*streams_stub, empty_content, streams, 1)) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_EQ(status.error_message(),
              "request 0: comment.content is required and must not be empty");
  }
  const std::vector<grpc::Status> flood_statuses = flood.Wait();
  const size_t refused = CountCode(flood_statuses, grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_GT(refused, 0u) << "the queue was never full: " << Describe(flood_statuses);
  EXPECT_EQ(Status(server).checks_refused_overload(), refused);
}

// The queue holds far more costly checks than the workers get through before the deadline:
// those still waiting when it passes are skipped, unclassified, and counted. (A call can
// also expire before it is queued, or while it is classified; neither is counted, so the
// count is at most the calls that expired.)
TEST(OverloadTest, ChecksWhoseDeadlinePassesInTheQueueAreCountedInGetStatus) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  RunningServer server(dir.path(), {"--check-queue-per-worker", "1000"});
  ASSERT_TRUE(server.started()) << server.Log();
  const std::vector<grpc::Status> statuses =
      CheckAllAtOnce(server.filter(), CostlyRequest(), std::min<size_t>(200, 30 * Cores()), 300ms);
  const size_t expired = CountCode(statuses, grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(expired + CountCode(statuses, grpc::StatusCode::OK), statuses.size())
      << Describe(statuses);
  WaitUntilTheQueueIsDrained(server);
  const spamguard::v1::GetStatusResponse status = Status(server);
  EXPECT_GT(status.checks_abandoned_in_queue(), 0u);
  EXPECT_LE(status.checks_abandoned_in_queue(), expired);
  EXPECT_EQ(status.checks_refused_overload(), 0u);
}

TEST(OverloadTest, StreamRequestsWhoseDeadlinePassesInTheQueueAreCountedInGetStatus) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  RunningServer server(dir.path(), {"--check-queue-per-worker", "1000"});
  ASSERT_TRUE(server.started()) << server.Log();
  // Costly checks with time to spare fill the queue for seconds (about 60 ms each, so 3.7 s on
  // two cores); the streams, on a connection of their own, give up long before their requests
  // reach a worker. Their deadline leaves them a second to be queued: with 300 ms, under
  // `ctest -j 2` beside a training test, they sometimes expired before the server queued them.
  ChecksInFlight backlog(server.filter(), CostlyRequest(), std::min<size_t>(200, 60 * Cores()));
  auto streams_stub = SeparateFilterStub(server.address());
  const size_t streams = std::min<size_t>(16, Cores());
  const std::vector<grpc::Status> statuses =
      StreamAllAtOnce(*streams_stub, CostlyRequest(), streams, 20, 1000ms);
  EXPECT_EQ(CountCode(statuses, grpc::StatusCode::DEADLINE_EXCEEDED), streams)
      << Describe(statuses);
  for (const grpc::Status& status : backlog.Wait()) EXPECT_TRUE(status.ok());
  WaitUntilTheQueueIsDrained(server);
  const spamguard::v1::GetStatusResponse status = Status(server);
  EXPECT_GT(status.checks_abandoned_in_queue(), 0u);
  EXPECT_LE(status.checks_abandoned_in_queue(), streams);
}

}  // namespace
}  // namespace spamguard::testing
