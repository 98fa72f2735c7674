// Admin.GetStatus over an in-process gRPC server, with the service's parts built here, so
// that a test can arrange what they report (the real binary is exercised by
// tests/cli/ops_cli_test.cc).
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "server/admin_service.h"
#include "server/comment_filter_service.h"
#include "server/feedback_store.h"
#include "server/serving_classifier.h"
#include "tests/support/test_process.h"

namespace spamguard::server {
namespace {

// An AdminService over the given store, served in-process; no model is loaded.
class InProcessAdmin {
 public:
  explicit InProcessAdmin(FeedbackStore* store, std::chrono::steady_clock::time_point started_at =
                                                    std::chrono::steady_clock::now())
      : classifier_(nullptr, nullptr, "/nonexistent-model", "/nonexistent-rules.yaml", nullptr),
        filter_(&classifier_, store, RequestLimits{}, 1),
        admin_(&classifier_, &filter_, store, started_at, /*allow_remote=*/true) {
    grpc::ServerBuilder builder;
    builder.RegisterService(&admin_);
    server_ = builder.BuildAndStart();
    stub_ = spamguard::v1::Admin::NewStub(server_->InProcessChannel({}));
  }
  ~InProcessAdmin() { server_->Shutdown(); }

  spamguard::v1::Admin::Stub& stub() { return *stub_; }

 private:
  ServingClassifier classifier_;
  CommentFilterService filter_;
  AdminService admin_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<spamguard::v1::Admin::Stub> stub_;
};

TEST(AdminStatusTest, ReportsTheCheckRecordsTheFeedbackStoreDropped) {
  testing::TempDir dir;
  FeedbackStoreOptions options;
  options.data_dir = dir.path();
  options.check_max_pending_bytes = 1024;
  auto store = FeedbackStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().message();
  spamguard::v1::CheckCommentRequest request;
  request.mutable_comment()->set_content(std::string(2048, 'x'));  // larger than the bound
  for (int i = 0; i < 3; ++i) (*store)->RecordCheck("ck-" + std::to_string(i), 0, request);
  ASSERT_EQ((*store)->dropped_check_records(), 3u);

  InProcessAdmin admin(store->get());
  grpc::ClientContext context;
  spamguard::v1::GetStatusResponse status;
  const grpc::Status call = admin.stub().GetStatus(&context, {}, &status);
  ASSERT_TRUE(call.ok()) << call.error_message();
  EXPECT_EQ(status.check_records_dropped(), 3u);
}

// Uptime is an interval on the steady clock, which a wall-clock step (NTP, an operator's
// `date -s`) does not move: it never goes backwards or wraps to a huge number.
TEST(AdminStatusTest, UptimeCountsSteadyClockSecondsSinceTheStart) {
  testing::TempDir dir;
  FeedbackStoreOptions options;
  options.data_dir = dir.path();
  auto store = FeedbackStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().message();
  InProcessAdmin admin(store->get(), std::chrono::steady_clock::now() - std::chrono::seconds(90));
  grpc::ClientContext context;
  spamguard::v1::GetStatusResponse status;
  const grpc::Status call = admin.stub().GetStatus(&context, {}, &status);
  ASSERT_TRUE(call.ok()) << call.error_message();
  EXPECT_GE(status.uptime_seconds(), 90u);
  EXPECT_LE(status.uptime_seconds(), 95u);
}

}  // namespace
}  // namespace spamguard::server
