// Explanations for a terminal: how `spamguardctl check` shows one verdict — the verdict and
// probability, the comment with the text behind each reason marked, and the reasons
// strongest first — as human-readable text or as one JSON object.
//
// The same rendering serves local checks (an Assessment from CommentClassifier) and server
// checks (a CheckCommentResponse converted to an Assessment by the caller), so both modes
// print identically.
//
// Spans are UTF-8 byte offsets into the original content and come from outside this module
// (possibly from a server of another version), so rendering never trusts them: spans are
// clamped to the content and widened to whole code points before any text is cut, and
// control characters of the comment are shown escaped, so a comment cannot move the
// cursor or recolor the terminal.
//
// Thread safety: pure functions over their arguments.
#ifndef SPAMGUARD_CLI_EXPLAIN_H_
#define SPAMGUARD_CLI_EXPLAIN_H_

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/assessment.h"

namespace spamguard::cli {

// One checked comment as the CLI reports it.
struct CheckedComment {
  std::string content;    // the text the spans refer to
  Assessment assessment;  // reasons in any order; rendering sorts them
  std::string check_id;   // set by a server; empty for local checks
  int line = 0;           // 1-based line of --file input; 0 when the text came otherwise
};

struct RenderOptions {
  // Mark spans and the verdict with ANSI colors instead of [[ ]]; only for a TTY.
  bool color = false;
};

// The spans of a list, clamped to [0, content.size()], widened to code point boundaries,
// with empty spans dropped, sorted and overlapping or touching spans merged.
std::vector<Span> NormalizeSpans(std::string_view content, std::vector<Span> spans);

// The content with every (normalized) span marked: wrapped in "[[" "]]" without color, or
// shown bold red with color. Control characters (C0 except tab and newline, DEL, C1) are
// shown as \xNN escapes; everything else is copied byte for byte.
std::string MarkSpans(std::string_view content, const std::vector<Span>& spans,
                      const RenderOptions& options);

// The reasons strongest first (largest |score|; ties keep their order).
std::vector<Reason> ReasonsByStrength(std::vector<Reason> reasons);

// The multi-line human report for one comment, ending in a newline:
//   SPAM  spam probability 0.998  (model V, rules R, check C)   (">0.999", "<0.001" at the ends)
//     <comment with spans marked>
//     reasons:
//       +4.20  phone-number  The comment contains a phone number.  "+91 9829286600"
std::string RenderText(const CheckedComment& checked, const RenderOptions& options);

// One JSON object: line (when > 0), verdict ("ham".."discard"), spam_probability, text,
// reasons [{code, description, score, spans [{begin, end, text}]}] strongest first,
// model_version, rules_version, check_id (when set). Span text is cut on code point
// boundaries.
nlohmann::ordered_json ToJson(const CheckedComment& checked);

// A JSON object as one line; invalid UTF-8 in it is replaced by U+FFFD instead of throwing.
std::string DumpJsonLine(const nlohmann::ordered_json& value);

}  // namespace spamguard::cli

#endif  // SPAMGUARD_CLI_EXPLAIN_H_
