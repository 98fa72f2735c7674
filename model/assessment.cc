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

}  // namespace spamguard
