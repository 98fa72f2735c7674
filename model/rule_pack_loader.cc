// LoadRulePack: the rule pack file format (rules/README.md) turned into a CompiledPack.
#include "model/rule_pack_loader.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <tuple>

#include "model/fnv_hash.h"

namespace spamguard::rule_pack {
namespace {

// A pattern repeating something this many times or more goes into the second text set.
constexpr int kLongRepetition = 10;

// The regex set holds thousands of patterns; RE2's default 8 MiB budget is too small for
// its DFA. This is an upper bound, not an allocation.
constexpr int64_t kRegexSetMaxMem = int64_t{256} << 20;

// The most patterns one set may hold (regex and phrase rules together; author-name and
// user-agent rules each). 200,000 phrases compile in ~4.5 s and ~190 MB; at 500,000 RE2
// gives up after printing its own errors, so a larger pack is refused before RE2 sees it.
constexpr size_t kMaxPatternsPerSet = 200'000;

// The largest rule file (the pack or one list) read: far above any real list (the shipped
// pack and its lists are 230 KB; a million spam domains are ~20 MB), and a bound on what a
// wrong path (/dev/zero, a disk image) can make the loader read into memory.
constexpr uintmax_t kMaxRuleFileBytes = uintmax_t{64} << 20;

// The longest duration a rule may set (too-fast seconds, old-post days, duplicate
// within_minutes): 100 years of 365 days, far inside int64_t milliseconds.
constexpr int64_t kMaxRuleDurationMs = int64_t{100} * 365 * 86'400'000;

// Scores of the built-in per-site list rules (SitePolicy's extra lists).
constexpr double kSiteBlockedScore = 6.0;
constexpr double kSiteAllowedScore = -6.0;

// Keys every rule may carry.
const std::vector<std::string> kCommonKeys = {"id",      "description", "kind",   "score",
                                              "enabled", "at_least",    "at_most"};
// Keys of a rule whose entries may also come from a list file.
const std::vector<std::string> kFileKeys = {"file", "field", "exclude"};

struct KindSpec {
  const char* name;
  Kind kind;
  const char* list_key;  // the inline list parameter, or nullptr when the kind has none
  std::vector<std::string> scalar_keys;
};

const std::vector<KindSpec>& KindSpecs() {
  static const std::vector<KindSpec> specs = {
      {"regex", Kind::kRegex, "patterns", {"word_boundary"}},
      {"phrase", Kind::kPhrase, "phrases", {}},
      {"link-count", Kind::kLinkCount, nullptr, {"min"}},
      {"link-density", Kind::kLinkDensity, nullptr, {"per_100_words", "min_links"}},
      {"phone-count", Kind::kPhoneCount, nullptr, {"min", "country_codes", "letters_for_digits"}},
      {"obfuscation", Kind::kObfuscation, nullptr, {"min"}},
      {"author-name", Kind::kAuthorName, "patterns", {}},
      {"user-agent", Kind::kUserAgent, "patterns", {}},
      {"author-email-domain", Kind::kAuthorEmailDomain, "domains", {}},
      {"author-url-domain", Kind::kAuthorUrlDomain, "domains", {}},
      {"ip-list", Kind::kIpList, "ips", {}},
      {"domain-list", Kind::kDomainList, "domains", {}},
      {"email-list", Kind::kEmailList, "emails", {}},
      {"honeypot", Kind::kHoneypot, nullptr, {}},
      {"too-fast", Kind::kTooFast, nullptr, {"seconds"}},
      {"old-post", Kind::kOldPost, nullptr, {"days"}},
      {"duplicate", Kind::kDuplicate, nullptr, {"more_than", "within_minutes", "min_length"}},
      {"trusted-role", Kind::kTrustedRole, "roles", {}},
      {"allowed-domain", Kind::kAllowedDomain, "domains", {}},
      {"allowed-email", Kind::kAllowedEmail, "emails", {}},
      {"allowed-ip", Kind::kAllowedIp, "ips", {}},
      {"own-site-links", Kind::kOwnSiteLinks, nullptr, {}},
      {"no-contact", Kind::kNoContact, nullptr, {}},
  };
  return specs;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Whether a pattern has a counted repetition whose largest count is kLongRepetition or more
// ("x{0,200}", "x{120}", "x{12,}"); escaped braces are not repetitions.
bool HasLongCountedRepetition(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
      continue;
    }
    if (pattern[i] != '{') continue;
    int largest = -1;
    int value = -1;
    size_t j = i + 1;
    for (; j < pattern.size() && pattern[j] != '}'; ++j) {
      const char c = pattern[j];
      if (c >= '0' && c <= '9') {
        value = (value < 0 ? 0 : value) * 10 + (c - '0');
        if (value > 100000) value = 100000;
      } else if (c == ',') {
        largest = std::max(largest, value);
        value = -1;
      } else {
        break;  // not a counted repetition ("{" as a literal)
      }
    }
    if (j < pattern.size() && pattern[j] == '}' && std::max(largest, value) >= kLongRepetition) {
      return true;
    }
  }
  return false;
}

// Lower-cases a regex outside its escapes ("\\W", "\\p{Lu}", "\\x{41}" stay as they are),
// the same folding the normalizer applies to text. Non-ASCII letters use ICU's simple case
// folding.
std::string FoldPatternCase(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size());
  size_t i = 0;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char next = pattern[i + 1];
      size_t end = i + 2;
      if ((next == 'p' || next == 'P' || next == 'x') && end < pattern.size() &&
          pattern[end] == '{') {
        const size_t close = pattern.find('}', end);
        end = close == std::string_view::npos ? pattern.size() : close + 1;
      }
      out.append(pattern.substr(i, end - i));
      i = end;
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x80) {
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
      ++i;
      continue;
    }
    UChar32 code_point = 0;
    int32_t length = static_cast<int32_t>(pattern.size());
    int32_t offset = static_cast<int32_t>(i);
    U8_NEXT(pattern.data(), offset, length, code_point);
    if (code_point < 0) {
      out.push_back(c);
      ++i;
      continue;
    }
    const UChar32 folded = u_foldCase(code_point, U_FOLD_CASE_DEFAULT);
    char buffer[4];
    int32_t written = 0;
    UBool unencodable = false;
    U8_APPEND(buffer, written, 4, folded, unencodable);
    if (unencodable) written = 0;
    out.append(buffer, static_cast<size_t>(written));
    i = static_cast<size_t>(offset);
  }
  return out;
}

// An entry of a rule's list with where it came from ("rules/lists/x.txt:12").
struct ListEntry {
  std::string text;
  std::string where;
};

class Loader {
 public:
  Loader(std::string path, CompiledPack& impl)
      : path_(std::move(path)),
        directory_(std::filesystem::path(path_).parent_path()),
        impl_(impl) {}

  Status Load() {
    std::string bytes;
    if (Status status = ReadFile(path_, "", bytes); !status.ok()) return status;
    YAML::Node root;
    try {
      root = YAML::Load(bytes);
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(path_ + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    try {
      return LoadRoot(root);
    } catch (const YAML::Exception& e) {
      // A node of an unexpected shape that a check below did not anticipate.
      return Status::InvalidArgument(path_ + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
  }

  std::string Version() const {
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(hash_));
    return std::string(hex, 12);
  }

 private:
  Status Error(const YAML::Node& node, const std::string& message) const {
    const int line = node.Mark().line;
    return Status::InvalidArgument(path_ + ":" + std::to_string(line < 0 ? 0 : line + 1) + ": " +
                                   message);
  }

  // Reads a file and folds it into the pack's version hash under hash_name (the name as the
  // pack wrote it, so that the version does not depend on where the pack was loaded from).
  Status ReadFile(const std::string& file, std::string_view hash_name, std::string& bytes) {
    // An ifstream opens a directory and reads nothing from it, which would surface as a
    // confusing "must be a map" or "has no entries"; a device or a pipe (/dev/zero) may never
    // end. Only a regular file of at most kMaxRuleFileBytes is read.
    std::error_code error;
    const std::filesystem::file_status status = std::filesystem::status(file, error);
    if (std::filesystem::is_directory(status)) {
      return Status::InvalidArgument(file + " is a directory, not a rule file");
    }
    if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
      return Status::InvalidArgument(file + " is not a regular file (a device, pipe or socket)");
    }
    const Status too_large = Status::InvalidArgument(file + " is larger than " +
                                                     std::to_string(kMaxRuleFileBytes >> 20) +
                                                     " MiB, the most a rule file may hold");
    const uintmax_t size = std::filesystem::file_size(file, error);
    if (!error && size > kMaxRuleFileBytes) return too_large;
    std::ifstream in(file, std::ios::binary);
    if (!in) return Status::NotFound("cannot open rule file " + file);
    // What the size said, and whatever the file grew by since, up to the bound.
    bytes.clear();
    char chunk[1 << 16];
    while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
      bytes.append(chunk, static_cast<size_t>(in.gcount()));
      if (bytes.size() > kMaxRuleFileBytes) return too_large;
    }
    if (in.bad()) return Status::IoError("cannot read rule file " + file);
    hash_ = Fnv1a64(hash_name, hash_);
    hash_ = Fnv1a64(std::string_view("\0", 1), hash_);
    hash_ = Fnv1a64(bytes, hash_);
    return Status::Ok();
  }

  Status CheckKeys(const YAML::Node& map, const std::vector<std::string>& allowed,
                   const std::string& what) const {
    for (const auto& item : map) {
      const std::string key = item.first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (const std::string& name : allowed) list += (list.empty() ? "" : ", ") + name;
        return Error(item.first,
                     "unknown key '" + key + "' in " + what + " (expected one of: " + list + ")");
      }
    }
    return Status::Ok();
  }

  Status GetNumber(const YAML::Node& node, const std::string& what, double& out) const {
    if (!node.IsScalar()) return Error(node, what + " must be a number");
    try {
      out = node.as<double>();
    } catch (const YAML::Exception&) {
      return Error(node, what + " must be a number, not '" + node.Scalar() + "'");
    }
    if (!std::isfinite(out)) return Error(node, what + " must be finite");
    return Status::Ok();
  }

  Status GetInt(const YAML::Node& node, const std::string& what, int min_value, int& out) const {
    if (!node.IsScalar()) return Error(node, what + " must be an integer");
    try {
      out = node.as<int>();
    } catch (const YAML::Exception&) {
      return Error(node, what + " must be an integer, not '" + node.Scalar() + "'");
    }
    if (out < min_value) {
      return Error(node, what + " must be at least " + std::to_string(min_value));
    }
    return Status::Ok();
  }

  // "true" or "false", as written (YAML's "yes", "on", "True" are refused).
  Status GetBool(const YAML::Node& node, const std::string& what, bool& out) const {
    if (!node.IsScalar() || (node.Scalar() != "true" && node.Scalar() != "false")) {
      return Error(node, what + " must be true or false");
    }
    out = node.Scalar() == "true";
    return Status::Ok();
  }

  // "ham", "hold", "spam" or "discard".
  Status GetVerdict(const YAML::Node& node, const std::string& what, Verdict& out) const {
    if (node.IsScalar()) {
      if (const std::optional<Verdict> verdict = VerdictFromName(node.Scalar())) {
        out = *verdict;
        return Status::Ok();
      }
    }
    return Error(node, what + " must be one of ham, hold, spam, discard");
  }

  Status GetString(const YAML::Node& node, const std::string& what, std::string& out) const {
    if (!node.IsScalar()) return Error(node, what + " must be a string");
    out = node.Scalar();
    return Status::Ok();
  }

  Status GetStringList(const YAML::Node& node, const std::string& what,
                       std::vector<ListEntry>& out) const {
    if (!node.IsSequence()) return Error(node, what + " must be a list");
    for (const YAML::Node& item : node) {
      if (!item.IsScalar()) return Error(item, "every entry of " + what + " must be a string");
      out.push_back({item.Scalar(), path_ + ":" + std::to_string(item.Mark().line + 1)});
    }
    return Status::Ok();
  }

  // A rule's entries: the inline list plus the lines of its list file(s), minus `exclude`.
  Status GetEntries(const YAML::Node& rule, const char* list_key, const std::string& rule_name,
                    std::vector<ListEntry>& out) {
    if (const YAML::Node inline_list = rule[list_key]) {
      if (Status s = GetStringList(inline_list, rule_name + " '" + list_key + "'", out); !s.ok()) {
        return s;
      }
    }
    int field = 0;
    if (const YAML::Node field_node = rule["field"]) {
      if (Status s = GetInt(field_node, rule_name + " 'field'", 1, field); !s.ok()) return s;
    }
    if (const YAML::Node file_node = rule["file"]) {
      std::vector<ListEntry> files;
      if (file_node.IsScalar()) {
        files.push_back({file_node.Scalar(), ""});
      } else if (Status s = GetStringList(file_node, rule_name + " 'file'", files); !s.ok()) {
        return s;
      }
      for (const ListEntry& file : files) {
        if (Status s = ReadListFile(file_node, file.text, field, out); !s.ok()) return s;
      }
    }
    if (const YAML::Node exclude = rule["exclude"]) {
      std::vector<ListEntry> excluded;
      if (Status s = GetStringList(exclude, rule_name + " 'exclude'", excluded); !s.ok()) {
        return s;
      }
      std::unordered_set<std::string> drop;
      for (const ListEntry& entry : excluded) drop.insert(entry.text);
      std::erase_if(out, [&](const ListEntry& entry) { return drop.count(entry.text) > 0; });
    }
    return Status::Ok();
  }

  // One entry per line; blank lines and lines starting with '#' are skipped. With field > 0
  // the entry is that tab-separated column (1-based).
  Status ReadListFile(const YAML::Node& node, const std::string& name, int field,
                      std::vector<ListEntry>& out) {
    const std::filesystem::path relative(name);
    const std::string file =
        relative.is_absolute() ? name : (directory_ / relative).lexically_normal().string();
    std::string bytes;
    if (Status s = ReadFile(file, name, bytes); !s.ok()) {
      return Error(node, "cannot read list file '" + file + "': " + s.message());
    }
    std::istringstream lines(bytes);
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
      ++number;
      std::string_view entry = Trim(line);
      if (entry.empty() || entry.front() == '#') continue;
      const std::string where = file + ":" + std::to_string(number);
      if (field > 0) {
        std::string_view rest = line;
        for (int column = 1; column < field; ++column) {
          const size_t tab = rest.find('\t');
          rest = tab == std::string_view::npos ? std::string_view() : rest.substr(tab + 1);
        }
        entry = Trim(rest.substr(0, rest.find('\t')));
        if (entry.empty()) {
          impl_.report.skipped.push_back(where + ": no field " + std::to_string(field));
          continue;
        }
      }
      out.push_back({std::string(entry), where});
    }
    return Status::Ok();
  }

  Status LoadRoot(const YAML::Node& root) {
    if (!root.IsMap()) return Error(root, "a rule pack must be a map with 'version' and 'rules'");
    if (Status s = CheckKeys(root, {"version", "name", "policy", "sites", "rules"}, "the pack");
        !s.ok()) {
      return s;
    }
    const YAML::Node version = root["version"];
    if (!version) return Error(root, "missing 'version' (the file format version, 1)");
    int format = 0;
    if (Status s = GetInt(version, "'version'", 1, format); !s.ok()) return s;
    if (format != 1) return Error(version, "unsupported format version " + version.Scalar());

    const YAML::Node rules = root["rules"];
    if (!rules || !rules.IsSequence()) return Error(root, "missing 'rules' (a list of rules)");
    for (const YAML::Node& rule : rules) {
      if (Status s = LoadRule(rule); !s.ok()) return s;
    }
    if (Status s = CompileSets(); !s.ok()) return s;

    if (const YAML::Node policy = root["policy"]) {
      if (Status s =
              LoadPolicy(policy, "the default policy", SitePolicy{}, impl_.default_policy.policy);
          !s.ok()) {
        return s;
      }
    }
    CompileLists(impl_.default_policy);
    if (const YAML::Node sites = root["sites"]) {
      if (!sites.IsMap()) return Error(sites, "'sites' must be a map from site_id to policy");
      for (const auto& item : sites) {
        const std::string site_id = item.first.as<std::string>();
        CompiledPolicy& site = impl_.sites[site_id];
        if (Status s = LoadPolicy(item.second, "site '" + site_id + "'",
                                  impl_.default_policy.policy, site.policy);
            !s.ok()) {
          return s;
        }
        CompileLists(site);
      }
    }
    return Status::Ok();
  }

  Status LoadRule(const YAML::Node& node) {
    if (!node.IsMap()) return Error(node, "a rule must be a map");
    std::string id;
    if (!node["id"]) return Error(node, "rule without 'id'");
    if (Status s = GetString(node["id"], "'id'", id); !s.ok()) return s;
    static const RE2 kSlug("[a-z0-9][a-z0-9-]*");
    if (!RE2::FullMatch(id, kSlug)) {
      return Error(node["id"], "rule id '" + id + "' must be a slug: a-z, 0-9 and '-'");
    }
    if (id.rfind("site-", 0) == 0) {
      return Error(node["id"], "rule id '" + id + "': the prefix 'site-' is reserved");
    }
    if (!known_ids_.insert(id).second) return Error(node["id"], "duplicate rule id '" + id + "'");
    const std::string name = "rule '" + id + "'";

    Rule rule;
    rule.id = id;
    if (!node["description"]) return Error(node, name + " has no 'description'");
    if (Status s = GetString(node["description"], name + " 'description'", rule.description);
        !s.ok()) {
      return s;
    }
    if (!node["kind"]) return Error(node, name + " has no 'kind'");
    if (Status s = GetString(node["kind"], name + " 'kind'", rule.kind_name); !s.ok()) return s;
    const KindSpec* spec = nullptr;
    for (const KindSpec& candidate : KindSpecs()) {
      if (rule.kind_name == candidate.name) spec = &candidate;
    }
    if (spec == nullptr) {
      std::string kinds;
      for (const KindSpec& candidate : KindSpecs()) {
        kinds += (kinds.empty() ? "" : ", ") + std::string(candidate.name);
      }
      return Error(node["kind"],
                   name + " has unknown kind '" + rule.kind_name + "' (known: " + kinds + ")");
    }
    rule.kind = spec->kind;
    if (!node["score"]) return Error(node, name + " has no 'score'");
    if (Status s = GetNumber(node["score"], name + " 'score'", rule.score); !s.ok()) return s;

    std::vector<std::string> allowed = kCommonKeys;
    allowed.insert(allowed.end(), spec->scalar_keys.begin(), spec->scalar_keys.end());
    if (spec->list_key != nullptr) {
      allowed.push_back(spec->list_key);
      allowed.insert(allowed.end(), kFileKeys.begin(), kFileKeys.end());
    }
    if (Status s = CheckKeys(node, allowed, name); !s.ok()) return s;

    bool enabled = true;
    if (const YAML::Node enabled_node = node["enabled"]) {
      if (Status s = GetBool(enabled_node, name + " 'enabled'", enabled); !s.ok()) return s;
    }

    for (auto [key, bound] : {std::pair{"at_least", &rule.at_least}, {"at_most", &rule.at_most}}) {
      if (const YAML::Node value = node[key]) {
        if (Status s = GetVerdict(value, name + " '" + key + "'", *bound); !s.ok()) return s;
      }
    }
    if (rule.at_least > rule.at_most) {
      return Error(node, name + " 'at_least' is harsher than its 'at_most'");
    }

    std::vector<ListEntry> entries;
    if (spec->list_key != nullptr) {
      if (Status s = GetEntries(node, spec->list_key, name, entries); !s.ok()) return s;
      if (entries.empty()) {
        return Error(
            node, name + " has no entries: give '" + std::string(spec->list_key) + "' or 'file'");
      }
    }
    if (Status s = LoadParameters(node, name, entries, rule); !s.ok()) return s;
    if (!enabled) return Status::Ok();

    const size_t index = impl_.rules.size();
    bool active = true;
    switch (rule.kind) {
      case Kind::kRegex:
      case Kind::kPhrase:
      case Kind::kAuthorName:
      case Kind::kUserAgent: {
        const PatternTarget target = TargetFor(rule.kind);
        if (target.count + entries.size() > kMaxPatternsPerSet) {
          return Error(node, name + " brings the pack's " + target.name + " patterns to " +
                                 std::to_string(target.count + entries.size()) + "; at most " +
                                 std::to_string(kMaxPatternsPerSet) + " are supported");
        }
        active = AddPatterns(rule, index, entries);
        break;
      }
      case Kind::kDuplicate:
        impl_.has_duplicate_rule = true;
        impl_.field_rules.push_back(index);
        break;
      default:
        impl_.field_rules.push_back(index);
        break;
    }
    if (!active) {
      impl_.report.skipped.push_back(path_ + ":" + std::to_string(node.Mark().line + 1) + ": " +
                                     name + ": no usable pattern; rule inactive");
      return Status::Ok();
    }
    ++impl_.report.active_rules_by_kind[rule.kind_name];
    impl_.infos.push_back(RuleInfo{rule.id, rule.kind_name, rule.description, rule.score});
    impl_.rules.push_back(std::move(rule));
    return Status::Ok();
  }

  Status LoadParameters(const YAML::Node& node, const std::string& name,
                        const std::vector<ListEntry>& entries, Rule& rule) {
    auto required_number = [&](const char* key, double& out) -> Status {
      if (!node[key]) return Error(node, name + " needs '" + key + "'");
      if (Status s = GetNumber(node[key], name + " '" + key + "'", out); !s.ok()) return s;
      if (out <= 0) return Error(node[key], name + " '" + key + "' must be positive");
      return Status::Ok();
    };
    // A duration in units of unit_ms, converted to milliseconds. Refused above 100 years: a
    // larger one would not fit int64_t milliseconds (1e30 seconds is undefined behaviour, in
    // practice a rule that never or always fires), and no rule needs one. Refused below 1 ms,
    // which is what it would be rounded down to: 0 ms makes too-fast and duplicate never
    // fire and old-post fire on every post.
    auto required_duration = [&](const char* key, double unit_ms, int64_t& out) -> Status {
      double value = 0;
      if (Status s = required_number(key, value); !s.ok()) return s;
      const double max_value = std::floor(static_cast<double>(kMaxRuleDurationMs) / unit_ms);
      if (value > max_value) {
        char max_text[32];
        std::snprintf(max_text, sizeof max_text, "%.0f", max_value);
        return Error(node[key],
                     name + " '" + key + "' must be at most " + max_text + " (100 years)");
      }
      if (value * unit_ms < 1.0) {
        char min_text[32];
        std::snprintf(min_text, sizeof min_text, "%.3g", 1.0 / unit_ms);
        return Error(node[key],
                     name + " '" + key + "' must be at least " + min_text + " (1 millisecond)");
      }
      out = static_cast<int64_t>(value * unit_ms);
      return Status::Ok();
    };
    auto optional_int = [&](const char* key, int min_value, int& out) -> Status {
      if (!node[key]) return Status::Ok();
      return GetInt(node[key], name + " '" + key + "'", min_value, out);
    };
    switch (rule.kind) {
      case Kind::kLinkCount:
      case Kind::kObfuscation:
        if (!node["min"]) return Error(node, name + " needs 'min'");
        return optional_int("min", 1, rule.min);
      case Kind::kPhoneCount:
        if (Status s = optional_int("min", 1, rule.min); !s.ok()) return s;
        if (const YAML::Node codes = node["country_codes"]) {
          if (!codes.IsSequence()) return Error(codes, name + " 'country_codes' must be a list");
          for (const YAML::Node& code : codes) {
            int value = 0;
            if (Status s = GetInt(code, name + " country code", 1, value); !s.ok()) return s;
            rule.country_codes.push_back(value);
          }
        }
        if (const YAML::Node letters = node["letters_for_digits"]) {
          return GetBool(letters, name + " 'letters_for_digits'", rule.letters_for_digits);
        }
        return Status::Ok();
      case Kind::kLinkDensity:
        rule.min = 2;
        if (Status s = optional_int("min_links", 1, rule.min); !s.ok()) return s;
        return required_number("per_100_words", rule.per_100_words);
      case Kind::kTooFast:
        return required_duration("seconds", 1000.0, rule.duration_ms);
      case Kind::kOldPost:
        return required_duration("days", 86400.0 * 1000.0, rule.duration_ms);
      case Kind::kDuplicate: {
        if (!node["more_than"]) return Error(node, name + " needs 'more_than'");
        if (Status s = optional_int("more_than", 0, rule.more_than); !s.ok()) return s;
        if (Status s = required_duration("within_minutes", 60.0 * 1000.0, rule.duration_ms);
            !s.ok()) {
          return s;
        }
        int min_length = 20;
        if (Status s = optional_int("min_length", 0, min_length); !s.ok()) return s;
        rule.min_length = static_cast<size_t>(min_length);
        return Status::Ok();
      }
      case Kind::kAuthorEmailDomain:
      case Kind::kAuthorUrlDomain:
      case Kind::kDomainList:
      case Kind::kAllowedDomain:
        for (const ListEntry& entry : entries) {
          if (std::optional<std::string> error = DomainSet::EntryError(entry.text)) {
            return Status::InvalidArgument(entry.where + ": " + name + ": '" + entry.text +
                                           "' is " + *error);
          }
          rule.domains.Add(AsciiLower(entry.text));
        }
        return Status::Ok();
      case Kind::kEmailList:
      case Kind::kAllowedEmail:
        for (const ListEntry& entry : entries) rule.emails.Add(AsciiLower(entry.text));
        return Status::Ok();
      case Kind::kIpList:
      case Kind::kAllowedIp:
        for (const ListEntry& entry : entries) {
          if (std::optional<std::string> error = rule.ips.Add(entry.text)) {
            return Status::InvalidArgument(entry.where + ": " + name + ": " + *error);
          }
        }
        return Status::Ok();
      case Kind::kTrustedRole:
        for (const ListEntry& entry : entries) rule.roles.insert(AsciiLower(entry.text));
        return Status::Ok();
      case Kind::kRegex:
        word_boundary_ = false;
        if (const YAML::Node boundary = node["word_boundary"]) {
          if (Status s = GetBool(boundary, name + " 'word_boundary'", word_boundary_); !s.ok()) {
            return s;
          }
        }
        return Status::Ok();
      case Kind::kPhrase:
      case Kind::kAuthorName:
      case Kind::kUserAgent:
      case Kind::kHoneypot:
      case Kind::kOwnSiteLinks:
      case Kind::kNoContact:
        return Status::Ok();
    }
    return Status::Ok();
  }

  // Where a regex, phrase, author-name or user-agent rule's patterns go: the set, how many
  // patterns already count toward its kMaxPatternsPerSet (the text set's include the
  // filtered ones), and its name in messages.
  struct PatternTarget {
    PatternSet& set;
    size_t count;
    const char* name;
  };
  PatternTarget TargetFor(Kind kind) {
    switch (kind) {
      case Kind::kAuthorName:
        return {impl_.name_set, impl_.name_set.patterns.size(), "author-name"};
      case Kind::kUserAgent:
        return {impl_.agent_set, impl_.agent_set.patterns.size(), "user-agent"};
      default:
        return {impl_.text_set, impl_.text_pattern_count, "regex and phrase"};
    }
  }

  // Adds a regex/phrase/author-name/user-agent rule's patterns to their sets; false when
  // none compiled. Only text patterns may go to the filtered group (a field is short).
  bool AddPatterns(const Rule& rule, size_t rule_index, const std::vector<ListEntry>& entries) {
    const bool is_field = rule.kind == Kind::kAuthorName || rule.kind == Kind::kUserAgent;
    const bool wrap = rule.kind == Kind::kPhrase || (rule.kind == Kind::kRegex && word_boundary_);
    bool any = false;
    int number = 0;
    for (const ListEntry& entry : entries) {
      ++number;
      // A phrase is literal text, normalized exactly like comment text; a regex is folded to
      // lower case outside its escapes.
      const std::string pattern =
          rule.kind == Kind::kPhrase
              ? RE2::QuoteMeta(impl_.normalizer->NormalizeForMatching(entry.text))
              : FoldPatternCase(entry.text);
      std::string error;
      if (!is_field && HasLongCountedRepetition(pattern)) {
        if (AddCounted(pattern, error)) {
          impl_.counted.patterns.emplace_back(rule_index, impl_.text_pattern_count++, pattern,
                                              wrap);
          any = true;
          continue;
        }
      } else {
        PatternSet& target = TargetFor(rule.kind).set;
        if (!target.set) {
          RE2::Options options = PatternOptions();
          options.set_max_mem(kRegexSetMaxMem);
          target.set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
        }
        if (target.set->Add(pattern, &error) >= 0) {
          const size_t sequence = is_field ? target.patterns.size() : impl_.text_pattern_count++;
          target.patterns.emplace_back(rule_index, sequence, pattern, wrap);
          any = true;
          continue;
        }
      }
      impl_.report.skipped.push_back(entry.where + ": rule '" + rule.id + "' pattern " +
                                     std::to_string(number) + ": " + error + ": " + entry.text);
    }
    return any;
  }

  // Adds a pattern to the filtered group; false with RE2's message when it does not compile.
  bool AddCounted(const std::string& pattern, std::string& error) {
    if (!impl_.counted.filter) impl_.counted.filter = std::make_unique<re2::FilteredRE2>(3);
    int id = -1;
    if (impl_.counted.filter->Add(pattern, PatternOptions(), &id) != RE2::NoError) {
      error = RE2(pattern, PatternOptions()).error();  // compiled again only to say why
      return false;
    }
    if (id != static_cast<int>(impl_.counted.patterns.size())) {
      error = "cannot add to the filtered patterns";
      return false;
    }
    return true;
  }

  Status CompileSets() {
    if (!impl_.counted.patterns.empty()) {
      std::vector<std::string> atoms;
      impl_.counted.filter->Compile(&atoms);
      if (!atoms.empty() && !impl_.text_set.set) {
        RE2::Options options = PatternOptions();
        options.set_max_mem(kRegexSetMaxMem);
        impl_.text_set.set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
      }
      for (const std::string& atom : atoms) {
        if (impl_.text_set.set->Add(RE2::QuoteMeta(atom), nullptr) < 0) {
          return Status::Internal(path_ + ": cannot compile the literal '" + atom + "'");
        }
      }
      impl_.counted.atom_count = atoms.size();
    }
    if (impl_.text_set.set && !impl_.text_set.set->Compile()) {
      return Status::Internal(path_ + ": the regex and phrase rules are too large to compile");
    }
    if (impl_.name_set.set && !impl_.name_set.set->Compile()) {
      return Status::Internal(path_ + ": the author-name rules are too large to compile");
    }
    if (impl_.agent_set.set && !impl_.agent_set.set->Compile()) {
      return Status::Internal(path_ + ": the user-agent rules are too large to compile");
    }
    return Status::Ok();
  }

  Status LoadPolicy(const YAML::Node& node, const std::string& what, const SitePolicy& base,
                    SitePolicy& out) {
    if (!node.IsMap()) return Error(node, what + " must be a map");
    if (Status s = CheckKeys(node,
                             {"hold", "spam", "discard", "model_alone_can_discard",
                              "score_overrides", "blocked_domains", "blocked_emails", "blocked_ips",
                              "allowed_domains", "allowed_emails", "allowed_ips"},
                             what);
        !s.ok()) {
      return s;
    }
    out = base;
    const std::pair<const char*, double*> thresholds[] = {{"hold", &out.hold_threshold},
                                                          {"spam", &out.spam_threshold},
                                                          {"discard", &out.discard_threshold}};
    for (const auto& [key, value] : thresholds) {
      if (const YAML::Node threshold = node[key]) {
        if (Status s = GetNumber(threshold, what + " '" + key + "'", *value); !s.ok()) return s;
      }
    }
    if (!(out.hold_threshold > 0 && out.hold_threshold <= out.spam_threshold &&
          out.spam_threshold <= out.discard_threshold && out.discard_threshold <= 1)) {
      return Error(node, what + ": thresholds must satisfy 0 < hold <= spam <= discard <= 1");
    }
    if (const YAML::Node alone = node["model_alone_can_discard"]) {
      if (Status s =
              GetBool(alone, what + " 'model_alone_can_discard'", out.model_alone_can_discard);
          !s.ok()) {
        return s;
      }
    }
    if (const YAML::Node overrides = node["score_overrides"]) {
      if (!overrides.IsMap()) return Error(overrides, what + " 'score_overrides' must be a map");
      for (const auto& item : overrides) {
        const std::string id = item.first.as<std::string>();
        if (!known_ids_.count(id) && !IsSiteListRule(id)) {
          return Error(item.first, what + " overrides unknown rule '" + id + "'");
        }
        double score = 0;
        if (Status s = GetNumber(item.second, what + " score for '" + id + "'", score); !s.ok()) {
          return s;
        }
        out.score_overrides[id] = score;
      }
    }
    const std::pair<const char*, std::vector<std::string>*> lists[] = {
        {"blocked_domains", &out.blocked_domains}, {"blocked_emails", &out.blocked_emails},
        {"blocked_ips", &out.blocked_ips},         {"allowed_domains", &out.allowed_domains},
        {"allowed_emails", &out.allowed_emails},   {"allowed_ips", &out.allowed_ips}};
    for (const auto& [key, list] : lists) {
      if (const YAML::Node items = node[key]) {
        std::vector<ListEntry> entries;
        if (Status s = GetStringList(items, what + " '" + key + "'", entries); !s.ok()) return s;
        for (const ListEntry& entry : entries) {
          if (std::string(key).ends_with("_ips")) {
            if (std::optional<std::string> error = IpSet().Add(entry.text)) {
              return Status::InvalidArgument(entry.where + ": " + what + " '" + key +
                                             "': " + *error);
            }
          }
          list->push_back(AsciiLower(entry.text));
        }
      }
    }
    return Status::Ok();
  }

  static bool IsSiteListRule(const std::string& id) {
    static const std::set<std::string> kIds = {"site-blocked-domain", "site-blocked-email",
                                               "site-blocked-ip",     "site-allowed-domain",
                                               "site-allowed-email",  "site-allowed-ip"};
    return kIds.count(id) > 0;
  }

  // Turns a policy's extra lists into the built-in site-* rules.
  // Entries were validated by LoadPolicy.
  static void CompileLists(CompiledPolicy& compiled) {
    const SitePolicy& policy = compiled.policy;
    auto add_rule = [&](const char* id, Kind kind, const char* kind_name, double score,
                        const char* description) -> Rule& {
      Rule rule;
      rule.id = id;
      rule.kind = kind;
      rule.kind_name = kind_name;
      rule.score = score;
      rule.description = description;
      compiled.list_rules.push_back(std::move(rule));
      return compiled.list_rules.back();
    };
    if (!policy.blocked_domains.empty()) {
      Rule& rule = add_rule("site-blocked-domain", Kind::kDomainList, "domain-list",
                            kSiteBlockedScore, "Links to a domain this site has blocked.");
      for (const std::string& domain : policy.blocked_domains) rule.domains.Add(domain);
    }
    if (!policy.blocked_emails.empty()) {
      Rule& rule = add_rule("site-blocked-email", Kind::kEmailList, "email-list", kSiteBlockedScore,
                            "Uses or mentions an e-mail address this site has blocked.");
      for (const std::string& email : policy.blocked_emails) rule.emails.Add(email);
    }
    if (!policy.allowed_domains.empty()) {
      Rule& rule = add_rule("site-allowed-domain", Kind::kAllowedDomain, "allowed-domain",
                            kSiteAllowedScore, "Links only to domains this site trusts.");
      for (const std::string& domain : policy.allowed_domains) rule.domains.Add(domain);
    }
    if (!policy.allowed_emails.empty()) {
      Rule& rule = add_rule("site-allowed-email", Kind::kAllowedEmail, "allowed-email",
                            kSiteAllowedScore, "The author's e-mail address is trusted here.");
      for (const std::string& email : policy.allowed_emails) rule.emails.Add(email);
    }
    const std::tuple<const char*, Kind, const char*, double, const char*,
                     const std::vector<std::string>*>
        ip_lists[] = {{"site-blocked-ip", Kind::kIpList, "ip-list", kSiteBlockedScore,
                       "Sent from an address this site has blocked.", &policy.blocked_ips},
                      {"site-allowed-ip", Kind::kAllowedIp, "allowed-ip", kSiteAllowedScore,
                       "Sent from an address this site trusts.", &policy.allowed_ips}};
    for (const auto& [id, kind, kind_name, score, description, entries] : ip_lists) {
      if (entries->empty()) continue;
      Rule& rule = add_rule(id, kind, kind_name, score, description);
      for (const std::string& entry : *entries) rule.ips.Add(entry);
    }
  }

  const std::string path_;
  const std::filesystem::path directory_;
  CompiledPack& impl_;
  uint64_t hash_ = kFnv1a64Basis;
  std::unordered_set<std::string> known_ids_;
  bool word_boundary_ = false;  // the current regex rule's word_boundary
};

}  // namespace

Status LoadRulePack(CompiledPack& pack) {
  Loader loader(pack.path, pack);
  if (Status status = loader.Load(); !status.ok()) return status;
  pack.version = loader.Version();
  return Status::Ok();
}

}  // namespace spamguard::rule_pack
