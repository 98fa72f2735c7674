// Comment: the proto-free view of one check request that the model library works on.
//
// The server fills it from a CheckCommentRequest, the CLI from a TSV/JSONL row. All strings
// are UTF-8 (the server validates before building one); times are Unix milliseconds and
// absent when the caller did not send them. A plain value type.
#ifndef SPAMGUARD_MODEL_COMMENT_H_
#define SPAMGUARD_MODEL_COMMENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spamguard {

enum class CommentKind {
  kComment,  // also used for "unspecified"
  kReply,
  kTrackback,
  kPingback,
  kForumPost,
  kContactForm,
  kSignup,
  kMessage,
};

// Stable lower-case name ("comment", "trackback", ...), used in features and JSONL.
const char* CommentKindName(CommentKind kind);
// Inverse of CommentKindName; unknown names give kComment.
CommentKind CommentKindFromName(const std::string& name);

struct Comment {
  std::string site_id;
  std::string content;  // the text spans refer to
  std::string author_name;
  std::string author_email;
  std::string author_url;
  CommentKind kind = CommentKind::kComment;
  std::string language;
  std::string client_ip;
  std::string user_agent;
  std::string referrer;
  std::string post_permalink;
  std::string post_title;
  std::vector<std::string> post_tags;
  std::string honeypot_value;
  std::string user_role;
  bool is_recheck = false;  // recheck_reason was set: not a new submission
  std::optional<int64_t> created_at_ms;
  std::optional<int64_t> post_published_at_ms;
  std::optional<int64_t> form_rendered_at_ms;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_COMMENT_H_
