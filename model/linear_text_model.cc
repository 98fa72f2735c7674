#include "model/linear_text_model.h"

#include <linear.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "model/features.h"
#include "model/fnv_hash.h"

namespace spamguard {
namespace {

constexpr uint32_t kFormatVersion = 1;
constexpr int kMaxNgramLength = 16;
constexpr size_t kHeaderBytes = 4 * 4 + 8;
constexpr size_t kFeatureBytes = 8 + 4 + 4;
// A bound far above any trained model (the default has ~62,000): table slots and the scratch
// counters index features in 32 bits, and a file claiming more is not ours.
constexpr uint32_t kMaxFeatures = uint32_t{1} << 26;
// LIBLINEAR's stopping tolerance for the primal trust-region Newton solver.
constexpr double kSolverTolerance = 1e-3;

// Words and characters hash from different bases, so the token "ab" and the character
// bigram "ab" are different features.
constexpr uint64_t kWordBasis = kFnv1a64Basis;
constexpr uint64_t kCharacterBasis = kFnv1a64Basis ^ 0x63686172ull;  // "char"

// Key 0 marks an empty slot of the table; the one n-gram in 2^64 that hashes to 0 shares
// key 1 with whatever hashes there.
uint64_t NonZero(uint64_t hash) { return hash == 0 ? 1 : hash; }

uint64_t WordKey(std::string_view token) { return NonZero(Fnv1a64(token, kWordBasis)); }

uint64_t PairKey(std::string_view first, std::string_view second) {
  return NonZero(Fnv1a64(second, Fnv1a64(" ", Fnv1a64(first, kWordBasis))));
}

std::vector<std::string_view> Tokens(std::string_view line) {
  std::vector<std::string_view> tokens;
  size_t begin = 0;
  while (begin <= line.size()) {
    size_t end = line.find(' ', begin);
    if (end == std::string_view::npos) end = line.size();
    if (end > begin) tokens.push_back(line.substr(begin, end - begin));
    begin = end + 1;
  }
  return tokens;
}

// A token FeatureBuilder wrote ("__url__", "__domain_example.org__", "__phone__"), not the
// commenter: never misspelled, so its character n-grams would only repeat its own weight
// twenty times over and share pieces ("__", "main_") with unrelated tokens.
bool IsGeneratedToken(std::string_view token) {
  return token.size() > 4 && token.starts_with("__") && token.ends_with("__");
}

// Appends the keys of both groups of `tokens` (see the header) to words and characters.
// Appends the character n-gram keys of one token (see the header).
void AppendCharacterKeys(std::string_view token, int minn, int maxn, std::string& padded,
                         std::vector<size_t>& starts, std::vector<uint64_t>& characters) {
  padded.assign(1, ' ');
  padded.append(token);
  padded.push_back(' ');
  starts.clear();  // byte offset of each code point of `padded`, then its size
  for (size_t b = 0; b < padded.size(); ++b) {
    if ((static_cast<unsigned char>(padded[b]) & 0xC0) != 0x80) starts.push_back(b);
  }
  const size_t points = starts.size();
  starts.push_back(padded.size());
  for (size_t first = 0; first < points; ++first) {
    uint64_t hash = kCharacterBasis;
    for (int n = 1; n <= maxn && first + n <= points; ++n) {
      for (size_t b = starts[first + n - 1]; b < starts[first + n]; ++b) {  // FNV-1a, inline
        hash = (hash ^ static_cast<unsigned char>(padded[b])) * kFnv1a64Prime;
      }
      if (n >= minn) characters.push_back(NonZero(hash));
    }
  }
}

// Appends the keys of both groups of `tokens` (see the header) to words and characters; the
// word keys in the order token 0, pair 0-1, token 1, pair 1-2, ... With `character_ends`,
// also records where each token's character keys end.
void CollectKeys(const std::vector<std::string_view>& tokens, int minn, int maxn,
                 std::vector<uint64_t>& words, std::vector<uint64_t>& characters,
                 std::vector<size_t>* character_ends = nullptr) {
  std::string padded;
  std::vector<size_t> starts;
  for (size_t i = 0; i < tokens.size(); ++i) {
    words.push_back(WordKey(tokens[i]));
    if (i + 1 < tokens.size()) words.push_back(PairKey(tokens[i], tokens[i + 1]));
    if (!IsGeneratedToken(tokens[i])) {
      AppendCharacterKeys(tokens[i], minn, maxn, padded, starts, characters);
    }
    if (character_ends != nullptr) character_ends->push_back(characters.size());
  }
}

// `tokens` without the context tokens for which `known(word key)` is false.
template <typename Known>
std::vector<std::string_view> WithoutUnknownContext(std::vector<std::string_view> tokens,
                                                    const Known& known) {
  std::erase_if(tokens, [&](std::string_view token) {
    return IsContextToken(token) && !known(WordKey(token));
  });
  return tokens;
}

// Counts each distinct key of one line once in `frequency` (document frequencies).
void CountDistinct(std::vector<uint64_t> keys, std::unordered_map<uint64_t, int>& frequency) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (uint64_t key : keys) ++frequency[key];
}

double TermWeight(int frequency) {
  return frequency == 1 ? 1.0 : 1.0 + std::log(static_cast<double>(frequency));
}

uint64_t SlotHash(uint64_t key) { return (key ^ (key >> 29)) * 0x9E3779B97F4A7C15ull; }

void PutBytes(std::string& out, const void* value, size_t size) {
  out.append(static_cast<const char*>(value), size);  // the hosts we build for are little-endian
}

template <typename T>
T GetBytes(std::string_view bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

void DiscardLiblinearOutput(const char*) {}

}  // namespace

std::string LinearParameters::ToString() const {
  std::ostringstream out;
  out << "c=" << c << " minn=" << minn << " maxn=" << maxn << " min_df=" << min_document_frequency
      << " weight=" << weight;
  return out.str();
}

Result<LinearTextModel> LinearTextModel::Train(const std::vector<LinearExample>& examples,
                                               const LinearParameters& parameters) {
  if (!(parameters.c > 0) || !std::isfinite(parameters.c) || parameters.minn < 1 ||
      parameters.maxn < parameters.minn || parameters.maxn > kMaxNgramLength ||
      parameters.min_document_frequency < 1) {
    return Status::InvalidArgument("linear model parameters out of range: " +
                                   parameters.ToString());
  }
  bool spam = false, ham = false;
  for (const LinearExample& example : examples) (example.spam ? spam : ham) = true;
  if (!spam || !ham) {
    return Status::InvalidArgument("the linear model needs both spam and ham examples");
  }

  // Document frequencies of the context tokens first: those below the cut are dropped from
  // every line, as serving drops the ones the vocabulary lacks.
  std::vector<std::vector<std::string_view>> tokens;
  tokens.reserve(examples.size());
  std::unordered_map<uint64_t, int> context_frequency;
  for (const LinearExample& example : examples) {
    tokens.push_back(Tokens(example.line));
    std::vector<uint64_t> seen;
    for (std::string_view token : tokens.back()) {
      if (IsContextToken(token)) seen.push_back(WordKey(token));
    }
    CountDistinct(std::move(seen), context_frequency);
  }
  const auto frequent_context = [&](uint64_t key) {
    const auto it = context_frequency.find(key);
    return it != context_frequency.end() && it->second >= parameters.min_document_frequency;
  };

  // Every line's keys, as serving collects them, and each key's document frequency.
  std::vector<std::vector<uint64_t>> word_keys(examples.size());
  std::vector<std::vector<uint64_t>> character_keys(examples.size());
  std::unordered_map<uint64_t, int> document_frequency;
  for (size_t i = 0; i < examples.size(); ++i) {
    tokens[i] = WithoutUnknownContext(std::move(tokens[i]), frequent_context);
    CollectKeys(tokens[i], parameters.minn, parameters.maxn, word_keys[i], character_keys[i]);
    std::vector<uint64_t> keys = word_keys[i];
    keys.insert(keys.end(), character_keys[i].begin(), character_keys[i].end());
    CountDistinct(std::move(keys), document_frequency);
  }

  // The features, with their idf and no weight yet, in the table serving reads: the rows
  // below get their values from the same CountGroup that scores a comment.
  std::vector<Slot> features;
  const double lines = static_cast<double>(examples.size());
  for (const auto& [key, frequency] : document_frequency) {
    if (frequency < parameters.min_document_frequency) continue;
    features.push_back({key, static_cast<float>(std::log((1 + lines) / (1 + frequency)) + 1), 0});
  }
  std::sort(features.begin(), features.end(),
            [](const Slot& a, const Slot& b) { return a.key < b.key; });
  LinearTextModel result;
  result.minn_ = parameters.minn;
  result.maxn_ = parameters.maxn;
  result.BuildTable(features);

  // One array of feature nodes for all lines: each line's features by increasing index (its
  // table slot + 1), then the bias feature, then LIBLINEAR's terminator.
  const int bias_index = static_cast<int>(result.table_.size()) + 1;
  std::vector<feature_node> nodes;
  std::vector<size_t> first_node(examples.size());
  std::vector<double> labels;
  for (size_t i = 0; i < examples.size(); ++i) {
    first_node[i] = nodes.size();
    for (const std::vector<uint64_t>* keys : {&word_keys[i], &character_keys[i]}) {
      const GroupCounts counts = result.CountGroup(*keys);
      for (uint32_t cell : counts.used) {
        nodes.push_back({static_cast<int>(counts.Slot(cell)) + 1,
                         result.FeatureValue(counts, cell) / counts.norm});
      }
    }
    std::sort(nodes.begin() + first_node[i], nodes.end(),
              [](const feature_node& a, const feature_node& b) { return a.index < b.index; });
    nodes.push_back({bias_index, 1.0});
    nodes.push_back({-1, 0.0});
  }
  // A repeated example is the same row several times (LIBLINEAR only reads the rows).
  std::vector<feature_node*> rows;
  for (size_t i = 0; i < examples.size(); ++i) {
    for (int copy = 0; copy < std::max(1, examples[i].copies); ++copy) {
      rows.push_back(nodes.data() + first_node[i]);
      labels.push_back(examples[i].spam ? 1 : -1);
    }
  }

  problem training{};
  training.l = static_cast<int>(rows.size());
  training.n = bias_index;
  training.y = labels.data();
  training.x = rows.data();
  training.bias = 1;
  parameter settings{};
  settings.solver_type = L2R_LR;
  settings.eps = kSolverTolerance;
  settings.C = parameters.c;
  settings.p = 0.1;
  if (const char* problem = check_parameter(&training, &settings); problem != nullptr) {
    return Status::Internal(std::string("LIBLINEAR refused the parameters: ") + problem);
  }
  static std::once_flag silenced;
  std::call_once(silenced, [] { set_print_string_function(&DiscardLiblinearOutput); });
  model* trained = train(&training, &settings);
  if (trained == nullptr) return Status::Internal("LIBLINEAR training failed");
  // The weights score the first label LIBLINEAR saw; turn them to score spam.
  const double sign = trained->label[0] == 1 ? 1.0 : -1.0;
  for (size_t slot = 0; slot < result.table_.size(); ++slot) {
    if (result.table_[slot].key != 0) {
      result.table_[slot].weight = static_cast<float>(sign * trained->w[slot]);
    }
  }
  result.bias_ = sign * trained->w[result.table_.size()];
  free_and_destroy_model(&trained);
  return result;
}

void LinearTextModel::BuildTable(const std::vector<Slot>& features) {
  feature_count_ = features.size();
  size_t size = 16;
  while (size < 2 * features.size()) size *= 2;
  table_.assign(size, Slot{});
  const size_t mask = size - 1;
  for (const Slot& feature : features) {
    size_t i = SlotHash(feature.key) & mask;
    while (table_[i].key != 0) i = (i + 1) & mask;
    table_[i] = feature;
  }
}

const LinearTextModel::Slot* LinearTextModel::Find(uint64_t key) const {
  if (table_.empty()) return nullptr;
  const size_t mask = table_.size() - 1;
  for (size_t i = SlotHash(key) & mask;; i = (i + 1) & mask) {
    if (table_[i].key == key) return &table_[i];
    if (table_[i].key == 0) return nullptr;
  }
}

double LinearTextModel::FeatureValue(const GroupCounts& counts, uint32_t cell) const {
  return TermWeight(counts.Frequency(cell)) * table_[counts.Slot(cell)].idf;
}

// Term frequencies by table slot, in a scratch table of at least twice as many cells as keys
// (0 is an empty cell). Sorting the keys instead was a sixth of a short comment's whole
// pipeline time.
LinearTextModel::GroupCounts LinearTextModel::CountGroup(const std::vector<uint64_t>& keys) const {
  GroupCounts counts;
  size_t size = 16;
  while (size < 2 * keys.size()) size *= 2;
  const size_t mask = size - 1;
  counts.cells.assign(size, 0);
  counts.cell_of_key.assign(keys.size(), GroupCounts::kUnknown);
  counts.used.reserve(keys.size());
  for (size_t k = 0; k < keys.size(); ++k) {
    const Slot* feature = Find(keys[k]);
    if (feature == nullptr) continue;
    const uint64_t tag = static_cast<uint64_t>(feature - table_.data()) + 1;
    size_t i = SlotHash(tag) & mask;
    while (counts.cells[i] != 0 && (counts.cells[i] >> 32) != tag) i = (i + 1) & mask;
    if (counts.cells[i] == 0) {
      counts.cells[i] = tag << 32;
      counts.used.push_back(static_cast<uint32_t>(i));
    }
    ++counts.cells[i];
    counts.cell_of_key[k] = static_cast<uint32_t>(i);
  }
  double dot = 0, sum_of_squares = 0;
  for (uint32_t i : counts.used) {
    const double value = FeatureValue(counts, i);
    sum_of_squares += value * value;
    dot += value * table_[counts.Slot(i)].weight;
  }
  counts.norm = std::sqrt(sum_of_squares);
  counts.margin = sum_of_squares > 0 ? dot / counts.norm : 0;
  return counts;
}

LinearTextModel::LineScore LinearTextModel::Score(std::string_view line) const {
  LineScore score;
  score.tokens_ =
      WithoutUnknownContext(Tokens(line), [this](uint64_t key) { return Find(key) != nullptr; });
  std::vector<uint64_t> words, characters;
  CollectKeys(score.tokens_, minn_, maxn_, words, characters, &score.character_ends_);
  score.words_ = CountGroup(words);
  score.characters_ = CountGroup(characters);
  score.margin_ = bias_ + score.words_.margin + score.characters_.margin;
  return score;
}

double LinearTextModel::Margin(std::string_view line) const { return Score(line).margin(); }

std::vector<WordShare> LinearTextModel::SpamWords(std::string_view line, size_t count) const {
  return SpamWords(Score(line), count);
}

std::vector<WordShare> LinearTextModel::SpamWords(const LineScore& score, size_t count) const {
  const std::vector<std::string_view>& tokens = score.tokens_;
  const std::vector<size_t>& character_ends = score.character_ends_;
  const GroupCounts& word_counts = score.words_;
  const GroupCounts& character_counts = score.characters_;
  const size_t n = tokens.size();
  // One occurrence's part of a feature's contribution to the margin.
  const auto occurrence = [this](const GroupCounts& counts, size_t key) {
    const uint32_t cell = counts.cell_of_key[key];
    if (cell == GroupCounts::kUnknown || counts.norm == 0) return 0.0;
    return FeatureValue(counts, cell) * table_[counts.Slot(cell)].weight / counts.norm /
           counts.Frequency(cell);
  };
  // A word in more than about kMaxNamedWordLineShare of the training lines explains nothing:
  // idf = ln((1 + lines) / (1 + df)) + 1 (Train), so idf < 1 - ln(share) means
  // (1 + df) / (1 + lines) > share (the model keeps no line count to be more exact with).
  const double min_named_idf = 1 - std::log(kMaxNamedWordLineShare);
  const auto too_common = [&](size_t i) {
    const uint32_t cell = word_counts.cell_of_key[2 * i];
    return cell != GroupCounts::kUnknown && table_[word_counts.Slot(cell)].idf < min_named_idf;
  };
  std::vector<std::pair<std::string_view, double>> shares;
  for (size_t i = 0; i < n; ++i) {
    // FeatureBuilder's tokens, and a number token glued to the letters after it ("100mg" is
    // "__num__mg"), are not words as the commenter wrote them.
    if (tokens[i].starts_with("__") || too_common(i)) continue;
    double share = occurrence(word_counts, 2 * i);
    if (i > 0) share += occurrence(word_counts, 2 * i - 1) / 2;
    if (i + 1 < n) share += occurrence(word_counts, 2 * i + 1) / 2;
    for (size_t c = i == 0 ? 0 : character_ends[i - 1]; c < character_ends[i]; ++c) {
      share += occurrence(character_counts, c);
    }
    const auto same = std::find_if(shares.begin(), shares.end(),
                                   [&](const auto& s) { return s.first == tokens[i]; });
    if (same != shares.end()) {
      same->second += share;
    } else {
      shares.emplace_back(tokens[i], share);
    }
  }
  std::erase_if(shares, [](const auto& s) { return !(s.second > 0); });
  std::stable_sort(shares.begin(), shares.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<WordShare> strongest;
  for (size_t i = 0; i < std::min(count, shares.size()); ++i) {
    strongest.push_back({std::string(shares[i].first), shares[i].second});
  }
  return strongest;
}

std::string LinearTextModel::Serialize() const {
  std::vector<Slot> features;
  features.reserve(feature_count_);
  for (const Slot& slot : table_) {
    if (slot.key != 0) features.push_back(slot);
  }
  std::sort(features.begin(), features.end(),
            [](const Slot& a, const Slot& b) { return a.key < b.key; });
  std::string out;
  out.reserve(kHeaderBytes + features.size() * kFeatureBytes);
  const uint32_t header[4] = {kFormatVersion, static_cast<uint32_t>(minn_),
                              static_cast<uint32_t>(maxn_), static_cast<uint32_t>(features.size())};
  PutBytes(out, header, sizeof(header));
  PutBytes(out, &bias_, sizeof(bias_));
  for (const Slot& feature : features) {
    PutBytes(out, &feature.key, sizeof(feature.key));
    PutBytes(out, &feature.idf, sizeof(feature.idf));
    PutBytes(out, &feature.weight, sizeof(feature.weight));
  }
  return out;
}

Result<LinearTextModel> LinearTextModel::Parse(std::string_view bytes) {
  if (bytes.size() < kHeaderBytes) {
    return Status::Corruption("linear model: " + std::to_string(bytes.size()) +
                              " bytes, shorter than its header");
  }
  const auto version = GetBytes<uint32_t>(bytes, 0);
  const auto minn = GetBytes<uint32_t>(bytes, 4);
  const auto maxn = GetBytes<uint32_t>(bytes, 8);
  const auto count = GetBytes<uint32_t>(bytes, 12);
  const auto bias = GetBytes<double>(bytes, 16);
  if (version != kFormatVersion) {
    return Status::Corruption("linear model: format version " + std::to_string(version) +
                              ", this build reads " + std::to_string(kFormatVersion));
  }
  if (minn < 1 || maxn < minn || maxn > static_cast<uint32_t>(kMaxNgramLength)) {
    return Status::Corruption("linear model: character n-gram lengths " + std::to_string(minn) +
                              ".." + std::to_string(maxn) + " out of range");
  }
  if (count > kMaxFeatures) {
    return Status::Corruption("linear model: " + std::to_string(count) + " features, more than " +
                              std::to_string(kMaxFeatures));
  }
  if (bytes.size() != kHeaderBytes + uint64_t{count} * kFeatureBytes) {
    return Status::Corruption("linear model: " + std::to_string(bytes.size()) + " bytes for " +
                              std::to_string(count) + " features (truncated or padded)");
  }
  if (!std::isfinite(bias)) return Status::Corruption("linear model: the bias is not finite");
  std::vector<Slot> features(count);
  for (uint32_t f = 0; f < count; ++f) {
    const size_t at = kHeaderBytes + size_t{f} * kFeatureBytes;
    Slot& feature = features[f];
    feature.key = GetBytes<uint64_t>(bytes, at);
    feature.idf = GetBytes<float>(bytes, at + 8);
    feature.weight = GetBytes<float>(bytes, at + 12);
    if (feature.key == 0 || (f > 0 && feature.key <= features[f - 1].key)) {
      return Status::Corruption("linear model: feature keys are not strictly increasing at " +
                                std::to_string(f));
    }
    if (!std::isfinite(feature.idf) || !(feature.idf > 0) || !std::isfinite(feature.weight)) {
      return Status::Corruption("linear model: feature " + std::to_string(f) +
                                " has a non-finite weight or a non-positive idf");
    }
  }
  LinearTextModel model;
  model.minn_ = static_cast<int>(minn);
  model.maxn_ = static_cast<int>(maxn);
  model.bias_ = bias;
  model.BuildTable(features);
  return model;
}

}  // namespace spamguard
