#include "model/scorer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace spamguard {

double Logit(double probability) {
  const double p = std::clamp(probability, kMinProbability, 1.0 - kMinProbability);
  return std::log(p / (1.0 - p));
}

double Sigmoid(double log_odds) { return 1.0 / (1.0 + std::exp(-log_odds)); }

Verdict VerdictFor(double spam_probability, const SitePolicy& policy) {
  if (spam_probability >= policy.discard_threshold) return Verdict::kDiscard;
  if (spam_probability >= policy.spam_threshold) return Verdict::kSpam;
  if (spam_probability >= policy.hold_threshold) return Verdict::kHold;
  return Verdict::kHam;
}

Assessment Score(double model_probability, std::vector<Reason> rule_reasons,
                 const SitePolicy& policy, ModelEvidence evidence, bool offers_contact) {
  Assessment assessment;
  const double model_log_odds = Logit(model_probability);
  double total = model_log_odds;
  double rules_total = 0;
  bool decisive_rule = false;  // a rule of its own weight fired
  for (const Reason& reason : rule_reasons) {
    rules_total += reason.score;
    decisive_rule = decisive_rule || reason.score >= kMinDiscardEvidence;
  }
  total += rules_total;

  char percent[64];
  std::snprintf(percent, sizeof(percent), "%.0f%%",
                100.0 * std::clamp(model_probability, 0.0, 1.0));
  std::string description =
      std::string("The text model rates the wording ") + percent + " likely to be spam";
  for (size_t i = 0; i < evidence.words.size(); ++i) {
    description += (i == 0 ? "; the words weighing most: \"" : ", \"") + evidence.words[i] + "\"";
  }
  description += ".";
  if (evidence.spans.size() > kMaxReasonSpans) evidence.spans.resize(kMaxReasonSpans);
  assessment.reasons.reserve(rule_reasons.size() + 1);
  assessment.reasons.push_back(
      Reason{"model", std::move(description), model_log_odds, std::move(evidence.spans)});
  for (Reason& reason : rule_reasons) assessment.reasons.push_back(std::move(reason));
  std::stable_sort(
      assessment.reasons.begin(), assessment.reasons.end(),
      [](const Reason& a, const Reason& b) { return std::abs(a.score) > std::abs(b.score); });

  // No rule fired: the model's probability stands as calibrated, untouched by the clamp.
  assessment.spam_probability =
      rule_reasons.empty() ? std::clamp(model_probability, 0.0, 1.0) : Sigmoid(total);
  // Decisive rules bound the verdict, not the probability, which still reports the evidence.
  // A ceiling wins over a floor: a trusted author's comment is never hidden.
  Verdict floor = Verdict::kHam;
  Verdict ceiling = Verdict::kDiscard;
  for (const Reason& reason : assessment.reasons) {
    floor = std::max(floor, reason.at_least);
    ceiling = std::min(ceiling, reason.at_most);
  }
  // Dropping a comment unseen takes evidence a moderator could point to, not wording alone:
  // a rule of its own weight (kMinDiscardEvidence; a link or a phone number is only there)
  // with the rules together leaning toward spam (a link the reference-links rule outweighs
  // does not), or a rule's floor (the model reason sets none).
  if (!((rules_total > 0 && decisive_rule) || floor > Verdict::kHam) &&
      !policy.model_alone_can_discard) {
    ceiling = std::min(ceiling, Verdict::kSpam);
  }
  // Nor does a comment that gives nobody a way to be reached: a reader quoting a scam.
  if (!offers_contact) ceiling = std::min(ceiling, Verdict::kSpam);
  assessment.verdict =
      std::min(std::max(VerdictFor(assessment.spam_probability, policy), floor), ceiling);
  return assessment;
}

}  // namespace spamguard
