// SitePolicy: how one site turns a spam probability into a verdict, and how it adjusts the
// rule pack. The rule pack file holds a global default and per-site overrides.
#ifndef SPAMGUARD_MODEL_SITE_POLICY_H_
#define SPAMGUARD_MODEL_SITE_POLICY_H_

#include <map>
#include <string>

namespace spamguard {

struct SitePolicy {
  // A comment is HOLD at or above hold_threshold, SPAM at or above spam_threshold, DISCARD
  // at or above discard_threshold (probabilities, 0 < hold <= spam <= discard <= 1).
  double hold_threshold = 0.5;
  double spam_threshold = 0.8;
  double discard_threshold = 0.98;
  // Rule id -> score that replaces the rule's own score on this site (0 disables it).
  std::map<std::string, double> score_overrides;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_SITE_POLICY_H_
