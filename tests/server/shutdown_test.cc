// SIGTERM/SIGINT against the real server binary, with a not-serving grace
// (shutdown.not_serving_grace_seconds or --shutdown-not-serving-grace-seconds): health turns
// NOT_SERVING at once while every call is still served, so that load balancers take the
// server out of rotation; a second signal ends the grace; then the drain refuses new checks.
// (Without a grace: ServerShutdownTest in check_comment_test.cc.)
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/server_harness.h"

namespace spamguard::testing {
namespace {

using spamguard::v1::CheckCommentResponse;
using ::testing::AnyOf;
using ::testing::HasSubstr;

// Far longer than any test waits for the server: a test that ends while it lasts has seen
// either the grace in force or a second signal end it.
constexpr char kLongGraceSeconds[] = "600";
// How long a test waits for the server to do something; far below the long grace.
constexpr auto kPatience = std::chrono::seconds(60);

constexpr char kGraceFlag[] = "--shutdown-not-serving-grace-seconds";

// Sends the signal and returns once the server has taken it: its health has turned
// NOT_SERVING (a second signal sent before that could merge with the first).
::testing::AssertionResult SignalAndAwaitNotServing(RunningServer& server, int signal_number) {
  auto watch = std::make_unique<HealthWatch>(server.address());
  if (const Health first = watch->Next(); first != Health::kServing) {
    return ::testing::AssertionFailure() << "health before the signal: " << static_cast<int>(first);
  }
  if (!server.process().Signal(signal_number)) {
    return ::testing::AssertionFailure() << "the server had already exited";
  }
  if (const Health next = watch->Next(); next != Health::kNotServing) {
    return ::testing::AssertionFailure() << "health after the signal: " << static_cast<int>(next);
  }
  // The watch is closed here: an open stream would be drained until the deadline.
  return ::testing::AssertionSuccess();
}

// Waits until the server's log contains `text`.
bool AwaitLog(RunningServer& server, const std::string& text) {
  const auto give_up = std::chrono::steady_clock::now() + kPatience;
  while (server.Log().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

constexpr char kModelLoadedLine[] = "spamguard-server: model: ";

size_t Occurrences(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

std::string WriteConfig(const TempDir& dir, const std::string& text) {
  const std::string path = dir.File("server.yaml");
  std::ofstream(path) << text;
  return path;
}

// A check, a report and an admin call, each answered as before the signal.
void ExpectEveryServiceAnswers(RunningServer& server) {
  CheckCommentResponse response;
  const grpc::Status checked =
      server.filter().CheckComment(Context().get(), CommentRequest(kSeedSpamPhone), &response);
  ASSERT_TRUE(checked.ok()) << checked.error_message();
  EXPECT_THAT(response.verdict(),
              AnyOf(spamguard::v1::VERDICT_SPAM, spamguard::v1::VERDICT_DISCARD));
  EXPECT_FALSE(response.check_id().empty());

  spamguard::v1::SubmitFeedbackRequest report;
  report.set_site_id("test-blog");
  report.set_check_id(response.check_id());
  report.set_label(spamguard::v1::LABEL_SPAM);
  spamguard::v1::SubmitFeedbackResponse reported;
  const grpc::Status submitted = server.filter().SubmitFeedback(Context().get(), report, &reported);
  ASSERT_TRUE(submitted.ok()) << submitted.error_message();
  EXPECT_FALSE(reported.feedback_id().empty());

  spamguard::v1::GetStatusResponse status;
  const grpc::Status got = server.admin().GetStatus(Context().get(), {}, &status);
  ASSERT_TRUE(got.ok()) << got.error_message();
  EXPECT_EQ(status.model_version(), response.model_version());
}

TEST(ShutdownGraceTest, InTheGraceHealthIsNotServingAndChecksFeedbackAndAdminAreServed) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  RunningServer server(dir.path(), {kGraceFlag, kLongGraceSeconds});
  ASSERT_TRUE(server.started()) << server.Log();
  ASSERT_TRUE(SignalAndAwaitNotServing(server, SIGTERM)) << server.Log();
  EXPECT_EQ(CheckHealth(server.address()), Health::kNotServing);
  ExpectEveryServiceAnswers(server);
  EXPECT_EQ(CheckHealth(server.address()), Health::kNotServing);
  server.process().Signal(SIGTERM);
  EXPECT_EQ(server.process().WaitForExit(kPatience), 0) << server.Log();
}

TEST(ShutdownGraceTest, TheConfigFileSetsTheGrace) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  RunningServer server(
      dir.path(),
      {"--config", WriteConfig(dir, std::string("shutdown:\n  not_serving_grace_seconds: ") +
                                        kLongGraceSeconds + "\n")});
  ASSERT_TRUE(server.started()) << server.Log();
  ASSERT_TRUE(SignalAndAwaitNotServing(server, SIGTERM)) << server.Log();
  CheckCommentResponse response;
  EXPECT_TRUE(
      server.filter().CheckComment(Context().get(), CommentRequest(kSeedHam), &response).ok());
  server.process().Signal(SIGTERM);
  EXPECT_EQ(server.process().WaitForExit(kPatience), 0) << server.Log();
}

// Operators press Ctrl-C twice. The server exits long before the grace would have ended.
TEST(ShutdownGraceTest, ASecondSignalEndsTheGraceAndTheServerExitsZero) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  for (const int second : {SIGTERM, SIGINT}) {
    TempDir dir;
    RunningServer server(dir.path(), {kGraceFlag, kLongGraceSeconds});
    ASSERT_TRUE(server.started()) << server.Log();
    ASSERT_TRUE(SignalAndAwaitNotServing(server, SIGINT)) << server.Log();
    ASSERT_TRUE(server.process().Signal(second));
    EXPECT_EQ(server.process().WaitForExit(kPatience), 0) << server.Log();
    EXPECT_THAT(server.Log(), HasSubstr("grace ended early"));
  }
}

// A stream left open keeps the server draining, so that checks can arrive in the drain: on
// the open stream (refused by the service) and on a new connection (refused, the port is
// closed). (A call on an open connection racing with the start of the drain may instead be
// CANCELLED by gRPC, before the client has read that the server is going away.)
TEST(ShutdownGraceTest, WhenTheGraceIsOverNewChecksGetUnavailableAndTheServerExitsZero) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  RunningServer server(dir.path(), {kGraceFlag, "1"});
  ASSERT_TRUE(server.started()) << server.Log();
  auto stream_context = Context();
  auto stream = server.filter().CheckComments(stream_context.get());
  CheckCommentResponse response;
  ASSERT_TRUE(stream->Write(CommentRequest(kSeedHam)));
  ASSERT_TRUE(stream->Read(&response));

  ASSERT_TRUE(SignalAndAwaitNotServing(server, SIGTERM)) << server.Log();
  ASSERT_TRUE(AwaitLog(server, "draining")) << server.Log();
  EXPECT_THAT(server.Log(), HasSubstr("grace over"));

  const grpc::Status refused =
      SeparateFilterStub(server.address())
          ->CheckComment(Context().get(), CommentRequest(kSeedHam), &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();

  stream->Write(CommentRequest(kSeedHam));
  stream->WritesDone();
  const grpc::Status ended = stream->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE) << ended.error_message();
  EXPECT_THAT(ended.error_message(), HasSubstr("the server is shutting down"));
  EXPECT_EQ(server.process().WaitForExit(kPatience), 0) << server.Log();
}

// SIGHUP still reloads in the grace, and neither it nor Admin.ReloadModel (which answers
// once the new model serves) turns health back to SERVING.
TEST(ShutdownGraceTest, AReloadInTheGraceLeavesHealthNotServing) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  RunningServer server(dir.path(), {kGraceFlag, kLongGraceSeconds});
  ASSERT_TRUE(server.started()) << server.Log();
  ASSERT_TRUE(SignalAndAwaitNotServing(server, SIGTERM)) << server.Log();

  spamguard::v1::ReloadModelResponse reloaded;
  const grpc::Status reload = server.admin().ReloadModel(Context().get(), {}, &reloaded);
  ASSERT_TRUE(reload.ok()) << reload.error_message();
  EXPECT_EQ(CheckHealth(server.address()), Health::kNotServing);

  // Each load that succeeds logs the model it loaded.
  const size_t loads_before = Occurrences(server.Log(), kModelLoadedLine);
  ASSERT_TRUE(server.process().Signal(SIGHUP));
  const auto give_up = std::chrono::steady_clock::now() + kPatience;
  while (Occurrences(server.Log(), kModelLoadedLine) == loads_before &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GT(Occurrences(server.Log(), kModelLoadedLine), loads_before) << server.Log();
  EXPECT_EQ(CheckHealth(server.address()), Health::kNotServing);

  server.process().Signal(SIGTERM);
  EXPECT_EQ(server.process().WaitForExit(kPatience), 0) << server.Log();
}

// Loads are serialized and take a while each, so a backlog of ReloadModel calls would hold
// the drain for as long as it took to load them all, and a model would be swapped in while
// the server stops. When the drain begins, only the load already running finishes; every
// reload still queued never runs and gets UNAVAILABLE.
TEST(ShutdownDrainTest, ReloadsStillQueuedWhenTheDrainBeginsGetUnavailableAndNeverRun) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  RunningServer server(dir.path());
  ASSERT_TRUE(server.started()) << server.Log();
  const size_t loads_at_start = Occurrences(server.Log(), kModelLoadedLine);

  // Distinct spellings of the served file, so that the reloads do not join into one load.
  constexpr int kReloads = 30;
  std::vector<spamguard::v1::ReloadModelRequest> requests(kReloads);
  std::vector<spamguard::v1::ReloadModelResponse> responses(kReloads);
  std::vector<grpc::Status> statuses(kReloads);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::atomic<int> answered{0};
  for (int i = 0; i < kReloads; ++i) {
    std::string path = kDefaultModelStore + "/";
    for (int dots = 0; dots < i; ++dots) path += "./";
    requests[i].set_model_version(path + "current/model.spgm");
    contexts.push_back(Context());
    server.admin().async()->ReloadModel(contexts.back().get(), &requests[i], &responses[i],
                                        [&statuses, &answered, i](grpc::Status status) {
                                          statuses[i] = std::move(status);
                                          ++answered;
                                        });
  }
  // One reload has loaded: the calls, sent together, are all queued behind it.
  const auto give_up = std::chrono::steady_clock::now() + kPatience;
  while (Occurrences(server.Log(), kModelLoadedLine) == loads_at_start &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(server.process().Signal(SIGTERM));
  EXPECT_EQ(server.process().WaitForExit(kPatience), 0) << server.Log();
  while (answered < kReloads && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(answered.load(), kReloads);

  int loaded = 0;
  int refused = 0;
  for (int i = 0; i < kReloads; ++i) {
    if (statuses[i].ok()) {
      ++loaded;
      continue;
    }
    ++refused;
    EXPECT_EQ(statuses[i].error_code(), grpc::StatusCode::UNAVAILABLE)
        << i << ": " << statuses[i].error_message();
    EXPECT_EQ(statuses[i].error_message(), "the server is shutting down") << i;
  }
  // Each OK is a load that ran, and no refused reload ran: one load per OK in the log.
  EXPECT_EQ(Occurrences(server.Log(), kModelLoadedLine) - loads_at_start,
            static_cast<size_t>(loaded))
      << server.Log();
  // The reloads that finished before the signal, and the one running when it came.
  EXPECT_LE(loaded, 3) << server.Log();
  EXPECT_GE(refused, kReloads - 3);
}

// The file asks for a grace the flag turns off: one signal, and the server exits.
TEST(ShutdownGraceTest, TheGraceFlagWinsOverTheConfigFile) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  RunningServer server(dir.path(),
                       {"--config",
                        WriteConfig(dir, std::string("shutdown:\n  not_serving_grace_seconds: ") +
                                             kLongGraceSeconds + "\n"),
                        kGraceFlag, "0"});
  ASSERT_TRUE(server.started()) << server.Log();
  ASSERT_TRUE(SignalAndAwaitNotServing(server, SIGTERM)) << server.Log();
  EXPECT_EQ(server.process().WaitForExit(kPatience), 0) << server.Log();
  EXPECT_THAT(server.Log(), ::testing::Not(HasSubstr("still serving for a grace")));
}

TEST(ShutdownGraceTest, AGraceFlagThatIsNegativeNotANumberOrTooLargeIsRefusedAtStartNamingIt) {
  TempDir dir;
  const struct {
    const char* value;
    const char* what;
  } cases[] = {
      {"-1", "must be 0 or a positive number"},
      {"nan", "must be 0 or a positive number"},
      {"1e10", "is too large (the maximum is 1000000000)"},
      {"inf", "is too large (the maximum is 1000000000)"},
      {"soon", ""},
  };
  for (const auto& c : cases) {
    const RunResult result = RunProcess(
        SPAMGUARD_SERVER_BIN, {"--listen", "127.0.0.1:" + std::to_string(FreeLoopbackPort()),
                               "--data-dir", dir.path(), kGraceFlag, c.value});
    EXPECT_NE(result.exit_code, 0) << c.value;
    EXPECT_THAT(result.stderr_text, HasSubstr(kGraceFlag)) << c.value;
    EXPECT_THAT(result.stderr_text, HasSubstr(c.what)) << c.value;
  }
}

}  // namespace
}  // namespace spamguard::testing
