#include "model/status.h"

#include <gtest/gtest.h>

namespace spamguard {
namespace {

TEST(StatusTest, WithMessageKeepsTheCodeAndAnOkStatusStaysOk) {
  const Status not_found = Status::NotFound("no model version 'x'");
  const Status reworded = not_found.WithMessage("no model version 'x...' (9000 bytes)");
  EXPECT_EQ(reworded.code(), Status::Code::kNotFound);
  EXPECT_EQ(reworded.message(), "no model version 'x...' (9000 bytes)");
  EXPECT_EQ(Status::FailedPrecondition("a").WithMessage("b").code(),
            Status::Code::kFailedPrecondition);
  EXPECT_TRUE(Status::Ok().WithMessage("ignored").ok());
  EXPECT_EQ(Status::Ok().WithMessage("ignored").message(), "");
}

}  // namespace
}  // namespace spamguard
