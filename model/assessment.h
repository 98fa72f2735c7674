// Assessment: what the model library says about one comment — a verdict, a spam
// probability and the reasons behind them. Plain value types.
#ifndef SPAMGUARD_MODEL_ASSESSMENT_H_
#define SPAMGUARD_MODEL_ASSESSMENT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spamguard {

// Ordered from mildest to harshest; comparisons (<) are meaningful.
enum class Verdict { kHam = 1, kHold = 2, kSpam = 3, kDiscard = 4 };

// "ham", "hold", "spam", "discard".
const char* VerdictName(Verdict verdict);
// The verdict VerdictName gives `name` (exactly, lower case); nullopt for any other string.
std::optional<Verdict> VerdictFromName(std::string_view name);

// Half-open [begin, end) UTF-8 byte offsets into the ORIGINAL Comment::content.
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool operator==(const Span&) const = default;
};

// The most spans one reason carries: enough for a moderator to see the pattern, and a bound
// on the work a comment stuffed with matches can cause.
inline constexpr size_t kMaxReasonSpans = 16;

// One piece of evidence: a rule that fired or the model's opinion.
struct Reason {
  std::string code;         // stable slug: "model", "phone-number", a rule id, ...
  std::string description;  // one sentence for a moderator
  double score = 0;         // contribution in log-odds; > 0 toward spam, < 0 toward ham
  // What triggered it (original byte offsets); may be empty; at most kMaxReasonSpans.
  std::vector<Span> spans;
  // Bounds a decisive rule puts on the verdict whatever the scores add up to (a rule's
  // `at_least` / `at_most`, rules/README.md); the defaults bound nothing.
  Verdict at_least = Verdict::kHam;
  Verdict at_most = Verdict::kDiscard;
};

struct Assessment {
  Verdict verdict = Verdict::kHam;
  double spam_probability = 0;  // 0..1
  std::vector<Reason> reasons;  // strongest (largest |score|) first
  std::string model_version;
  std::string rules_version;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_ASSESSMENT_H_
