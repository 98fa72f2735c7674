#include "server/comment_conversion.h"

namespace spamguard::server {
namespace {

CommentKind ToKind(spamguard::v1::CommentType type) {
  switch (type) {
    case spamguard::v1::COMMENT_TYPE_REPLY:
      return CommentKind::kReply;
    case spamguard::v1::COMMENT_TYPE_TRACKBACK:
      return CommentKind::kTrackback;
    case spamguard::v1::COMMENT_TYPE_PINGBACK:
      return CommentKind::kPingback;
    case spamguard::v1::COMMENT_TYPE_FORUM_POST:
      return CommentKind::kForumPost;
    case spamguard::v1::COMMENT_TYPE_CONTACT_FORM:
      return CommentKind::kContactForm;
    case spamguard::v1::COMMENT_TYPE_SIGNUP:
      return CommentKind::kSignup;
    case spamguard::v1::COMMENT_TYPE_MESSAGE:
      return CommentKind::kMessage;
    default:  // UNSPECIFIED, COMMENT and values from a newer client
      return CommentKind::kComment;
  }
}

}  // namespace

std::optional<int64_t> ToUnixMs(bool has_field, const google::protobuf::Timestamp& timestamp) {
  if (!has_field) return std::nullopt;
  return timestamp.seconds() * 1000 + timestamp.nanos() / 1'000'000;
}

void SetUnixMs(int64_t unix_ms, google::protobuf::Timestamp* timestamp) {
  int64_t seconds = unix_ms / 1000;
  int64_t millis = unix_ms % 1000;
  if (millis < 0) {  // Timestamp nanos must be non-negative
    millis += 1000;
    --seconds;
  }
  timestamp->set_seconds(seconds);
  timestamp->set_nanos(static_cast<int32_t>(millis * 1'000'000));
}

Comment ToComment(const spamguard::v1::CheckCommentRequest& request) {
  Comment comment;
  comment.site_id = request.site_id();
  const spamguard::v1::Comment& c = request.comment();
  comment.content = c.content();
  comment.author_name = c.author_name();
  comment.author_email = c.author_email();
  comment.author_url = c.author_url();
  comment.kind = ToKind(c.type());
  comment.language = c.language();
  comment.client_ip = request.client().ip();
  comment.user_agent = request.client().user_agent();
  comment.referrer = request.client().referrer();
  comment.post_permalink = request.post().permalink();
  comment.post_title = request.post().title();
  comment.post_tags.assign(request.post().tags().begin(), request.post().tags().end());
  comment.honeypot_value = request.honeypot_value();
  comment.user_role = request.user_role();
  comment.is_recheck = !request.recheck_reason().empty();
  comment.created_at_ms = ToUnixMs(c.has_created_at(), c.created_at());
  comment.post_published_at_ms =
      ToUnixMs(request.post().has_published_at(), request.post().published_at());
  comment.form_rendered_at_ms =
      ToUnixMs(request.has_form_rendered_at(), request.form_rendered_at());
  return comment;
}

spamguard::v1::Verdict ToProto(Verdict verdict) {
  switch (verdict) {
    case Verdict::kHam:
      return spamguard::v1::VERDICT_HAM;
    case Verdict::kHold:
      return spamguard::v1::VERDICT_HOLD;
    case Verdict::kSpam:
      return spamguard::v1::VERDICT_SPAM;
    case Verdict::kDiscard:
      return spamguard::v1::VERDICT_DISCARD;
  }
  return spamguard::v1::VERDICT_UNSPECIFIED;
}

void FillResponse(const Assessment& assessment, spamguard::v1::CheckCommentResponse* response) {
  response->set_verdict(ToProto(assessment.verdict));
  response->set_spam_probability(assessment.spam_probability);
  for (const Reason& reason : assessment.reasons) {
    spamguard::v1::Reason* out = response->add_reasons();
    out->set_code(reason.code);
    out->set_description(reason.description);
    out->set_score(reason.score);
    for (const Span& span : reason.spans) {
      spamguard::v1::Span* out_span = out->add_spans();
      out_span->set_begin(span.begin);
      out_span->set_end(span.end);
    }
  }
  response->set_model_version(assessment.model_version);
  response->set_rules_version(assessment.rules_version);
}

std::optional<Assessment> ToAssessment(const spamguard::v1::CheckCommentResponse& response) {
  Assessment assessment;
  switch (response.verdict()) {
    case spamguard::v1::VERDICT_HAM:
      assessment.verdict = Verdict::kHam;
      break;
    case spamguard::v1::VERDICT_HOLD:
      assessment.verdict = Verdict::kHold;
      break;
    case spamguard::v1::VERDICT_SPAM:
      assessment.verdict = Verdict::kSpam;
      break;
    case spamguard::v1::VERDICT_DISCARD:
      assessment.verdict = Verdict::kDiscard;
      break;
    default:
      return std::nullopt;
  }
  assessment.spam_probability = response.spam_probability();
  for (const spamguard::v1::Reason& from : response.reasons()) {
    Reason reason{from.code(), from.description(), from.score(), {}};
    for (const spamguard::v1::Span& span : from.spans()) {
      reason.spans.push_back({span.begin(), span.end()});
    }
    assessment.reasons.push_back(std::move(reason));
  }
  assessment.model_version = response.model_version();
  assessment.rules_version = response.rules_version();
  return assessment;
}

}  // namespace spamguard::server
