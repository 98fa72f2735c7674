// Dataset: labeled comments for training and evaluation, and the deterministic operations
// on them (deduplication, subsampling, splitting) that make a training run reproducible.
//
// Input formats (LoadLabeledFile picks one from the first non-empty line):
//   TSV      header `label<TAB>text[<TAB>source]`, then one row per comment; label is
//            spam/ham (also 1/0). Rows without a source get the file's stem.
//   JSONL    one object per line with the CheckCommentRequest fields flattened (content,
//            author_name, author_email, author_url, type, site_id, client_ip, user_agent,
//            referrer, post_permalink, post_title, language, user_role, ...) plus "label";
//            optional "source". Times are Unix ms (created_at_ms, post_published_at_ms,
//            form_rendered_at_ms) within kMinUnixMs..kMaxUnixMs, as the server takes them.
//   fastText `__label__spam text` / `__label__ham text`, one per line; the text is raw
//            comment content (it goes through TextPipeline like any other).
// A malformed line is an error naming file and line (kInvalidArgument); an empty file is one
// too, and so is a TSV row with more tab-separated fields than its header declares (a tab
// inside a text would otherwise move the text's tail into the source), and a row or line
// whose text is empty in any format ("FILE:LINE: empty text" for TSV and fastText). Files are
// UTF-8; a leading byte order mark (EF BB BF) is skipped, other bytes are passed through unchanged.
//
// Determinism: nothing here uses a random generator. Deduplication keeps the first
// occurrence in input order; subsampling and splits rank examples by a 64-bit FNV-1a hash
// of (seed, normalized text), so the same inputs and seed always give the same sets, and an
// example stays on the same side of a split when other examples are added.
//
// Thread safety: plain functions on values; the Normalizer they take is thread-safe.
#ifndef SPAMGUARD_MODEL_DATASET_H_
#define SPAMGUARD_MODEL_DATASET_H_

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/comment.h"
#include "model/fnv_hash.h"
#include "model/normalizer.h"
#include "model/status.h"

namespace spamguard {

struct LabeledExample {
  Comment comment;
  bool spam = false;
  std::string source;  // corpus tag: "youtube-psy", "se-good-gaming", "feedback", ...
  // Normalized content (Normalizer::NormalizeForMatching); the identity used for dedup,
  // subsampling, splits and train/test overlap checks. Filled by Deduplicate/ComputeKeys.
  std::string key;
  // Times the example is written into a training file (how feedback is weighted); 1 for
  // corpus data. Evaluation ignores it.
  int repeat = 1;
};

// Parses one file in any of the formats above.
Result<std::vector<LabeledExample>> LoadLabeledFile(const std::string& path);
// Parses text that is in one of the formats; `name` appears in error messages and is the
// default source.
Result<std::vector<LabeledExample>> ParseLabeledText(std::string_view text,
                                                     const std::string& name);
// Parses one line of the JSONL format (a leading byte order mark is skipped). Errors read
// "<where>: <what>", so `where` is the caller's "file:line". When `object` is given, it
// receives the parsed JSON object too, for a caller that reads fields of its own from the
// line (the regression replay's "name" and "expect").
Result<LabeledExample> ParseLabeledJsonLine(std::string_view line, const std::string& where,
                                            const std::string& default_source,
                                            nlohmann::json* object = nullptr);

// The UTF-8 byte order mark, which some editors put at the start of a file.
inline constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

// Fills every example's key from its content.
void ComputeKeys(const Normalizer& normalizer, std::vector<LabeledExample>& examples);

struct DedupReport {
  size_t kept = 0;
  size_t duplicates = 0;  // same key and label as an earlier example
  size_t conflicts = 0;   // same key as an earlier example with the other label
};
// Computes keys, then keeps only the first example of each key (the earlier one wins label
// conflicts, so callers put the more trusted data first). Examples with an empty key (no
// content) are dropped as duplicates of each other.
DedupReport Deduplicate(const Normalizer& normalizer, std::vector<LabeledExample>& examples);

// A number in [0, 1) fixed by (salt, key).
double StableUnit(uint64_t salt, std::string_view key);

// Per-source subsampling: "se-good=4000" keeps at most 4000 examples whose source is
// "se-good" or starts with "se-good-" (all such sources together), choosing the ones with the
// smallest StableUnit(seed, key). Examples of other sources are untouched; order is kept.
struct SubsampleRule {
  std::string source_prefix;
  size_t keep = 0;
};
// Parses "SOURCE=N"; kInvalidArgument on anything else.
Result<SubsampleRule> ParseSubsampleRule(const std::string& text);
bool SourceMatches(const std::string& source, const std::string& prefix);
void Subsample(const std::vector<SubsampleRule>& rules, uint64_t seed,
               std::vector<LabeledExample>& examples);

// The documented default training mix (data/README.md): subsample the 177k Stack Exchange
// ham titles to 4000.
std::vector<SubsampleRule> DefaultMix();

// Splits by StableUnit(salt, key) < fraction: `selected` gets those below, `rest` the others,
// both in input order.
struct Split {
  std::vector<LabeledExample> selected;
  std::vector<LabeledExample> rest;
};
Split SplitByKey(std::vector<LabeledExample> examples, uint64_t salt, double fraction);

// The salt of the fixed held-back split (independent of --seed, so every model in a store
// is judged on the same held-back comments).
inline constexpr uint64_t kHeldBackSalt = 0x5350474d484f4c44ull;  // "SPGMHOLD"
inline constexpr double kDefaultHeldBackFraction = 0.2;

// Counts of spam and ham per source, for reports.
struct SourceCount {
  size_t spam = 0;
  size_t ham = 0;
};
std::map<std::string, SourceCount> CountBySource(const std::vector<LabeledExample>& examples);

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_DATASET_H_
