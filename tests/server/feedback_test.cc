// CommentFilter.SubmitFeedback against the real server binary: durability across a restart
// and a kill -9, duplicates, errors, is_test, and `spamguardctl feedback` reading the store.
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "server/feedback_store.h"
#include "tests/server/server_harness.h"

namespace spamguard::testing {
namespace {

using spamguard::v1::SubmitFeedbackRequest;
using spamguard::v1::SubmitFeedbackResponse;
using ::testing::HasSubstr;

std::string CheckId(RunningServer& server, const std::string& content) {
  spamguard::v1::CheckCommentResponse response;
  const grpc::Status status =
      server.filter().CheckComment(Context().get(), CommentRequest(content), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.check_id();
}

grpc::Status Submit(RunningServer& server, const SubmitFeedbackRequest& request,
                    SubmitFeedbackResponse* response) {
  return server.filter().SubmitFeedback(Context().get(), request, response);
}

SubmitFeedbackRequest ReportOnCheck(const std::string& check_id, spamguard::v1::Label label) {
  SubmitFeedbackRequest request;
  request.set_site_id("test-blog");
  request.set_check_id(check_id);
  request.set_label(label);
  request.set_reporter("moderator-1");
  return request;
}

SubmitFeedbackRequest ReportWithComment(const std::string& content, spamguard::v1::Label label) {
  SubmitFeedbackRequest request;
  request.set_site_id("test-blog");
  *request.mutable_comment() = CommentRequest(content);
  request.set_label(label);
  request.set_reporter("moderator-2");
  return request;
}

// feedback_id -> report, read through the C++ API the CLI uses.
std::map<std::string, server::FeedbackReport> StoredReports(const std::string& data_dir) {
  std::map<std::string, server::FeedbackReport> reports;
  auto reader = server::FeedbackReader::Open(data_dir);
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  if (!reader.ok()) return reports;
  const Status status = (*reader)->ForEach({}, [&](const server::FeedbackReport& report) {
    reports[report.feedback_id] = report;
    return true;
  });
  EXPECT_TRUE(status.ok()) << status.message();
  return reports;
}

class FeedbackTest : public ::testing::Test {
 protected:
  void SetUp() override { SPAMGUARD_REQUIRE_DEFAULT_MODEL(); }
  TempDir data_dir_;
};

TEST_F(FeedbackTest, ReportOnACheckIsStoredWithTheCheckedComment) {
  RunningServer server(data_dir_.path());
  ASSERT_TRUE(server.started()) << server.Log();
  const std::string check_id = CheckId(server, kSeedSpamPhone);
  SubmitFeedbackResponse response;
  ASSERT_TRUE(Submit(server, ReportOnCheck(check_id, spamguard::v1::LABEL_SPAM), &response).ok());
  EXPECT_FALSE(response.duplicate());
  const auto reports = StoredReports(data_dir_.path());
  ASSERT_EQ(reports.count(response.feedback_id()), 1u);
  const server::FeedbackReport& report = reports.at(response.feedback_id());
  EXPECT_EQ(report.check_id, check_id);
  EXPECT_EQ(report.label, server::FeedbackLabel::kSpam);
  EXPECT_EQ(report.reporter, "moderator-1");
  EXPECT_EQ(report.site_id, "test-blog");
  EXPECT_EQ(report.request.comment().content(), kSeedSpamPhone);
}

TEST_F(FeedbackTest, ReportSurvivesARestart) {
  std::string feedback_id;
  {
    RunningServer server(data_dir_.path());
    ASSERT_TRUE(server.started()) << server.Log();
    SubmitFeedbackResponse response;
    ASSERT_TRUE(
        Submit(server, ReportWithComment(kSeedHam, spamguard::v1::LABEL_HAM), &response).ok());
    feedback_id = response.feedback_id();
    server.process().Signal(SIGTERM);
    ASSERT_EQ(server.process().WaitForExit(), 0);
  }
  RunningServer restarted(data_dir_.path());
  ASSERT_TRUE(restarted.started()) << restarted.Log();
  spamguard::v1::GetStatusResponse status;
  ASSERT_TRUE(restarted.admin().GetStatus(Context().get(), {}, &status).ok());
  EXPECT_EQ(status.feedback_ham(), 1u);
  SubmitFeedbackResponse again;
  ASSERT_TRUE(
      Submit(restarted, ReportWithComment(kSeedHam, spamguard::v1::LABEL_HAM), &again).ok());
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.feedback_id(), feedback_id);
}

TEST_F(FeedbackTest, AcknowledgedReportsSurviveKillNineRightAfterTheRpc) {
  std::set<std::string> acknowledged;
  {
    RunningServer server(data_dir_.path());
    ASSERT_TRUE(server.started()) << server.Log();
    for (int i = 0; i < 30; ++i) {
      SubmitFeedbackResponse response;
      ASSERT_TRUE(
          Submit(server,
                 ReportWithComment("report number " + std::to_string(i), spamguard::v1::LABEL_SPAM),
                 &response)
              .ok());
      acknowledged.insert(response.feedback_id());
    }
    ASSERT_TRUE(server.process().Signal(SIGKILL));
    ASSERT_EQ(server.process().WaitForExit(), 128 + SIGKILL);
  }
  const auto stored = StoredReports(data_dir_.path());
  for (const std::string& id : acknowledged) EXPECT_EQ(stored.count(id), 1u) << id;
}

TEST_F(FeedbackTest, SameCheckAndLabelTwiceIsOneRowAndADuplicate) {
  RunningServer server(data_dir_.path());
  ASSERT_TRUE(server.started()) << server.Log();
  const std::string check_id = CheckId(server, kSeedSpamNoPhone);
  SubmitFeedbackResponse first, second;
  ASSERT_TRUE(Submit(server, ReportOnCheck(check_id, spamguard::v1::LABEL_SPAM), &first).ok());
  ASSERT_TRUE(Submit(server, ReportOnCheck(check_id, spamguard::v1::LABEL_SPAM), &second).ok());
  EXPECT_FALSE(first.duplicate());
  EXPECT_TRUE(second.duplicate());
  EXPECT_EQ(second.feedback_id(), first.feedback_id());
  EXPECT_EQ(StoredReports(data_dir_.path()).size(), 1u);
}

TEST_F(FeedbackTest, OppositeLabelOnTheSameCheckIsANewReport) {
  RunningServer server(data_dir_.path());
  ASSERT_TRUE(server.started()) << server.Log();
  const std::string check_id = CheckId(server, kSeedHam);
  SubmitFeedbackResponse spam, ham;
  ASSERT_TRUE(Submit(server, ReportOnCheck(check_id, spamguard::v1::LABEL_SPAM), &spam).ok());
  ASSERT_TRUE(Submit(server, ReportOnCheck(check_id, spamguard::v1::LABEL_HAM), &ham).ok());
  EXPECT_FALSE(ham.duplicate());
  EXPECT_EQ(StoredReports(data_dir_.path()).size(), 2u);
}

TEST_F(FeedbackTest, SameContentAndLabelWithoutCheckIdIsADuplicate) {
  RunningServer server(data_dir_.path());
  ASSERT_TRUE(server.started()) << server.Log();
  SubmitFeedbackResponse first, second;
  ASSERT_TRUE(
      Submit(server, ReportWithComment("buy pills now", spamguard::v1::LABEL_SPAM), &first).ok());
  ASSERT_TRUE(
      Submit(server, ReportWithComment("buy pills now", spamguard::v1::LABEL_SPAM), &second).ok());
  EXPECT_TRUE(second.duplicate());
  EXPECT_EQ(StoredReports(data_dir_.path()).size(), 1u);
}

// Reports are never deleted and each keeps its whole request: without a cap a client could
// fill the disk. With feedback_store.max_megabytes: 1, reports of ~60 KB stop being stored
// within about 16, then each is refused as not stored, and what was acknowledged is all still
// there.
TEST_F(FeedbackTest, TheStoreStopsGrowingAtItsConfiguredCap) {
  TempDir config_dir;
  const std::string config = config_dir.File("server.yaml");
  // Check records get less than the file, as the config requires.
  std::ofstream(config) << "check_records:\n  max_megabytes: 0.5\n"
                           "feedback_store:\n  max_megabytes: 1\n";
  RunningServer server(data_dir_.path(), {"--config", config});
  ASSERT_TRUE(server.started()) << server.Log();
  int stored = 0;
  grpc::Status refused;
  for (int i = 0; i < 60 && refused.ok(); ++i) {
    SubmitFeedbackResponse response;
    const grpc::Status status =
        Submit(server,
               ReportWithComment(std::to_string(i) + " " + std::string(60'000, 'x'),
                                 spamguard::v1::LABEL_SPAM),
               &response);
    if (status.ok()) {
      ++stored;
    } else {
      refused = status;
    }
  }
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << "stored " << stored;
  EXPECT_THAT(refused.error_message(), HasSubstr("the report was not stored"));
  EXPECT_THAT(refused.error_message(), HasSubstr("feedback_store.max_megabytes"));
  EXPECT_GE(stored, 1);
  EXPECT_LE(stored, 17);
  EXPECT_EQ(StoredReports(data_dir_.path()).size(), static_cast<size_t>(stored));
}

TEST_F(FeedbackTest, UnknownCheckIdWithoutCommentIsNotFound) {
  RunningServer server(data_dir_.path());
  ASSERT_TRUE(server.started()) << server.Log();
  SubmitFeedbackResponse response;
  const grpc::Status status =
      Submit(server, ReportOnCheck("ck-0000000000000000", spamguard::v1::LABEL_SPAM), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("ck-0000000000000000"));
}

TEST_F(FeedbackTest, UnspecifiedLabelIsInvalidArgument) {
  RunningServer server(data_dir_.path());
  ASSERT_TRUE(server.started()) << server.Log();
  SubmitFeedbackResponse response;
  const grpc::Status status =
      Submit(server, ReportWithComment("whatever", spamguard::v1::LABEL_UNSPECIFIED), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("label"));
}

TEST_F(FeedbackTest, TestReportsStoreNothingAndCountNothing) {
  RunningServer server(data_dir_.path());
  ASSERT_TRUE(server.started()) << server.Log();
  SubmitFeedbackRequest request = ReportWithComment("a test comment", spamguard::v1::LABEL_SPAM);
  request.mutable_comment()->set_is_test(true);
  SubmitFeedbackResponse response;
  ASSERT_TRUE(Submit(server, request, &response).ok());
  EXPECT_TRUE(response.feedback_id().empty());
  spamguard::v1::GetStatusResponse status;
  ASSERT_TRUE(server.admin().GetStatus(Context().get(), {}, &status).ok());
  EXPECT_EQ(status.feedback_spam(), 0u);
  EXPECT_TRUE(StoredReports(data_dir_.path()).empty());
}

TEST_F(FeedbackTest, CliExportWritesOneTrainingRecordPerReport) {
  {
    RunningServer server(data_dir_.path());
    ASSERT_TRUE(server.started()) << server.Log();
    SubmitFeedbackResponse response;
    ASSERT_TRUE(
        Submit(server, ReportWithComment(kSeedSpamPhone, spamguard::v1::LABEL_SPAM), &response)
            .ok());
    SubmitFeedbackRequest other = ReportWithComment(kSeedHam, spamguard::v1::LABEL_HAM);
    other.set_site_id("other-blog");
    ASSERT_TRUE(Submit(server, other, &response).ok());
  }
  const RunResult all =
      RunProcess(SPAMGUARDCTL_BIN, {"feedback", "export", "--data-dir", data_dir_.path()});
  ASSERT_EQ(all.exit_code, 0) << all.stderr_text;
  std::istringstream lines(all.stdout_text);
  std::string line;
  std::vector<nlohmann::json> records;
  while (std::getline(lines, line)) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["content"], kSeedSpamPhone);
  EXPECT_EQ(records[0]["label"], "spam");
  EXPECT_EQ(records[1]["label"], "ham");

  const RunResult one_site =
      RunProcess(SPAMGUARDCTL_BIN,
                 {"feedback", "export", "--data-dir", data_dir_.path(), "--site", "other-blog"});
  ASSERT_EQ(one_site.exit_code, 0) << one_site.stderr_text;
  EXPECT_EQ(std::count(one_site.stdout_text.begin(), one_site.stdout_text.end(), '\n'), 1);
  EXPECT_THAT(one_site.stdout_text, HasSubstr("\"site_id\":\"other-blog\""));
}

// The review's repro: a report without a site_id on a site's check_id must not resolve it
// (it would tell anyone holding the id that the check exists, and store a report in that
// site's name).
TEST_F(FeedbackTest, AReportWithoutSiteIdDoesNotResolveASitesCheck) {
  RunningServer server(data_dir_.path());
  ASSERT_TRUE(server.started()) << server.Log();
  const std::string check_id = CheckId(server, kSeedHam);  // site "test-blog"
  SubmitFeedbackRequest request = ReportOnCheck(check_id, spamguard::v1::LABEL_HAM);
  request.clear_site_id();
  SubmitFeedbackResponse response;
  const grpc::Status status = Submit(server, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  EXPECT_TRUE(StoredReports(data_dir_.path()).empty());
}

// The review's repro: another site reporting the same content got duplicate=true and the
// first site's feedback_id, and its report was not stored.
TEST_F(FeedbackTest, SameContentFromAnotherSiteIsANewReport) {
  RunningServer server(data_dir_.path());
  ASSERT_TRUE(server.started()) << server.Log();
  SubmitFeedbackResponse first, second;
  ASSERT_TRUE(
      Submit(server, ReportWithComment("buy pills now", spamguard::v1::LABEL_SPAM), &first).ok());
  SubmitFeedbackRequest other = ReportWithComment("buy pills now", spamguard::v1::LABEL_SPAM);
  other.set_site_id("other-blog");
  ASSERT_TRUE(Submit(server, other, &second).ok());
  EXPECT_FALSE(second.duplicate());
  EXPECT_NE(second.feedback_id(), first.feedback_id());
  EXPECT_EQ(StoredReports(data_dir_.path()).size(), 2u);
}

}  // namespace
}  // namespace spamguard::testing
