#include "server/request_validation.h"

#include <google/protobuf/util/time_util.h>

#include <cstdint>
#include <tuple>

namespace spamguard::server {
namespace {

Status CheckString(const std::string& field, std::string_view value, size_t limit) {
  if (value.size() > limit) {
    return Status::InvalidArgument(field + " is " + std::to_string(value.size()) +
                                   " bytes; the limit is " + std::to_string(limit));
  }
  size_t offset = 0;
  if (!IsValidUtf8(value, &offset)) {
    return Status::InvalidArgument(field + " is not valid UTF-8 (bad byte sequence at offset " +
                                   std::to_string(offset) + ")");
  }
  return Status::Ok();
}

}  // namespace

namespace {

// google.protobuf.Timestamp's own range (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z,
// nanos 0-999,999,999), as protobuf's TimeUtil states it. Inside it, milliseconds and their
// differences fit in int64; outside it, the rules' "post age" and "time to submit"
// arithmetic overflowed.
using google::protobuf::util::TimeUtil;

Status CheckTimestamp(const std::string& field, bool present,
                      const google::protobuf::Timestamp& timestamp) {
  if (!present) return Status::Ok();
  if (timestamp.seconds() < TimeUtil::kTimestampMinSeconds ||
      timestamp.seconds() > TimeUtil::kTimestampMaxSeconds || timestamp.nanos() < 0 ||
      timestamp.nanos() > 999'999'999) {
    return Status::InvalidArgument(
        field + " is not a valid timestamp (seconds " + std::to_string(timestamp.seconds()) +
        ", nanos " + std::to_string(timestamp.nanos()) +
        "): it must lie between 0001-01-01 and 9999-12-31 UTC with nanos in 0..999999999");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateCheckRequest(const spamguard::v1::CheckCommentRequest& request,
                            const RequestLimits& limits, const std::string& prefix) {
  const spamguard::v1::Comment& comment = request.comment();
  if (comment.content().empty()) {
    return Status::InvalidArgument(prefix + "comment.content is required and must not be empty");
  }
  const std::pair<const char*, const std::string*> strings[] = {
      {"site_id", &request.site_id()},
      {"comment.author_name", &comment.author_name()},
      {"comment.author_email", &comment.author_email()},
      {"comment.author_url", &comment.author_url()},
      {"comment.language", &comment.language()},
      {"client.ip", &request.client().ip()},
      {"client.user_agent", &request.client().user_agent()},
      {"client.referrer", &request.client().referrer()},
      {"post.permalink", &request.post().permalink()},
      {"post.title", &request.post().title()},
      {"honeypot_value", &request.honeypot_value()},
      {"user_role", &request.user_role()},
      {"recheck_reason", &request.recheck_reason()},
      {"request_id", &request.request_id()},
  };
  if (Status s =
          CheckString(prefix + "comment.content", comment.content(), limits.max_content_bytes);
      !s.ok()) {
    return s;
  }
  for (const auto& [name, value] : strings) {
    if (Status s = CheckString(prefix + name, *value, limits.max_string_bytes); !s.ok()) return s;
  }
  const auto& tags = request.post().tags();
  if (static_cast<size_t>(tags.size()) > limits.max_tags) {
    return Status::InvalidArgument(prefix + "post.tags has " + std::to_string(tags.size()) +
                                   " entries; the limit is " + std::to_string(limits.max_tags));
  }
  for (int i = 0; i < tags.size(); ++i) {
    if (Status s = CheckString(prefix + "post.tags[" + std::to_string(i) + "]", tags[i],
                               limits.max_string_bytes);
        !s.ok()) {
      return s;
    }
  }
  const std::tuple<const char*, bool, const google::protobuf::Timestamp*> timestamps[] = {
      {"comment.created_at", comment.has_created_at(), &comment.created_at()},
      {"post.published_at", request.post().has_published_at(), &request.post().published_at()},
      {"post.modified_at", request.post().has_modified_at(), &request.post().modified_at()},
      {"form_rendered_at", request.has_form_rendered_at(), &request.form_rendered_at()},
  };
  for (const auto& [name, present, timestamp] : timestamps) {
    if (Status s = CheckTimestamp(prefix + name, present, *timestamp); !s.ok()) return s;
  }
  return Status::Ok();
}

Status ValidateFeedbackRequest(const spamguard::v1::SubmitFeedbackRequest& request,
                               const RequestLimits& limits) {
  if (request.label() != spamguard::v1::LABEL_SPAM && request.label() != spamguard::v1::LABEL_HAM) {
    return Status::InvalidArgument("label is required: LABEL_SPAM or LABEL_HAM");
  }
  const std::pair<const char*, const std::string*> strings[] = {
      {"site_id", &request.site_id()},
      {"check_id", &request.check_id()},
      {"reporter", &request.reporter()},
  };
  for (const auto& [name, value] : strings) {
    if (Status s = CheckString(name, *value, limits.max_string_bytes); !s.ok()) return s;
  }
  if (request.check_id().empty() && !request.has_comment()) {
    return Status::InvalidArgument("check_id or comment is required");
  }
  if (request.has_comment()) return ValidateCheckRequest(request.comment(), limits, "comment.");
  return Status::Ok();
}

Status ValidateReloadRequest(const spamguard::v1::ReloadModelRequest& request,
                             const RequestLimits& limits) {
  return CheckString("model_version", request.model_version(), limits.max_string_bytes);
}

}  // namespace spamguard::server
