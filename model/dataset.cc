#include "model/dataset.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "model/unix_time.h"
#include "model/utf8.h"

namespace spamguard {
namespace {

enum class Format { kTsv, kJsonl, kFastText };

std::string Trim(std::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// "spam"/"1"/"true" -> spam, "ham"/"0"/"false" -> ham.
Result<bool> ParseLabel(const std::string& raw, const std::string& where) {
  const std::string label = Lower(Trim(raw));
  if (label == "spam" || label == "1" || label == "true") return true;
  if (label == "ham" || label == "0" || label == "false") return false;
  return Status::InvalidArgument(where + ": label must be spam or ham, got '" + raw + "'");
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

std::string Where(const std::string& name, size_t line_index) {
  return name + ":" + std::to_string(line_index + 1);
}

// The number of tab-separated fields of a TSV line.
size_t TsvFieldCount(std::string_view line) {
  return static_cast<size_t>(std::count(line.begin(), line.end(), '\t')) + 1;
}

// One row under a header of `header_fields` columns (label, text[, source]). A row with more
// fields than the header is refused rather than split where the header says: a tab inside a
// text would otherwise cut the text short and turn its tail into the source.
Result<LabeledExample> ParseTsvRow(std::string_view line, const std::string& where,
                                   const std::string& default_source, size_t header_fields) {
  const size_t first_tab = line.find('\t');
  if (first_tab == std::string_view::npos) {
    return Status::InvalidArgument(where + ": expected label<TAB>text[<TAB>source]");
  }
  if (const size_t fields = TsvFieldCount(line); fields > header_fields) {
    return Status::InvalidArgument(
        where + ": " + std::to_string(fields) + " tab-separated fields, but the header declares " +
        std::to_string(header_fields) + " (a tab inside the text must be removed or replaced)");
  }
  const size_t second_tab = line.find('\t', first_tab + 1);
  Result<bool> spam = ParseLabel(std::string(line.substr(0, first_tab)), where);
  if (!spam.ok()) return spam.status();
  LabeledExample example;
  example.spam = *spam;
  if (second_tab == std::string_view::npos) {
    example.comment.content = std::string(line.substr(first_tab + 1));
    example.source = default_source;
  } else {
    example.comment.content = std::string(line.substr(first_tab + 1, second_tab - first_tab - 1));
    example.source = Trim(line.substr(second_tab + 1));
    if (example.source.empty()) example.source = default_source;
  }
  // As the JSONL and fastText readers: a row without text is a damaged row, not an example.
  if (example.comment.content.empty()) return Status::InvalidArgument(where + ": empty text");
  return example;
}

std::string JsonString(const nlohmann::json& object, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// A time field: absent or not an integer is none; an integer outside kMinUnixMs..kMaxUnixMs
// (as the server refuses a Timestamp outside its range) is an error naming the field.
Result<std::optional<int64_t>> JsonMillis(const nlohmann::json& object, const char* field,
                                          const std::string& where) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_number_integer()) return std::optional<int64_t>();
  const bool in_range = it->is_number_unsigned()
                            ? it->get<uint64_t>() <= static_cast<uint64_t>(kMaxUnixMs)
                            : it->get<int64_t>() >= kMinUnixMs && it->get<int64_t>() <= kMaxUnixMs;
  if (!in_range) {
    return Status::InvalidArgument(where + ": \"" + field + "\" " + it->dump() +
                                   " is outside 0001-01-01 .. 9999-12-31 (Unix ms " +
                                   std::to_string(kMinUnixMs) + " .. " +
                                   std::to_string(kMaxUnixMs) + ")");
  }
  return std::optional<int64_t>(it->get<int64_t>());
}

Result<LabeledExample> ParseJsonRow(std::string_view line, const std::string& where,
                                    const std::string& default_source,
                                    nlohmann::json* object_out = nullptr) {
  // JSON text is UTF-8; the parser would only call a bad byte "not a JSON object".
  if (size_t offset = 0; !IsValidUtf8(line, &offset)) {
    return Status::InvalidArgument(where + ": not valid UTF-8 (byte " + std::to_string(offset) +
                                   ")");
  }
  nlohmann::json object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object()) {
    return Status::InvalidArgument(where + ": not a JSON object");
  }
  auto label = object.find("label");
  if (label == object.end()) return Status::InvalidArgument(where + ": missing \"label\"");
  std::string label_text;
  if (label->is_string()) {
    label_text = label->get<std::string>();
  } else if (label->is_number_integer()) {
    label_text = std::to_string(label->get<int64_t>());
  } else if (label->is_boolean()) {
    label_text = label->get<bool>() ? "spam" : "ham";
  }
  Result<bool> spam = ParseLabel(label_text, where);
  if (!spam.ok()) return spam.status();

  LabeledExample example;
  example.spam = *spam;
  Comment& c = example.comment;
  c.content = JsonString(object, "content");
  if (c.content.empty()) return Status::InvalidArgument(where + ": missing or empty \"content\"");
  c.site_id = JsonString(object, "site_id");
  c.author_name = JsonString(object, "author_name");
  c.author_email = JsonString(object, "author_email");
  c.author_url = JsonString(object, "author_url");
  // "type" may be the proto enum name (COMMENT_TYPE_TRACKBACK) or the short one (trackback).
  std::string type = Lower(JsonString(object, "type"));
  if (type.rfind("comment_type_", 0) == 0) type = type.substr(std::strlen("comment_type_"));
  c.kind = CommentKindFromName(type);
  c.language = JsonString(object, "language");
  c.client_ip = JsonString(object, "client_ip");
  c.user_agent = JsonString(object, "user_agent");
  c.referrer = JsonString(object, "referrer");
  c.post_permalink = JsonString(object, "post_permalink");
  c.post_title = JsonString(object, "post_title");
  if (auto tags = object.find("post_tags"); tags != object.end() && tags->is_array()) {
    for (const auto& tag : *tags) {
      if (tag.is_string()) c.post_tags.push_back(tag.get<std::string>());
    }
  }
  c.honeypot_value = JsonString(object, "honeypot_value");
  c.user_role = JsonString(object, "user_role");
  for (auto [field, target] : {std::pair{"created_at_ms", &c.created_at_ms},
                               {"post_published_at_ms", &c.post_published_at_ms},
                               {"form_rendered_at_ms", &c.form_rendered_at_ms}}) {
    Result<std::optional<int64_t>> millis = JsonMillis(object, field, where);
    if (!millis.ok()) return millis.status();
    *target = *millis;
  }
  example.source = JsonString(object, "source");
  if (example.source.empty()) example.source = default_source;
  if (object_out != nullptr) *object_out = std::move(object);
  return example;
}

Result<LabeledExample> ParseFastTextRow(std::string_view line, const std::string& where,
                                        const std::string& default_source) {
  constexpr std::string_view kPrefix = "__label__";
  if (line.substr(0, kPrefix.size()) != kPrefix) {
    return Status::InvalidArgument(where + ": expected __label__spam or __label__ham first");
  }
  const size_t space = line.find_first_of(" \t");
  const std::string label(line.substr(kPrefix.size(), space == std::string_view::npos
                                                          ? std::string_view::npos
                                                          : space - kPrefix.size()));
  Result<bool> spam = ParseLabel(label, where);
  if (!spam.ok()) return spam.status();
  LabeledExample example;
  example.spam = *spam;
  example.comment.content = space == std::string_view::npos ? "" : Trim(line.substr(space + 1));
  if (example.comment.content.empty()) return Status::InvalidArgument(where + ": empty text");
  example.source = default_source;
  return example;
}

}  // namespace

Result<std::vector<LabeledExample>> ParseLabeledText(std::string_view text,
                                                     const std::string& name) {
  const std::string default_source = std::filesystem::path(name).stem().string();
  // Editors on Windows start UTF-8 files with a byte order mark; it is not part of the data.
  if (text.substr(0, kUtf8ByteOrderMark.size()) == kUtf8ByteOrderMark) {
    text.remove_prefix(kUtf8ByteOrderMark.size());
  }
  const std::vector<std::string_view> lines = SplitLines(text);
  size_t first = 0;
  while (first < lines.size() && Trim(lines[first]).empty()) ++first;
  if (first == lines.size()) return Status::InvalidArgument(name + ": no labeled examples");

  Format format;
  size_t header_fields = 0;  // TSV only
  const std::string_view head = lines[first];
  if (head.substr(0, 9) == "__label__") {
    format = Format::kFastText;
  } else if (!head.empty() && head.front() == '{') {
    format = Format::kJsonl;
  } else if (Lower(std::string(head.substr(0, head.find('\t')))) == "label" &&
             head.find('\t') != std::string_view::npos) {
    format = Format::kTsv;
    header_fields = TsvFieldCount(head);
    if (header_fields > 3) {
      return Status::InvalidArgument(Where(name, first) + ": the header declares " +
                                     std::to_string(header_fields) +
                                     " columns; expected label<TAB>text[<TAB>source]");
    }
    ++first;  // the header
  } else {
    return Status::InvalidArgument(
        Where(name, first) +
        ": unknown format (expected a TSV header 'label<TAB>text', a JSON object or __label__)");
  }

  std::vector<LabeledExample> examples;
  for (size_t i = first; i < lines.size(); ++i) {
    if (Trim(lines[i]).empty()) continue;
    const std::string where = Where(name, i);
    Result<LabeledExample> example =
        format == Format::kTsv     ? ParseTsvRow(lines[i], where, default_source, header_fields)
        : format == Format::kJsonl ? ParseJsonRow(lines[i], where, default_source)
                                   : ParseFastTextRow(lines[i], where, default_source);
    if (!example.ok()) return example.status();
    examples.push_back(std::move(example).value());
  }
  if (examples.empty()) return Status::InvalidArgument(name + ": no labeled examples");
  return examples;
}

Result<LabeledExample> ParseLabeledJsonLine(std::string_view line, const std::string& where,
                                            const std::string& default_source,
                                            nlohmann::json* object) {
  if (line.substr(0, kUtf8ByteOrderMark.size()) == kUtf8ByteOrderMark) {
    line.remove_prefix(kUtf8ByteOrderMark.size());
  }
  return ParseJsonRow(line, where, default_source, object);
}

Result<std::vector<LabeledExample>> LoadLabeledFile(const std::string& path) {
  // An ifstream opens a directory and reads nothing, which looked like an empty file.
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return Status::InvalidArgument(path +
                                   " is a directory, not a data file (name the .tsv or "
                                   ".jsonl files in it)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open data file " + path);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Status::IoError("failed reading " + path);
  return ParseLabeledText(bytes.str(), path);
}

void ComputeKeys(const Normalizer& normalizer, std::vector<LabeledExample>& examples) {
  for (LabeledExample& example : examples) {
    example.key = normalizer.NormalizeForMatching(example.comment.content);
  }
}

DedupReport Deduplicate(const Normalizer& normalizer, std::vector<LabeledExample>& examples) {
  ComputeKeys(normalizer, examples);
  DedupReport report;
  std::unordered_map<std::string, bool> first_label;  // key -> spam
  std::vector<LabeledExample> kept;
  kept.reserve(examples.size());
  for (LabeledExample& example : examples) {
    auto [it, inserted] = first_label.emplace(example.key, example.spam);
    if (!inserted || example.key.empty()) {
      ++(it->second == example.spam ? report.duplicates : report.conflicts);
      continue;
    }
    kept.push_back(std::move(example));
  }
  examples = std::move(kept);
  report.kept = examples.size();
  return report;
}

double StableUnit(uint64_t salt, std::string_view key) {
  char salt_bytes[8];
  for (int i = 0; i < 8; ++i) salt_bytes[i] = static_cast<char>((salt >> (8 * i)) & 0xff);
  uint64_t hash = Fnv1a64(key, Fnv1a64(std::string_view(salt_bytes, 8)));
  // FNV's low bits mix poorly for short inputs; finish with a 64-bit avalanche (splitmix64).
  hash ^= hash >> 30;
  hash *= 0xbf58476d1ce4e5b9ull;
  hash ^= hash >> 27;
  hash *= 0x94d049bb133111ebull;
  hash ^= hash >> 31;
  return static_cast<double>(hash >> 11) * 0x1.0p-53;
}

Result<SubsampleRule> ParseSubsampleRule(const std::string& text) {
  const size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size()) {
    return Status::InvalidArgument("subsample rule must be SOURCE=N, got '" + text + "'");
  }
  SubsampleRule rule;
  rule.source_prefix = text.substr(0, equals);
  const std::string count = text.substr(equals + 1);
  if (!std::all_of(count.begin(), count.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
      count.size() > 12) {
    return Status::InvalidArgument("subsample count must be a number, got '" + count + "'");
  }
  rule.keep = std::stoull(count);
  return rule;
}

bool SourceMatches(const std::string& source, const std::string& prefix) {
  if (source == prefix) return true;
  return source.size() > prefix.size() && source.compare(0, prefix.size(), prefix) == 0 &&
         source[prefix.size()] == '-';
}

void Subsample(const std::vector<SubsampleRule>& rules, uint64_t seed,
               std::vector<LabeledExample>& examples) {
  std::vector<bool> dropped(examples.size(), false);
  for (const SubsampleRule& rule : rules) {
    std::vector<std::pair<double, size_t>> ranked;
    for (size_t i = 0; i < examples.size(); ++i) {
      if (!dropped[i] && SourceMatches(examples[i].source, rule.source_prefix)) {
        const std::string_view key =
            examples[i].key.empty() ? examples[i].comment.content : examples[i].key;
        ranked.emplace_back(StableUnit(seed, key), i);
      }
    }
    if (ranked.size() <= rule.keep) continue;
    std::sort(ranked.begin(), ranked.end());
    for (size_t r = rule.keep; r < ranked.size(); ++r) dropped[ranked[r].second] = true;
  }
  std::vector<LabeledExample> kept;
  kept.reserve(examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    if (!dropped[i]) kept.push_back(std::move(examples[i]));
  }
  examples = std::move(kept);
}

std::vector<SubsampleRule> DefaultMix() { return {{"se-good", 4000}}; }

Split SplitByKey(std::vector<LabeledExample> examples, uint64_t salt, double fraction) {
  Split split;
  for (LabeledExample& example : examples) {
    const std::string_view key = example.key.empty() ? example.comment.content : example.key;
    (StableUnit(salt, key) < fraction ? split.selected : split.rest).push_back(std::move(example));
  }
  return split;
}

std::map<std::string, SourceCount> CountBySource(const std::vector<LabeledExample>& examples) {
  std::map<std::string, SourceCount> counts;
  for (const LabeledExample& example : examples) {
    ++(example.spam ? counts[example.source].spam : counts[example.source].ham);
  }
  return counts;
}

}  // namespace spamguard
