// CommentFilter.CheckComment / CheckComments against the real server binary and the
// default model: verdicts on the seed comments, spans, ordering, validation, shutdown.
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include "tests/server/server_harness.h"

namespace spamguard::testing {
namespace {

using spamguard::v1::CheckCommentRequest;
using spamguard::v1::CheckCommentResponse;
using ::testing::AnyOf;
using ::testing::HasSubstr;

class CheckCommentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_dir_ = new TempDir();
    if (!DefaultModelFile().empty()) server_ = new RunningServer(data_dir_->path());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete data_dir_;
    server_ = nullptr;
    data_dir_ = nullptr;
  }
  void SetUp() override {
    SPAMGUARD_REQUIRE_DEFAULT_MODEL();
    ASSERT_TRUE(server_->started()) << server_->Log();
  }

  grpc::Status Check(const CheckCommentRequest& request, CheckCommentResponse* response) {
    return server_->filter().CheckComment(Context().get(), request, response);
  }

  static TempDir* data_dir_;
  static RunningServer* server_;
};
TempDir* CheckCommentTest::data_dir_ = nullptr;
RunningServer* CheckCommentTest::server_ = nullptr;

TEST_F(CheckCommentTest, SeedSpamWithPhoneIsSpamWithPhoneSpanOnTheNumber) {
  CheckCommentResponse response;
  const std::string content = kSeedSpamPhone;
  ASSERT_TRUE(Check(CommentRequest(content), &response).ok());
  EXPECT_THAT(response.verdict(),
              AnyOf(spamguard::v1::VERDICT_SPAM, spamguard::v1::VERDICT_DISCARD));
  const size_t number_at = content.find("+91 9829286600");
  bool found = false;
  for (const auto& reason : response.reasons()) {
    if (reason.code() != "phone-number") continue;
    found = true;
    ASSERT_EQ(reason.spans_size(), 1);
    EXPECT_EQ(reason.spans(0).begin(), number_at);
    EXPECT_EQ(reason.spans(0).end(), number_at + std::string("+91 9829286600").size());
  }
  EXPECT_TRUE(found) << response.DebugString();
}

// gRPC turns SO_REUSEPORT on by default; with it, a second server on the same port started
// and silently shared the first one's traffic.
TEST(ServerStartTest, ASecondServerOnAPortAlreadyServedFailsToStart) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir first_dir;
  RunningServer first(first_dir.path());
  ASSERT_TRUE(first.started()) << first.Log();
  TempDir second_dir;
  const RunResult second = RunProcess(SPAMGUARD_SERVER_BIN,
                                      {"--listen", first.address(), "--model", kDefaultModelStore,
                                       "--rules", kDefaultRules, "--data-dir", second_dir.path()},
                                      std::chrono::seconds(60));
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.stderr_text, HasSubstr("cannot listen on " + first.address()));
}

// gRPC reads a port above 65535 as "any free port"; the server then logged the port it had
// been given, not the one it was on.
TEST(ServerStartTest, APortOutOfRangeIsRefused) {
  TempDir dir;
  const RunResult result = RunProcess(SPAMGUARD_SERVER_BIN,
                                      {"--listen", "127.0.0.1:99999", "--model", kDefaultModelStore,
                                       "--rules", kDefaultRules, "--data-dir", dir.path()},
                                      std::chrono::seconds(60));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.stderr_text,
              HasSubstr("cannot listen on 127.0.0.1:99999: not HOST:PORT with a port from 0 to "
                        "65535"));
}

TEST(ServerStartTest, PortZeroLogsThePortActuallyBound) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir dir;
  TestProcess server(SPAMGUARD_SERVER_BIN,
                     {"--listen", "127.0.0.1:0", "--model", kDefaultModelStore, "--rules",
                      kDefaultRules, "--data-dir", dir.path()});
  const std::regex bound("listening on 127\\.0\\.0\\.1:([0-9]+) ");
  std::smatch match;
  std::string log;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!std::regex_search(log = server.Stderr(), match, bound) && server.Running() &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(match.size() == 2) << log;
  const int port = std::stoi(match[1].str());
  EXPECT_GT(port, 0) << log;
  EXPECT_TRUE(server.WaitUntilServing("127.0.0.1:" + std::to_string(port))) << log;
  server.Signal(SIGTERM);
  EXPECT_EQ(server.WaitForExit(), 0);
}

TEST_F(CheckCommentTest, SeedSpamWithoutPhoneIsSpam) {
  CheckCommentResponse response;
  ASSERT_TRUE(Check(CommentRequest(kSeedSpamNoPhone), &response).ok());
  EXPECT_THAT(response.verdict(),
              AnyOf(spamguard::v1::VERDICT_SPAM, spamguard::v1::VERDICT_DISCARD))
      << response.DebugString();
}

TEST_F(CheckCommentTest, SeedHamIsHam) {
  CheckCommentResponse response;
  ASSERT_TRUE(Check(CommentRequest(kSeedHam), &response).ok());
  EXPECT_EQ(response.verdict(), spamguard::v1::VERDICT_HAM) << response.DebugString();
}

TEST_F(CheckCommentTest, ResponseEchoesRequestIdAndNamesCheckAndVersions) {
  CheckCommentRequest request = CommentRequest(kSeedHam);
  request.set_request_id("req-42");
  CheckCommentResponse response;
  ASSERT_TRUE(Check(request, &response).ok());
  EXPECT_EQ(response.request_id(), "req-42");
  EXPECT_FALSE(response.check_id().empty());
  EXPECT_FALSE(response.model_version().empty());
  EXPECT_FALSE(response.rules_version().empty());
  EXPECT_GE(response.spam_probability(), 0.0);
  EXPECT_LE(response.spam_probability(), 1.0);
}

TEST_F(CheckCommentTest, StreamAnswersEveryRequestInOrder) {
  auto context = Context();
  auto stream = server_->filter().CheckComments(context.get());
  const int kRequests = 40;
  for (int i = 0; i < kRequests; ++i) {
    CheckCommentRequest request = CommentRequest(
        i % 2 == 0 ? kSeedHam : kSeedSpamPhone + std::string(" #") + std::to_string(i));
    request.set_request_id("r" + std::to_string(i));
    ASSERT_TRUE(stream->Write(request));
  }
  stream->WritesDone();
  CheckCommentResponse response;
  int received = 0;
  while (stream->Read(&response)) {
    EXPECT_EQ(response.request_id(), "r" + std::to_string(received));
    ++received;
  }
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(received, kRequests);
}

TEST_F(CheckCommentTest, EmptyContentIsInvalidArgumentNamingTheField) {
  CheckCommentResponse response;
  const grpc::Status status = Check(CommentRequest(""), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("comment.content"));
}

TEST_F(CheckCommentTest, OverLimitContentIsInvalidArgumentNamingFieldAndLimit) {
  CheckCommentResponse response;
  const grpc::Status status = Check(CommentRequest(std::string(70000, 'a')), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "comment.content is 70000 bytes; the limit is 65536");
}

TEST_F(CheckCommentTest, OverLimitAuthorNameIsInvalidArgumentNamingFieldAndLimit) {
  CheckCommentRequest request = CommentRequest(kSeedHam);
  request.mutable_comment()->set_author_name(std::string(3000, 'x'));
  CheckCommentResponse response;
  const grpc::Status status = Check(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "comment.author_name is 3000 bytes; the limit is 2048");
}

TEST_F(CheckCommentTest, InvalidUtf8ContentIsInvalidArgumentNamingTheField) {
  CheckCommentResponse response;
  const grpc::Status status = Check(CommentRequest("caf\xC3\x28 ok"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("comment.content is not valid UTF-8"));
}

TEST_F(CheckCommentTest, InvalidUtf8InATagIsInvalidArgumentNamingTheTag) {
  CheckCommentRequest request = CommentRequest(kSeedHam);
  request.mutable_post()->add_tags("fine");
  request.mutable_post()->add_tags("\xFF\xFE");
  CheckCommentResponse response;
  const grpc::Status status = Check(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("post.tags[1] is not valid UTF-8"));
}

TEST_F(CheckCommentTest, TestRequestsGetNoCheckIdAndAreNotCounted) {
  spamguard::v1::GetStatusResponse before;
  ASSERT_TRUE(server_->admin().GetStatus(Context().get(), {}, &before).ok());
  CheckCommentRequest request = CommentRequest(kSeedHam);
  request.set_is_test(true);
  CheckCommentResponse response;
  ASSERT_TRUE(Check(request, &response).ok());
  EXPECT_TRUE(response.check_id().empty());
  EXPECT_EQ(response.verdict(), spamguard::v1::VERDICT_HAM);
  spamguard::v1::GetStatusResponse after;
  ASSERT_TRUE(server_->admin().GetStatus(Context().get(), {}, &after).ok());
  EXPECT_EQ(after.checks_ham(), before.checks_ham());
}

TEST_F(CheckCommentTest, StatusCountsChecksByVerdictAndNamesTheModel) {
  spamguard::v1::GetStatusResponse before;
  ASSERT_TRUE(server_->admin().GetStatus(Context().get(), {}, &before).ok());
  CheckCommentResponse response;
  ASSERT_TRUE(Check(CommentRequest(kSeedHam), &response).ok());
  spamguard::v1::GetStatusResponse after;
  ASSERT_TRUE(server_->admin().GetStatus(Context().get(), {}, &after).ok());
  EXPECT_EQ(after.checks_ham(), before.checks_ham() + 1);
  EXPECT_EQ(after.model_version(), response.model_version());
  EXPECT_EQ(after.rules_version(), response.rules_version());
  EXPECT_GT(after.rules_active(), 0u);
  EXPECT_FALSE(after.model_path().empty());
}

// Its own server: it stops it.
TEST(ServerShutdownTest, SigtermTurnsHealthNotServingAndExitsZero) {
  SPAMGUARD_REQUIRE_DEFAULT_MODEL();
  TempDir data_dir;
  RunningServer server(data_dir.path());
  ASSERT_TRUE(server.started()) << server.Log();
  auto watch = std::make_unique<HealthWatch>(server.address());
  ASSERT_EQ(watch->Next(), Health::kServing);
  ASSERT_TRUE(server.process().Signal(SIGTERM));
  EXPECT_EQ(watch->Next(), Health::kNotServing);
  watch.reset();  // an open watch would otherwise be drained until the deadline
  EXPECT_EQ(server.process().WaitForExit(), 0) << server.Log();
}

}  // namespace
}  // namespace spamguard::testing
