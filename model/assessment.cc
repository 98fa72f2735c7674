#include "model/assessment.h"

namespace spamguard {

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kHam:
      return "ham";
    case Verdict::kHold:
      return "hold";
    case Verdict::kSpam:
      return "spam";
    case Verdict::kDiscard:
      return "discard";
  }
  return "ham";
}

std::optional<Verdict> VerdictFromName(std::string_view name) {
  for (Verdict verdict : {Verdict::kHam, Verdict::kHold, Verdict::kSpam, Verdict::kDiscard}) {
    if (name == VerdictName(verdict)) return verdict;
  }
  return std::nullopt;
}

}  // namespace spamguard
