// Request validation: the checks every CheckComment / SubmitFeedback / ReloadModel request
// passes before it reaches the model library. A failure is kInvalidArgument whose message
// names the field (by its path in the request, e.g. "comment.content") and the limit that was
// broken.
//
// Pure functions; safe from any thread.
#ifndef SPAMGUARD_SERVER_REQUEST_VALIDATION_H_
#define SPAMGUARD_SERVER_REQUEST_VALIDATION_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "model/status.h"
#include "model/utf8.h"
#include "spamguard/v1/spamguard.pb.h"

namespace spamguard::server {

// Limits from the server config (`limits:` in the config file).
struct RequestLimits {
  size_t max_content_bytes = 64 * 1024;   // comment.content
  size_t max_string_bytes = 2 * 1024;     // every other string field
  size_t max_tags = 64;                   // post.tags entries
  size_t max_message_bytes = 256 * 1024;  // enforced by gRPC on the whole message
};

// Content required and non-empty; every string valid UTF-8 and within its limit; tags
// within max_tags. prefix is prepended to field names ("comment." inside SubmitFeedback).
Status ValidateCheckRequest(const spamguard::v1::CheckCommentRequest& request,
                            const RequestLimits& limits, const std::string& prefix = "");

// Label set; string limits; a check_id or a comment; the comment (when given) valid as a
// CheckCommentRequest.
Status ValidateFeedbackRequest(const spamguard::v1::SubmitFeedbackRequest& request,
                               const RequestLimits& limits);

// model_version within the string limit and valid UTF-8. The name is echoed in messages
// and logs (shortened, see ServingClassifier::LoadNow), and a 10 KB one once made gRPC
// refuse the error's own metadata: the client saw RESOURCE_EXHAUSTED.
Status ValidateReloadRequest(const spamguard::v1::ReloadModelRequest& request,
                             const RequestLimits& limits);

}  // namespace spamguard::server

#endif  // SPAMGUARD_SERVER_REQUEST_VALIDATION_H_
