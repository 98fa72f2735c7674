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
// model_alone_can_discard, a comment is at most SPAM unless a rule of its own weight fired
// (score >= kMinDiscardEvidence) and the rules' scores add up to more than 0, or a rule sets a
// floor: DISCARD (dropped unseen) needs rules' evidence besides the model's wording, and a
// link or a phone number only says the comment has one. And a comment that offers no way to reach
// anyone (no link, e-mail address, phone number, messaging app (WhatsApp, Telegram, Viber...),
// handle or call to contact, no author URL) is at most SPAM whatever fires, an at_least: discard
// included: spam exists to be answered, and a reader who warns others by quoting a scam's words
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

// The least score (log-odds) of a rule that can make a comment DISCARD: a family phrase, an
// obfuscation, a listed domain, a honeypot. A link (+0.3), a phone number (+0.4), a call on
// WhatsApp (+0.9) or an old post (+0.7) in the default pack only say the comment has one,
// which a reader's comment can too.
inline constexpr double kMinDiscardEvidence = 1.0;

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
