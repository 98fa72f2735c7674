// RuleSet: the heuristic rules of a rule pack (a YAML file, see rules/README.md), compiled
// once and evaluated against each comment, plus the pack's per-site policies.
//
// A rule has an id (it becomes the Reason's code), a description, a kind, parameters and a
// score in log-odds. Kinds: regex (all regex rules compiled into one RE2::Set over the
// normalized text, so a comment is scanned once), phrase list, link count / link density,
// phone-number count, obfuscation, author name pattern / email domain / URL domain, user
// agent pattern, IP/CIDR list, domain list (registrable domain of every link and of the
// author URL), email list, honeypot, too fast, old post, duplicate content, trusted role,
// allowlists, links only to the post's own site, and no contact offered (OffersContact in
// entities.h).
//
// Loading never crashes on a bad pattern: a regex RE2 rejects is reported with file, line
// and reason and skipped (LoadReport); a structurally invalid file (bad YAML, unknown kind,
// missing field, bad threshold) is refused with kInvalidArgument naming file, line and
// reason.
//
// Thread safety: a loaded RuleSet is immutable; Evaluate() is const and may be called from
// any number of threads. The duplicate-content rule keeps its state in the DuplicateWindow
// passed in RuleInput, which synchronizes itself.
#ifndef SPAMGUARD_MODEL_RULE_SET_H_
#define SPAMGUARD_MODEL_RULE_SET_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/assessment.h"
#include "model/comment.h"
#include "model/duplicate_window.h"
#include "model/entities.h"
#include "model/normalizer.h"
#include "model/site_policy.h"
#include "model/status.h"

namespace spamguard {

struct RuleInput {
  const Comment& comment;
  const NormalizedText& normalized;
  const Entities& entities;
  int64_t now_ms = 0;                     // server time, Unix ms
  DuplicateWindow* duplicates = nullptr;  // null: the duplicate rule does not fire
  bool record_duplicate = false;          // add this text to the window (new, non-test)
};

// What loading found: counts per kind and the patterns that were skipped.
struct LoadReport {
  std::map<std::string, int> active_rules_by_kind;
  // "rules/default.yaml:123: rule 'x' pattern 4: invalid perl operator: (?<"
  std::vector<std::string> skipped;
  int active_rules() const;
};

// What a loaded rule is, for listings (`spamguardctl rules test` prints every rule, also
// those that never fired).
struct RuleInfo {
  std::string id;
  std::string kind;
  std::string description;
  double score = 0;  // the pack's score, before any site override
};

class RuleSet {
 public:
  // Loads a rule pack file. Pack-relative list files (a rule's `file:` parameter) are read
  // relative to the pack's directory.
  static Result<std::shared_ptr<const RuleSet>> LoadFile(
      const std::string& path, std::shared_ptr<const Normalizer> normalizer,
      std::shared_ptr<const EntityExtractor> extractor);

  ~RuleSet();

  // The reasons of every rule that fired, with the site's overrides and extra lists applied
  // (a rule whose effective score is 0 does not appear). Not sorted.
  std::vector<Reason> Evaluate(const RuleInput& input) const;

  // The site's policy, or the pack's default when the site has none.
  const SitePolicy& PolicyFor(const std::string& site_id) const;
  // Whether the pack has a policy of its own for this site (a `sites:` entry).
  bool HasSitePolicy(const std::string& site_id) const;

  // Content hash of the pack and every file it reads (first 12 hex digits of a SHA-256 or
  // similar); changes whenever the rules change.
  const std::string& version() const;
  const std::string& path() const;
  const LoadReport& report() const;
  // Every active rule of the pack, in file order (the built-in per-site list rules are not
  // included).
  const std::vector<RuleInfo>& rules() const;

 private:
  struct Impl;
  explicit RuleSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_RULE_SET_H_
