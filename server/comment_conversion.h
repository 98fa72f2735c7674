// Conversions between the wire types of spamguard.v1 and the model library's plain types.
// Pure functions; safe from any thread.
#ifndef SPAMGUARD_SERVER_COMMENT_CONVERSION_H_
#define SPAMGUARD_SERVER_COMMENT_CONVERSION_H_

#include <cstdint>
#include <optional>

#include "model/assessment.h"
#include "model/comment.h"
#include "spamguard/v1/spamguard.pb.h"

namespace spamguard::server {

// The model library's view of a request. Does not validate (the server validates first);
// unset timestamps stay unset; recheck_reason becomes is_recheck.
Comment ToComment(const spamguard::v1::CheckCommentRequest& request);

// Unix milliseconds of a timestamp field, or nullopt when the field is unset.
std::optional<int64_t> ToUnixMs(bool has_field, const google::protobuf::Timestamp& timestamp);
void SetUnixMs(int64_t unix_ms, google::protobuf::Timestamp* timestamp);

spamguard::v1::Verdict ToProto(Verdict verdict);

// Fills verdict, probability, reasons and versions; leaves check_id and request_id alone.
void FillResponse(const Assessment& assessment, spamguard::v1::CheckCommentResponse* response);

// The inverse of FillResponse, for clients; nullopt when the response carries no verdict
// (VERDICT_UNSPECIFIED or a value this build does not know).
std::optional<Assessment> ToAssessment(const spamguard::v1::CheckCommentResponse& response);

}  // namespace spamguard::server

#endif  // SPAMGUARD_SERVER_COMMENT_CONVERSION_H_
