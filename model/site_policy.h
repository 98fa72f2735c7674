// SitePolicy: how one site turns a spam probability into a verdict, and how it adjusts the
// rule pack. The rule pack file holds a global default and per-site overrides.
#ifndef SPAMGUARD_MODEL_SITE_POLICY_H_
#define SPAMGUARD_MODEL_SITE_POLICY_H_

#include <map>
#include <string>
#include <vector>

namespace spamguard {

struct SitePolicy {
  // A comment is HOLD at or above hold_threshold, SPAM at or above spam_threshold, DISCARD
  // at or above discard_threshold (probabilities, 0 < hold <= spam <= discard <= 1).
  double hold_threshold = 0.5;
  double spam_threshold = 0.8;
  double discard_threshold = 0.98;
  // Whether the model's wording alone can make a comment DISCARD, which the API defines as
  // safe to drop unseen. When false (the default), a DISCARD needs a rule of its own weight
  // (kMinDiscardEvidence in scorer.h: a family phrase, obfuscation, a listed domain; not a
  // link or a phone number alone) with the rules adding up toward spam, or a rule's floor: a
  // comment only the model condemns goes to the spam folder, where a moderator can still
  // find it. The model is trained on corpora, not on this blog's readers, and words alone
  // have condemned readers.
  bool model_alone_can_discard = false;
  // Rule id -> score that replaces the rule's own score on this site (0 disables it).
  std::map<std::string, double> score_overrides;

  // Extra lists for this site (in addition to the default policy's), evaluated by RuleSet
  // as the built-in rules "site-blocked-domain", "site-blocked-email", "site-blocked-ip",
  // "site-allowed-domain", "site-allowed-email" and "site-allowed-ip" (see rules/README.md;
  // their scores can be changed through score_overrides like any rule's). Domains match a
  // host and its parent domains; e-mail entries are an address or "@domain"; IP entries are
  // IPv4/IPv6 addresses or CIDR ranges.
  std::vector<std::string> blocked_domains;
  std::vector<std::string> blocked_emails;
  std::vector<std::string> blocked_ips;
  std::vector<std::string> allowed_domains;
  std::vector<std::string> allowed_emails;
  std::vector<std::string> allowed_ips;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_SITE_POLICY_H_
