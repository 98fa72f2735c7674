#include "model/comment.h"

#include <array>
#include <utility>

namespace spamguard {
namespace {

constexpr std::array<std::pair<CommentKind, const char*>, 8> kKindNames = {{
    {CommentKind::kComment, "comment"},
    {CommentKind::kReply, "reply"},
    {CommentKind::kTrackback, "trackback"},
    {CommentKind::kPingback, "pingback"},
    {CommentKind::kForumPost, "forum_post"},
    {CommentKind::kContactForm, "contact_form"},
    {CommentKind::kSignup, "signup"},
    {CommentKind::kMessage, "message"},
}};

}  // namespace

const char* CommentKindName(CommentKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "comment";
}

CommentKind CommentKindFromName(const std::string& name) {
  for (const auto& [k, known] : kKindNames) {
    if (name == known) return k;
  }
  return CommentKind::kComment;
}

}  // namespace spamguard
