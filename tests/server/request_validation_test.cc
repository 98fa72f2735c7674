// Request validation and the wire-level UTF-8 locator, without a server.
#include "server/request_validation.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "server/message_codec.h"

namespace spamguard::server {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x98\x80"));
  EXPECT_TRUE(IsValidUtf8(""));
}

TEST(Utf8Test, RejectsMalformedSequencesAtTheirOffset) {
  size_t offset = 0;
  EXPECT_FALSE(IsValidUtf8("ab\xC3\x28", &offset));
  EXPECT_EQ(offset, 2u);
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x80"));          // truncated
}

TEST(ValidateCheckRequestTest, NamesTheTagAndTheLimitWhenThereAreTooManyTags) {
  spamguard::v1::CheckCommentRequest request;
  request.mutable_comment()->set_content("hello");
  for (int i = 0; i < 65; ++i) request.mutable_post()->add_tags("t");
  const Status status = ValidateCheckRequest(request, RequestLimits{});
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(status.message(), "post.tags has 65 entries; the limit is 64");
}

TEST(ValidateCheckRequestTest, RefusesTimestampsOutsideTheTimestampRangeNamingTheField) {
  spamguard::v1::CheckCommentRequest request;
  request.mutable_comment()->set_content("hello");
  request.mutable_post()->mutable_published_at()->set_seconds(INT64_MAX);
  Status status = ValidateCheckRequest(request, RequestLimits{});
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(status.message().rfind("post.published_at is not a valid timestamp", 0), 0u)
      << status.message();

  request.mutable_post()->clear_published_at();
  request.mutable_comment()->mutable_created_at()->set_seconds(INT64_MIN);
  status = ValidateCheckRequest(request, RequestLimits{});
  EXPECT_NE(status.message().find("comment.created_at"), std::string::npos) << status.message();

  request.mutable_comment()->mutable_created_at()->set_seconds(1'700'000'000);
  request.mutable_form_rendered_at()->set_nanos(2'000'000'000);
  status = ValidateCheckRequest(request, RequestLimits{});
  EXPECT_NE(status.message().find("form_rendered_at"), std::string::npos) << status.message();

  request.mutable_form_rendered_at()->set_nanos(-1);
  EXPECT_FALSE(ValidateCheckRequest(request, RequestLimits{}).ok());
}

TEST(ValidateCheckRequestTest, AcceptsTheFirstAndLastSecondsATimestampCanHold) {
  spamguard::v1::CheckCommentRequest request;
  request.mutable_comment()->set_content("hello");
  request.mutable_post()->mutable_published_at()->set_seconds(-62'135'596'800);  // 0001-01-01
  request.mutable_post()->mutable_modified_at()->set_seconds(253'402'300'799);   // 9999-12-31
  request.mutable_post()->mutable_modified_at()->set_nanos(999'999'999);
  request.mutable_form_rendered_at()->set_seconds(0);
  EXPECT_TRUE(ValidateCheckRequest(request, RequestLimits{}).ok());
  request.mutable_post()->mutable_modified_at()->set_seconds(253'402'300'800);
  EXPECT_FALSE(ValidateCheckRequest(request, RequestLimits{}).ok());
}

TEST(ValidateFeedbackRequestTest, PrefixesFieldsOfTheEmbeddedComment) {
  spamguard::v1::SubmitFeedbackRequest request;
  request.set_label(spamguard::v1::LABEL_SPAM);
  request.mutable_comment()->mutable_comment()->set_content("");
  const Status status = ValidateFeedbackRequest(request, RequestLimits{});
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(status.message().find("comment.comment.content"), std::string::npos);
}

TEST(ValidateFeedbackRequestTest, RequiresACheckIdOrAComment) {
  spamguard::v1::SubmitFeedbackRequest request;
  request.set_label(spamguard::v1::LABEL_HAM);
  EXPECT_EQ(ValidateFeedbackRequest(request, RequestLimits{}).message(),
            "check_id or comment is required");
}

TEST(FindInvalidUtf8FieldTest, NamesNestedAndRepeatedFields) {
  spamguard::v1::CheckCommentRequest request;
  request.mutable_comment()->set_content("fine");
  request.mutable_client()->set_user_agent("bad \xFF");
  EXPECT_EQ(FindInvalidUtf8Field(request.SerializeAsString(), request.GetDescriptor()),
            "client.user_agent");
  request.mutable_client()->set_user_agent("ok");
  request.mutable_post()->add_tags("a");
  request.mutable_post()->add_tags("\xC3");
  EXPECT_EQ(FindInvalidUtf8Field(request.SerializeAsString(), request.GetDescriptor()),
            "post.tags[1]");
}

}  // namespace
}  // namespace spamguard::server
