// RuleSet: a comment evaluated against a compiled pack (rule_pack.h); loading is in
// rule_pack_loader.cc.
#include "model/rule_set.h"

#include <re2/filtered_re2.h>
#include <re2/re2.h>
#include <re2/set.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "model/ascii.h"
#include "model/match_start_literals.h"
#include "model/rule_pack.h"
#include "model/rule_pack_loader.h"
#include "model/url_parts.h"

namespace spamguard {
namespace rule_pack {
namespace {

// Lower-cased host of a URL or bare host ("https://user@www.Example.com:8080/x" ->
// "www.example.com"); empty for an IP literal in brackets, which has no domain.
std::string HostOf(std::string_view url) {
  const std::string host = UrlHost(url);
  if (!host.empty() && host.front() == '[') return "";
  return AsciiLower(host);
}

// "www.example.com" -> "example.com"; other hosts unchanged.
std::string WithoutWww(std::string host) {
  if (host.rfind("www.", 0) == 0) host.erase(0, 4);
  return host;
}

// A page's identity for telling two links to it apart: host without "www.", path and query,
// no scheme, fragment or trailing '/' ("https://www.Blog.example/a/?p=1#c" ->
// "blog.example/a?p=1").
std::string PageKey(std::string_view written) {
  const std::string cleaned = BrowserUrl(written);
  std::string key = WithoutWww(HostOf(cleaned));
  std::string_view url = AfterScheme(cleaned);
  url = url.substr(0, url.find('#'));
  const size_t path = url.find_first_of("/?");
  if (path == std::string_view::npos) return key;
  std::string rest(url.substr(path));
  if (const size_t query = rest.find("/?"); query != std::string::npos) rest.erase(query, 1);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  return key + rest;
}

// Whether the code point before offset / at offset is a letter, digit or '_' (Unicode-aware;
// RE2's \b is ASCII-only and would never see a boundary before a Cyrillic word).
bool IsWordCodePoint(UChar32 c) { return c == '_' || (c >= 0 && u_isalnum(c)); }
bool WordCharacterBefore(std::string_view text, size_t offset) {
  if (offset == 0) return false;
  const auto previous = static_cast<unsigned char>(text[offset - 1]);
  if (previous < 0x80) return IsAsciiWordCharacter(previous);  // no ICU call for ASCII
  int32_t i = static_cast<int32_t>(offset);
  UChar32 c = 0;
  U8_PREV(text.data(), 0, i, c);
  return IsWordCodePoint(c);
}
bool WordCharacterAt(std::string_view text, size_t offset) {
  if (offset >= text.size()) return false;
  const auto next = static_cast<unsigned char>(text[offset]);
  if (next < 0x80) return IsAsciiWordCharacter(next);
  int32_t i = static_cast<int32_t>(offset);
  UChar32 c = 0;
  U8_NEXT(text.data(), i, static_cast<int32_t>(text.size()), c);
  return IsWordCodePoint(c);
}

// A pattern whose matches keep failing the word-boundary check ("loan" in "loanloanloan...")
// is given up after this many attempts, bounding the work on adversarial text.
constexpr int kMaxBoundaryRetries = 64;

void MergeSpans(std::vector<Span>& spans) {
  if (spans.size() < 2) return;
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  size_t kept = 0;  // spans[0..kept] are merged
  for (size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].begin <= spans[kept].end) {
      spans[kept].end = std::max(spans[kept].end, spans[i].end);
    } else {
      spans[++kept] = spans[i];
    }
  }
  spans.resize(kept + 1);
}

// Per-comment facts several rules need, computed on first use.
class EvaluationContext {
 public:
  EvaluationContext(const RuleInput& input, const EntityExtractor& extractor)
      : input_(input), extractor_(extractor) {}

  const RuleInput& input() const { return input_; }

  const std::optional<IpBytes>& client_ip() {
    if (!ip_parsed_) {
      ip_parsed_ = true;
      if (!input_.comment.client_ip.empty()) client_ip_ = ParseIp(input_.comment.client_ip);
    }
    return client_ip_;
  }

  // Host and registrable domain of the author URL ("" when there is none).
  const std::string& author_host() {
    ComputeAuthorUrl();
    return author_host_;
  }
  const std::string& author_domain() {
    ComputeAuthorUrl();
    return author_domain_;
  }

  // Host of the post's permalink without a leading "www." ("" when there is none).
  const std::string& site_host() {
    if (!site_host_done_) {
      site_host_done_ = true;
      site_host_ = WithoutWww(HostOf(input_.comment.post_permalink));
    }
    return site_host_;
  }

  bool AuthorUrlMatches(const DomainSet& domains) {
    return domains.Matches(author_host()) || domains.Matches(author_domain());
  }

  size_t words() {
    if (!words_) {
      const std::string& text = input_.normalized.text;
      size_t count = 0;
      bool in_word = false;
      for (char c : text) {
        const bool space = c == ' ' || c == '\n' || c == '\t';
        if (!space && !in_word) ++count;
        in_word = !space;
      }
      words_ = count;
    }
    return *words_;
  }

 private:
  void ComputeAuthorUrl() {
    if (author_url_done_) return;
    author_url_done_ = true;
    const std::string& url = input_.comment.author_url;
    if (url.empty()) return;
    author_host_ = HostOf(url);
    author_domain_ = extractor_.RegistrableDomain(url);
  }

  const RuleInput& input_;
  const EntityExtractor& extractor_;
  bool ip_parsed_ = false;
  std::optional<IpBytes> client_ip_;
  bool site_host_done_ = false;
  std::string site_host_;
  bool author_url_done_ = false;
  std::string author_host_;
  std::string author_domain_;
  std::optional<size_t> words_;
};

bool LinkMatches(const Link& link, const DomainSet& domains) {
  return domains.Matches(link.host) || domains.Matches(link.registrable_domain);
}

// Whether a non-set rule fires; on firing, appends its spans (original byte offsets).
bool RuleFires(const Rule& rule, EvaluationContext& context, std::vector<Span>& spans) {
  const RuleInput& input = context.input();
  const Comment& comment = input.comment;
  const Entities& entities = input.entities;
  switch (rule.kind) {
    case Kind::kRegex:
    case Kind::kPhrase:
    case Kind::kAuthorName:
    case Kind::kUserAgent:
      return false;  // evaluated through the regex sets
    case Kind::kLinkCount: {
      if (entities.links.size() < static_cast<size_t>(rule.min)) return false;
      for (const Link& link : entities.links) spans.push_back(link.location.original);
      return true;
    }
    case Kind::kLinkDensity: {
      const size_t links = entities.links.size();
      if (links < static_cast<size_t>(rule.min) || links == 0) return false;
      const double per_100 = 100.0 * static_cast<double>(links) /
                             static_cast<double>(std::max<size_t>(context.words(), 1));
      if (per_100 < rule.per_100_words) return false;
      for (const Link& link : entities.links) spans.push_back(link.location.original);
      return true;
    }
    case Kind::kPhoneCount: {
      std::vector<Span> found;
      for (const PhoneNumber& phone : entities.phones) {
        // A guessed country counts for no country (PhoneNumber::country_code_written).
        if (!rule.country_codes.empty() &&
            (!phone.country_code_written ||
             std::find(rule.country_codes.begin(), rule.country_codes.end(), phone.country_code) ==
                 rule.country_codes.end())) {
          continue;
        }
        if (rule.letters_for_digits && phone.letters_as_digits == 0) continue;
        found.push_back(phone.location.original);
      }
      if (found.size() < static_cast<size_t>(rule.min)) return false;
      spans.insert(spans.end(), found.begin(), found.end());
      return true;
    }
    case Kind::kObfuscation: {
      const ObfuscationReport& report = input.normalized.obfuscation;
      if (report.total() < static_cast<uint32_t>(rule.min)) return false;
      spans.insert(spans.end(), report.spans.begin(), report.spans.end());
      return true;
    }
    case Kind::kAuthorEmailDomain: {
      const std::string& email = comment.author_email;
      const size_t at = email.rfind('@');
      if (at == std::string::npos) return false;
      return rule.domains.Matches(AsciiLower(std::string_view(email).substr(at + 1)));
    }
    case Kind::kAuthorUrlDomain:
      return context.AuthorUrlMatches(rule.domains);
    case Kind::kIpList:
    case Kind::kAllowedIp: {
      const std::optional<IpBytes>& ip = context.client_ip();
      return ip && rule.ips.Matches(*ip);
    }
    case Kind::kDomainList: {
      bool fired = context.AuthorUrlMatches(rule.domains);
      for (const Link& link : entities.links) {
        if (LinkMatches(link, rule.domains)) {
          fired = true;
          spans.push_back(link.location.original);
        }
      }
      return fired;
    }
    case Kind::kEmailList: {
      bool fired = rule.emails.Matches(comment.author_email);
      for (const EmailAddress& email : entities.emails) {
        if (rule.emails.Matches(email.address)) {
          fired = true;
          spans.push_back(email.location.original);
        }
      }
      return fired;
    }
    case Kind::kHoneypot:
      return !comment.honeypot_value.empty();
    case Kind::kTooFast: {
      if (!comment.form_rendered_at_ms) return false;
      const int64_t submitted = comment.created_at_ms.value_or(input.now_ms);
      const int64_t elapsed = submitted - *comment.form_rendered_at_ms;
      // A negative time means skewed or forged clocks; it proves nothing either way.
      return elapsed >= 0 && elapsed < rule.duration_ms;
    }
    case Kind::kOldPost: {
      if (!comment.post_published_at_ms) return false;
      const int64_t at = comment.created_at_ms.value_or(input.now_ms);
      return at - *comment.post_published_at_ms > rule.duration_ms;
    }
    case Kind::kDuplicate: {
      const std::string& text = input.normalized.text;
      if (input.duplicates == nullptr || text.size() < rule.min_length) return false;
      const int seen = input.duplicates->CountAndRecord(text, input.now_ms, rule.duration_ms,
                                                        /*record=*/false);
      return seen > rule.more_than;
    }
    case Kind::kTrustedRole:
      return !comment.user_role.empty() && rule.roles.count(AsciiLower(comment.user_role)) > 0;
    case Kind::kAllowedDomain: {
      // Every link, and the author URL if any, is on the list; and there is at least one.
      const bool has_author_url = !comment.author_url.empty();
      if (entities.links.empty() && !has_author_url) return false;
      if (has_author_url && !context.AuthorUrlMatches(rule.domains)) return false;
      for (const Link& link : entities.links) {
        if (!LinkMatches(link, rule.domains)) return false;
      }
      for (const Link& link : entities.links) spans.push_back(link.location.original);
      return true;
    }
    case Kind::kOwnSiteLinks: {
      // The comment sends readers nowhere but other pages of the post's own blog: every link
      // goes to the permalink's host and is not the post itself (pasting the permalink costs
      // a spammer nothing), the author URL if any is there too, and there is no phone number,
      // e-mail address or call to contact. Hosts are read from the link as written in the
      // original text: a look-alike host that normalization folded into the blog's name is
      // not the blog. The same host only, not the registrable domain, so that one tenant of a
      // shared host (x.wordpress.com) is not another's own site.
      const std::string& site = context.site_host();
      if (site.empty() || entities.links.empty()) return false;
      if (!entities.phones.empty() || !entities.emails.empty() || !entities.contact_calls.empty()) {
        return false;
      }
      if (!comment.author_url.empty() && WithoutWww(HostOf(comment.author_url)) != site) {
        return false;
      }
      const std::string post = PageKey(comment.post_permalink);
      const std::string_view content = comment.content;
      for (const Link& link : entities.links) {
        const Span& at = link.location.original;
        if (at.end > content.size() || at.begin > at.end) return false;
        const std::string_view written = content.substr(at.begin, at.end - at.begin);
        if (WithoutWww(HostOf(written)) != site || PageKey(written) == post) return false;
      }
      for (const Link& link : entities.links) spans.push_back(link.location.original);
      return true;
    }
    case Kind::kAllowedEmail:
      return rule.emails.Matches(comment.author_email);
    case Kind::kNoContact:
      return !OffersContact(entities, !comment.author_url.empty());
  }
  return false;
}

// Finds the spans of one matched set pattern (at most kMaxReasonSpans in total).
// `search` is normalized.text prepared for MatchWalker.
void FindSpans(const SetPattern& pattern, const NormalizedText& normalized,
               const SearchText& search, std::vector<Span>& spans) {
  const std::string& text = normalized.text;
  const RE2* exact = pattern.Exact();
  if (exact == nullptr) return;
  // "^.{0,199}contact.{0,99}$" cannot match a longer text; RE2 would walk 200 DFA states
  // to find that out (~1.4 us of a 485-byte spam's evaluation).
  if (const std::optional<size_t> most = pattern.WholeTextMaxCodePoints();
      most && search.code_points() > *most) {
    return;
  }
  MatchWalker walker(*exact, pattern.Anchored(), pattern.StartLiterals(),
                     pattern.LiteralsAreMatches(),
                     pattern.word_boundary ? WordCharacterBefore : nullptr, search);
  re2::StringPiece match;
  size_t pos = 0;
  int retries = 0;
  while (pos <= text.size() && spans.size() < kMaxReasonSpans) {
    if (!walker.Next(pos, &match)) break;
    const size_t begin = static_cast<size_t>(match.data() - text.data());
    const size_t end = begin + match.size();
    if (pattern.word_boundary && (WordCharacterBefore(text, begin) || WordCharacterAt(text, end))) {
      if (++retries > kMaxBoundaryRetries) break;
      pos = begin + 1;
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
      continue;
    }
    if (end > begin) {
      spans.push_back(
          normalized.ToOriginal(static_cast<uint32_t>(begin), static_cast<uint32_t>(end)));
    }
    pos = end > begin ? end : begin + 1;
  }
}

// The set indices that match (patterns, and atoms after them); false when the RE2 DFA ran out
// of memory (a pathological input): then `hits` are the patterns that match, found by trying
// every one so that no rule is silently skipped, and no atom is known.
bool MatchSet(const RE2::Set& set, const std::deque<SetPattern>& patterns, std::string_view text,
              std::vector<int>& hits) {
  RE2::Set::ErrorInfo error;
  if (set.Match(text, &hits, &error) || error.kind == RE2::Set::kNoError) return true;
  hits.clear();
  for (size_t i = 0; i < patterns.size(); ++i) {
    const RE2* exact = patterns[i].Exact();
    if (exact != nullptr && RE2::PartialMatch(text, *exact)) hits.push_back(static_cast<int>(i));
  }
  return false;
}

// Every reason of the pack's rules for one comment (RuleSet::Evaluate's contract).
std::vector<Reason> EvaluatePack(const CompiledPack& impl, const RuleInput& input) {
  const CompiledPolicy& site = impl.PolicyFor(input.comment.site_id);
  std::vector<Reason> reasons;

  // Spans are collected in one buffer reused rule after rule, and each reason gets an
  // exactly-sized copy: a rule's spans grew its own vector one doubling at a time (a quarter
  // of a heavy spam's allocations). emit merges and caps a rule's spans in place.
  std::vector<Span> spans;
  auto emit = [&](const Rule& rule, std::vector<Span>& rule_spans) {
    double score = rule.score;
    if (auto it = site.policy.score_overrides.find(rule.id);
        it != site.policy.score_overrides.end()) {
      score = it->second;
    }
    if (score == 0) return;
    MergeSpans(rule_spans);
    // Every reason, not only a regex rule's: a comment with 13,000 links once made a
    // response larger than the server may send.
    if (rule_spans.size() > kMaxReasonSpans) rule_spans.resize(kMaxReasonSpans);
    reasons.push_back(
        Reason{rule.id, rule.description, score, rule_spans, rule.at_least, rule.at_most});
  };

  // Regex and phrase rules: the candidates (the set's hits, and the filtered patterns whose
  // literals occur), then the exact pass on them only, rule by rule and in file order within
  // a rule.
  auto run_candidates = [&](std::vector<const SetPattern*>& matched, std::string_view text,
                            const NormalizedText* spans_from) {
    std::sort(matched.begin(), matched.end(), [](const SetPattern* a, const SetPattern* b) {
      return a->rule != b->rule ? a->rule < b->rule : a->sequence < b->sequence;
    });
    std::optional<SearchText> search;  // built for the first pattern that needs spans
    size_t i = 0;
    while (i < matched.size()) {
      const size_t rule_index = matched[i]->rule;
      spans.clear();
      bool fired = false;
      for (; i < matched.size() && matched[i]->rule == rule_index; ++i) {
        const SetPattern& pattern = *matched[i];
        if (spans_from != nullptr) {
          const size_t before = spans.size();
          if (!search) search.emplace(spans_from->text);
          FindSpans(pattern, *spans_from, *search, spans);
          // The set ignores word boundaries; the exact pass decides.
          fired = fired || spans.size() > before;
        } else {
          const RE2* exact = pattern.Exact();
          fired = fired || (exact != nullptr && RE2::PartialMatch(text, *exact));
        }
      }
      if (fired) emit(impl.rules[rule_index], spans);
    }
  };
  {
    const std::string_view text = input.normalized.text;
    std::vector<const SetPattern*> matched;
    std::vector<int> hits;
    std::vector<int> atoms;
    bool atoms_known = true;
    if (impl.text_set.set) {
      atoms_known = MatchSet(*impl.text_set.set, impl.text_set.patterns, text, hits);
      matched.reserve(hits.size());
      const size_t pattern_count = impl.text_set.patterns.size();
      for (int hit : hits) {
        const size_t index = static_cast<size_t>(hit);
        if (index < pattern_count) {
          matched.push_back(&impl.text_set.patterns[index]);
        } else {
          atoms.push_back(static_cast<int>(index - pattern_count));
        }
      }
    }
    if (!impl.counted.patterns.empty()) {
      if (atoms_known) {
        impl.counted.filter->AllPotentials(atoms, &hits);
        for (int hit : hits) matched.push_back(&impl.counted.patterns[static_cast<size_t>(hit)]);
      } else {
        // The scan failed (RE2 out of memory on a pathological text): every counted pattern
        // is a candidate, so that no rule is silently skipped.
        for (const SetPattern& pattern : impl.counted.patterns) matched.push_back(&pattern);
      }
    }
    // One allocation instead of a doubling series; a pattern gives at most one reason, so
    // this is enough unless field rules fire too.
    if (!matched.empty()) reasons.reserve(matched.size() + 4);
    run_candidates(matched, text, &input.normalized);
  }
  // Author-name and user-agent rules: a set over one request field; they fire without spans
  // (the field is not the comment's text).
  auto run_field_set = [&](const PatternSet& field_set, const std::string& value) {
    std::vector<const SetPattern*> matched;
    std::vector<int> hits;
    MatchSet(*field_set.set, field_set.patterns, value, hits);
    for (int hit : hits) matched.push_back(&field_set.patterns[static_cast<size_t>(hit)]);
    run_candidates(matched, value, nullptr);
  };
  if (impl.name_set.set && !input.comment.author_name.empty()) {
    run_field_set(impl.name_set, impl.normalizer->NormalizeForMatching(input.comment.author_name));
  }
  if (impl.agent_set.set && !input.comment.user_agent.empty()) {
    run_field_set(impl.agent_set, AsciiLower(input.comment.user_agent));
  }

  EvaluationContext context(input, *impl.extractor);
  for (size_t index : impl.field_rules) {
    const Rule& rule = impl.rules[index];
    spans.clear();
    if (RuleFires(rule, context, spans)) emit(rule, spans);
  }
  for (const Rule& rule : site.list_rules) {
    spans.clear();
    if (RuleFires(rule, context, spans)) emit(rule, spans);
  }

  // Recorded once, after every duplicate rule has counted, so that a comment never counts
  // itself.
  if (impl.has_duplicate_rule && input.record_duplicate && input.duplicates != nullptr) {
    input.duplicates->CountAndRecord(input.normalized.text, input.now_ms, 0, /*record=*/true);
  }
  return reasons;
}

}  // namespace
}  // namespace rule_pack

struct RuleSet::Impl : rule_pack::CompiledPack {};

int LoadReport::active_rules() const {
  int total = 0;
  for (const auto& [kind, count] : active_rules_by_kind) total += count;
  return total;
}

Result<std::shared_ptr<const RuleSet>> RuleSet::LoadFile(
    const std::string& path, std::shared_ptr<const Normalizer> normalizer,
    std::shared_ptr<const EntityExtractor> extractor) {
  if (!normalizer || !extractor) {
    return Status::InvalidArgument("RuleSet::LoadFile needs a normalizer and an extractor");
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->normalizer = std::move(normalizer);
  impl->extractor = std::move(extractor);
  if (Status status = rule_pack::LoadRulePack(*impl); !status.ok()) return status;
  return std::shared_ptr<const RuleSet>(new RuleSet(std::move(impl)));
}

RuleSet::RuleSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuleSet::~RuleSet() = default;

std::vector<Reason> RuleSet::Evaluate(const RuleInput& input) const {
  return rule_pack::EvaluatePack(*impl_, input);
}

const SitePolicy& RuleSet::PolicyFor(const std::string& site_id) const {
  return impl_->PolicyFor(site_id).policy;
}

bool RuleSet::HasSitePolicy(const std::string& site_id) const {
  return impl_->sites.count(site_id) > 0;
}

const std::string& RuleSet::version() const { return impl_->version; }
const std::string& RuleSet::path() const { return impl_->path; }
const LoadReport& RuleSet::report() const { return impl_->report; }
const std::vector<RuleInfo>& RuleSet::rules() const { return impl_->infos; }

}  // namespace spamguard
