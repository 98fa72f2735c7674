#include "server/comment_conversion.h"

#include <gtest/gtest.h>

namespace spamguard::server {
namespace {

TEST(CommentConversionTest, AResponseConvertsBackToTheAssessmentItWasFilledFrom) {
  Assessment sent;
  sent.verdict = Verdict::kSpam;
  sent.spam_probability = 0.97;
  sent.model_version = "20261126-012335-e0ccd3cb";
  sent.rules_version = "84a9130a62e8";
  sent.reasons.push_back(Reason{"phone-number",
                                "The comment contains a phone number.",
                                0.4,
                                {Span{177, 191}, Span{200, 214}}});
  sent.reasons.push_back(Reason{"model", "The text model rates the wording 92% spam.", 2.41, {}});
  spamguard::v1::CheckCommentResponse response;
  FillResponse(sent, &response);

  const std::optional<Assessment> received = ToAssessment(response);
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->verdict, Verdict::kSpam);
  EXPECT_DOUBLE_EQ(received->spam_probability, 0.97);
  EXPECT_EQ(received->model_version, sent.model_version);
  EXPECT_EQ(received->rules_version, sent.rules_version);
  ASSERT_EQ(received->reasons.size(), 2u);
  EXPECT_EQ(received->reasons[0].code, "phone-number");
  EXPECT_EQ(received->reasons[0].description, sent.reasons[0].description);
  EXPECT_DOUBLE_EQ(received->reasons[0].score, 0.4);
  EXPECT_EQ(received->reasons[0].spans, sent.reasons[0].spans);
  EXPECT_TRUE(received->reasons[1].spans.empty());
}

TEST(CommentConversionTest, EveryVerdictSurvivesTheRoundTrip) {
  for (Verdict verdict : {Verdict::kHam, Verdict::kHold, Verdict::kSpam, Verdict::kDiscard}) {
    spamguard::v1::CheckCommentResponse response;
    response.set_verdict(ToProto(verdict));
    const std::optional<Assessment> received = ToAssessment(response);
    ASSERT_TRUE(received.has_value());
    EXPECT_EQ(received->verdict, verdict);
  }
}

TEST(CommentConversionTest, AResponseWithoutAVerdictIsNotAnAssessment) {
  spamguard::v1::CheckCommentResponse response;
  EXPECT_FALSE(ToAssessment(response).has_value());
  response.set_verdict(static_cast<spamguard::v1::Verdict>(42));  // from a newer server
  EXPECT_FALSE(ToAssessment(response).has_value());
}

}  // namespace
}  // namespace spamguard::server
