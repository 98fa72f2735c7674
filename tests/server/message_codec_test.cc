// ParseMessage, without a server: what the CommentFilter handlers get back for the bytes
// gRPC hands them.
#include "server/message_codec.h"

#include <gmock/gmock.h>
#include <grpcpp/support/slice.h>
#include <gtest/gtest.h>

#include "spamguard/v1/spamguard.pb.h"

namespace spamguard::server {
namespace {

using ::testing::HasSubstr;

grpc::ByteBuffer BufferOf(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// gRPC hands the handler a buffer that is not Valid() when it could not read a message
// (a truncated or garbled frame); that is not an empty request.
TEST(ParseMessageTest, AnUnreadableMessageIsRefusedAsMissingOrTruncated) {
  const grpc::ByteBuffer unreadable;
  spamguard::v1::CheckCommentRequest request;
  const Status status = ParseMessage(unreadable, &request);
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("request message is missing, truncated or not a valid"))
      << status.message();
}

TEST(ParseMessageTest, AZeroLengthMessageIsTheEmptyRequest) {
  spamguard::v1::CheckCommentRequest request;
  request.set_request_id("left over");
  EXPECT_TRUE(ParseMessage(BufferOf(""), &request).ok());
  EXPECT_EQ(request.request_id(), "");
}

TEST(ParseMessageTest, BytesThatAreNotTheMessageAreRefusedNamingItsType) {
  spamguard::v1::CheckCommentRequest request;
  const Status status = ParseMessage(BufferOf("\xFF\xFF\xFF"), &request);
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("spamguard.v1.CheckCommentRequest")) << status.message();
}

}  // namespace
}  // namespace spamguard::server
