// rule_pack: the compiled form of a rule pack, the one data structure the two halves of
// RuleSet share. rule_pack_loader.cc builds a CompiledPack from the YAML file and its list
// files; rule_set.cc evaluates comments against it; rule_pack.cc holds the few definitions.
// Internal to RuleSet: nothing outside those three files includes this header, except
// tests/model/match_start_literals_test.cc, which checks every shipped pattern as loaded, and
// tests/model/anchored_matcher_test.cc, which compiles its regexes with PatternOptions().
//
// Thread safety: a CompiledPack is filled by one loader and then only read. SetPattern
// compiles its exact regex on first use, under std::call_once.
#ifndef SPAMGUARD_MODEL_RULE_PACK_H_
#define SPAMGUARD_MODEL_RULE_PACK_H_

#include <re2/filtered_re2.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "model/anchored_matcher.h"
#include "model/entities.h"
#include "model/match_start_literals.h"
#include "model/normalizer.h"
#include "model/rule_set.h"
#include "model/site_policy.h"
#include "model/string_set.h"
#include "model/url_parts.h"

namespace spamguard::rule_pack {

// A rule's kind: the YAML `kind:` (the loader's KindSpecs maps the names).
enum class Kind {
  kRegex,
  kPhrase,
  kLinkCount,
  kLinkDensity,
  kPhoneCount,
  kObfuscation,
  kAuthorName,
  kUserAgent,
  kAuthorEmailDomain,
  kAuthorUrlDomain,
  kIpList,
  kDomainList,
  kEmailList,
  kHoneypot,
  kTooFast,
  kOldPost,
  kDuplicate,
  kTrustedRole,
  kAllowedDomain,
  kAllowedEmail,
  kAllowedIp,
  kOwnSiteLinks,
  kNoContact,
};

// A set of domains; a host matches when it or one of its parent domains is in the set
// ("a.b.example.com" matches "example.com"). A top-level label matches only when it was
// added with a leading dot: ".gov" matches "sba.gov" and "reportfraud.ftc.gov"; a bare "gov"
// matches nothing, so a list line "com" cannot take in every .com host by mistake. A leading
// dot before a longer domain changes nothing (".gov.uk" is "gov.uk").
class DomainSet {
 public:
  // "*.example.com" and the fully qualified "example.com." are "example.com".
  void Add(std::string domain) {
    if (domain.starts_with("*.")) domain.erase(0, 1);
    while (domain.size() > 1 && domain.back() == '.') domain.pop_back();
    if (domain.size() > 1 && domain.front() == '.') {
      domain.erase(0, 1);  // ".gov.uk" is "gov.uk", subdomains included either way
      if (domain.find('.') == std::string::npos) {
        top_level_.insert(std::move(domain));
        return;
      }
    }
    domains_.insert(std::move(domain));
  }

  // Why `entry` can match no host (a URL, a path, a port, a wildcard inside it, an address,
  // white space), or nullopt when it is a domain entry Add() takes.
  static std::optional<std::string> EntryError(std::string_view entry) {
    if (entry.starts_with("*.")) entry.remove_prefix(2);
    if (entry.empty() || entry.find_first_not_of('.') == std::string_view::npos) {
      return "an empty domain";
    }
    if (entry.find_first_of("/:*@ \t") != std::string_view::npos) {
      return "not a domain (write the host alone: example.com, .gov, *.example.com)";
    }
    return std::nullopt;
  }
  bool empty() const { return domains_.empty() && top_level_.empty(); }
  bool Matches(std::string_view host) const {
    if (host.empty() || empty()) return false;
    std::string_view candidate = host;
    while (true) {
      if (domains_.find(candidate) != domains_.end()) return true;
      const size_t dot = candidate.find('.');
      if (dot == std::string_view::npos) return false;
      candidate.remove_prefix(dot + 1);
      if (candidate.find('.') == std::string_view::npos) {
        return top_level_.find(candidate) != top_level_.end();
      }
    }
  }

 private:
  StringSet domains_;
  StringSet top_level_;
};

// E-mail entries: a full address ("x@example.com") or a whole domain ("@example.com").
class EmailSet {
 public:
  void Add(const std::string& entry) {
    if (!entry.empty() && entry.front() == '@') {
      domains_.Add(entry.substr(1));
    } else {
      addresses_.insert(entry);
    }
  }
  bool Matches(std::string_view address) const {
    if (address.empty()) return false;
    const std::string lower = AsciiLower(address);
    if (addresses_.count(lower)) return true;
    const size_t at = lower.rfind('@');
    return at != std::string::npos && domains_.Matches(std::string_view(lower).substr(at + 1));
  }

 private:
  std::unordered_set<std::string> addresses_;
  DomainSet domains_;
};

// An address as 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) so that one
// representation serves both families and "::ffff:10.0.0.1" matches "10.0.0.0/8".
using IpBytes = std::array<uint8_t, 16>;

// An IPv4 or IPv6 address in text form, or nullopt.
std::optional<IpBytes> ParseIp(const std::string& text);

// IP addresses and CIDR ranges, IPv4 and IPv6.
class IpSet {
 public:
  // "203.0.113.7", "203.0.113.0/24", "2001:db8::/32". Returns an error text on failure.
  std::optional<std::string> Add(const std::string& entry);
  bool empty() const { return ranges_.empty(); }
  bool Matches(const IpBytes& ip) const;

 private:
  struct Range {
    IpBytes bytes;
    int prefix;
  };
  std::vector<Range> ranges_;
};

struct Rule {
  std::string id;
  std::string description;
  std::string kind_name;
  Kind kind = Kind::kHoneypot;
  double score = 0;
  // The verdict bounds the rule sets when it fires (Reason::at_least / at_most).
  Verdict at_least = Verdict::kHam;
  Verdict at_most = Verdict::kDiscard;
  // Parameters; which ones are used depends on kind.
  int min = 1;
  double per_100_words = 0;
  std::vector<int> country_codes;
  bool letters_for_digits = false;  // phone-count: only numbers with letters or words for digits
  int64_t duration_ms = 0;
  int more_than = 0;
  size_t min_length = 0;
  DomainSet domains;
  EmailSet emails;
  IpSet ips;
  std::unordered_set<std::string> roles;
};

// RE2 options of every pattern (see rule_pack.cc).
RE2::Options PatternOptions();

// One pattern of the regex set: which rule it belongs to and the exact regex that finds its
// spans (the set only says which patterns matched, not where). The exact regex is compiled
// on first use: a pack has thousands of patterns, most of which never match, and compiling
// them all would cost more than the whole load budget.
class SetPattern {
 public:
  SetPattern(size_t rule, size_t sequence, std::string exact_source, bool word_boundary)
      : rule(rule),
        sequence(sequence),
        word_boundary(word_boundary),
        exact_source_(std::move(exact_source)) {}

  // The compiled exact regex, or null if RE2 rejects it (it never does for a pattern the set
  // accepted, unless it exceeds RE2's memory budget). Thread-safe.
  const RE2* Exact() const {
    Compile();
    return exact_->ok() ? exact_.get() : nullptr;
  }

  // The literals every match starts with (MatchStartLiterals), to find spans faster; empty
  // when unknown. Thread-safe.
  const std::vector<std::string>& StartLiterals() const {
    Compile();
    return start_literals_;
  }
  // Whether those literals are the pattern's only matches (IsLiteralAlternation).
  // Thread-safe.
  bool LiteralsAreMatches() const {
    Compile();
    return literals_are_matches_;
  }
  // The exact regex's AnchoredMatcher, or null when it does not read the pattern.
  // Thread-safe.
  const AnchoredMatcher* Anchored() const {
    Compile();
    return anchored_.get();
  }
  // When every match is the whole text: the most code points it can have
  // (WholeTextMatchMaxCodePoints). Thread-safe.
  std::optional<size_t> WholeTextMaxCodePoints() const {
    Compile();
    return whole_text_max_code_points_;
  }

  const size_t rule;
  const size_t sequence;  // position among all patterns of its kind, in file order
  // A match counts only when not glued to a letter, digit or '_' on either side (checked in
  // code: a Unicode-aware wrapper inside the regex would make each one ~50x slower).
  const bool word_boundary;

 private:
  void Compile() const {
    std::call_once(compiled_, [this] {
      exact_ = std::make_unique<RE2>(exact_source_, PatternOptions());
      anchored_ = AnchoredMatcher::Compile(exact_source_);
      start_literals_ = MatchStartLiterals(exact_source_);
      literals_are_matches_ = !start_literals_.empty() && IsLiteralAlternation(exact_source_);
      whole_text_max_code_points_ = WholeTextMatchMaxCodePoints(exact_source_);
    });
  }

  const std::string exact_source_;
  mutable std::once_flag compiled_;
  mutable std::unique_ptr<RE2> exact_;
  mutable std::unique_ptr<const AnchoredMatcher> anchored_;
  mutable std::vector<std::string> start_literals_;
  mutable bool literals_are_matches_ = false;
  mutable std::optional<size_t> whole_text_max_code_points_;
};

// Patterns scanned together by one RE2::Set; `patterns` by set index. The text set also
// holds the filtered patterns' atoms (FilteredPatterns), after its own patterns: set index
// patterns.size() + i is atom i.
struct PatternSet {
  std::unique_ptr<RE2::Set> set;
  std::deque<SetPattern> patterns;
};

// Patterns kept out of the set and searched only when the text holds the literal strings
// ("atoms") they need: RE2's FilteredRE2 computes the atoms, the text set finds those present
// in the same scan as its own patterns (a set of the atoms alone cost as much again as the
// whole pack's set), and FilteredRE2 says which patterns can then match. `patterns` by
// FilteredRE2 id.
struct FilteredPatterns {
  std::unique_ptr<re2::FilteredRE2> filter;
  size_t atom_count = 0;  // atoms appended to the text set
  std::deque<SetPattern> patterns;
};

// A SitePolicy plus its extra lists turned into rules.
struct CompiledPolicy {
  SitePolicy policy;
  std::vector<Rule> list_rules;
};

// Everything a loaded pack holds; RuleSet::Impl is exactly this (the loader fills it).
struct CompiledPack {
  std::string path;
  std::string version;
  LoadReport report;
  std::vector<RuleInfo> infos;
  std::shared_ptr<const Normalizer> normalizer;
  std::shared_ptr<const EntityExtractor> extractor;

  std::vector<Rule> rules;  // every active rule, file order
  // Regex and phrase rules over the normalized text: one set, except the patterns with a
  // long counted repetition (".{0,200}", ".{120}"), which are filtered by their literals.
  // A DFA tracks a counter's every position, in a set of each pattern beside it; the
  // default pack's ten such patterns made a typical comment cost 3-4x more in the set, and
  // as much in a set of their own (docs/performance.md).
  PatternSet text_set;
  FilteredPatterns counted;
  size_t text_pattern_count = 0;
  // Author-name rules: one set over the normalized author name.
  PatternSet name_set;
  // User-agent rules: one set over the lower-cased client.user_agent.
  PatternSet agent_set;
  std::vector<size_t> field_rules;  // indices of rules evaluated one by one
  bool has_duplicate_rule = false;

  CompiledPolicy default_policy;
  std::unordered_map<std::string, CompiledPolicy> sites;

  const CompiledPolicy& PolicyFor(const std::string& site_id) const {
    auto it = sites.find(site_id);
    return it == sites.end() ? default_policy : it->second;
  }
};

}  // namespace spamguard::rule_pack

#endif  // SPAMGUARD_MODEL_RULE_PACK_H_
