// ReloadRefusal: how a failed ReloadModel load is answered (api.md's status codes).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/status.h"
#include "server/admin_service.h"

namespace spamguard::server {
namespace {

using ::testing::HasSubstr;

// api.md: UNAVAILABLE is "shutting down". A reload still queued when the server stops never
// runs, and the client may retry it against the next server.
TEST(ReloadRefusalTest, AReloadAbandonedAtShutdownIsUnavailable) {
  const grpc::Status status =
      ReloadRefusal(Status::Unavailable("the server is shutting down"), /*serving=*/true);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "the server is shutting down");
}

TEST(ReloadRefusalTest, AnUnknownVersionAndAMalformedNamePassThrough) {
  EXPECT_EQ(ReloadRefusal(Status::NotFound("no version v9"), true).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReloadRefusal(Status::InvalidArgument("bad name"), true).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(ReloadRefusalTest, AFileThatCannotBeServedIsFailedPreconditionSayingWhatStillServes) {
  const grpc::Status serving = ReloadRefusal(Status::Internal("bad magic"), /*serving=*/true);
  EXPECT_EQ(serving.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(serving.error_message(), HasSubstr("the previous model keeps serving: bad magic"));

  const grpc::Status nothing =
      ReloadRefusal(Status::FailedPrecondition("rules.yaml:3: bad"), /*serving=*/false);
  EXPECT_EQ(nothing.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(nothing.error_message(), HasSubstr("the server stays NOT_SERVING: rules.yaml:3"));
}

}  // namespace
}  // namespace spamguard::server
