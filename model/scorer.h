// Scorer: the one place where signals become a verdict.
//
// The model's calibrated probability p contributes its log-odds, logit(p), as the "model"
// reason; every rule reason adds its score (log-odds). The sum z gives
// spam_probability = 1 / (1 + exp(-z)), and the site's thresholds give the verdict. Without
// rules firing, spam_probability is exactly the model's calibrated probability.
//
// A decisive rule's reason (at_least / at_most, e.g. a filled honeypot is at least SPAM, a
// trusted role at most HAM) then bounds the verdict; the probability is left as the evidence
// says. When both bounds apply, the ceiling wins. Unless the policy says
// model_alone_can_discard, a comment is at most SPAM when its rules' scores do not add up to
// more than 0 and none of them sets a floor: DISCARD (dropped unseen) needs rules' evidence
// besides the model's wording. And a comment that offers no way to reach anyone (no link,
// e-mail address, phone number, messaging app (WhatsApp, Telegram, Viber...), handle or call
// to contact, no author URL) is at most SPAM whatever fires, an at_least: discard included:
// spam exists to be answered, and a reader who warns others by quoting a scam's words
// ("those 'vashikaran specialist baba ji' comments are fraud") offers none.
//
// Thread safety: stateless; Score is a pure function.
#ifndef SPAMGUARD_MODEL_SCORER_H_
#define SPAMGUARD_MODEL_SCORER_H_

#include <string>
#include <vector>

#include "model/assessment.h"
#include "model/site_policy.h"

namespace spamguard {

// Model probabilities are clamped to [kMinProbability, 1 - kMinProbability] before logit so
// that one signal can never be infinitely certain.
inline constexpr double kMinProbability = 1e-4;

double Logit(double probability);
double Sigmoid(double log_odds);

// What the model reason shows besides its probability: the words that weighed most toward
// spam (SpamModel::SpamWords) and where they are in the original text.
struct ModelEvidence {
  std::vector<std::string> words;
  std::vector<Span> spans;  // at most kMaxReasonSpans
};

// Combines the model's calibrated probability and the rules' reasons under a policy. The
// returned reasons hold the model reason (naming evidence.words, with evidence.spans) plus
// rule_reasons, strongest |score| first. offers_contact: whether the comment carries a way to
// reach someone (OffersContact); false caps the verdict at SPAM.
Assessment Score(double model_probability, std::vector<Reason> rule_reasons,
                 const SitePolicy& policy, ModelEvidence evidence = {}, bool offers_contact = true);

// The verdict the policy gives to a probability.
Verdict VerdictFor(double spam_probability, const SitePolicy& policy);

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_SCORER_H_
