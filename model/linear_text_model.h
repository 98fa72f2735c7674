// LinearTextModel: logistic regression over TF-IDF weighted word and character n-grams of a
// FeatureBuilder line, trained with LIBLINEAR. SpamModel averages its probability with
// fastText's (docs/quality.md: on the leave-one-video-out protocol the pair flags fewer
// readers than fastText alone).
//
// Features of a line (its tokens are separated by single spaces):
//   - words: every token, and every pair of adjacent tokens;
//   - characters: every run of minn..maxn code points of each token padded with one space on
//     both sides (" the ", so "e " marks a word's end), except the tokens FeatureBuilder
//     generates ("__url__", "__domain_example.org__"): they are never misspelled, and their
//     n-grams only multiplied their own weight (a link to reuters.com scored as spam).
// Each n-gram is hashed (FNV-1a 64, one basis per kind) to a 64-bit key. Only keys present in
// at least `min_document_frequency` training lines are features. A feature's value is
// (1 + ln tf) * idf, with idf = ln((1 + N) / (1 + df)) + 1 over the N training lines, and the
// word and character groups are each scaled to unit L2 norm, so the two views weigh alike.
// A context token (IsContextToken, model/features.h) the vocabulary lacks is dropped
// whole, as fastText's scoring drops it: metadata a model never saw says nothing.
//
// Margin(line) = w . x + bias, the log-odds of spam.
//
// Serialized form (little-endian), embedded in the SpamModel file:
//   uint32 format version (1), uint32 minn, uint32 maxn, uint32 feature count F,
//   float64 bias, then F x (uint64 key, float32 idf, float32 weight), keys strictly increasing,
//   F <= 2^26. Parse() checks all of it and refuses anything else with kCorruption.
//
// Thread safety: Score(), Margin() and SpamWords() are const and allocate their scratch per
// call; Train() touches only its arguments (LIBLINEAR's progress printing is silenced once,
// process-wide).
#ifndef SPAMGUARD_MODEL_LINEAR_TEXT_MODEL_H_
#define SPAMGUARD_MODEL_LINEAR_TEXT_MODEL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"

namespace spamguard {

struct LinearParameters {
  bool enabled = true;
  double c = 10;  // inverse L2 regularization strength
  // With the trainer's search on, the best of c_grid on the validation split replaces c.
  std::vector<double> c_grid = {3, 10, 30, 100};
  int minn = 3;  // character n-gram lengths, in code points
  int maxn = 5;
  int min_document_frequency = 2;
  // The linear model's share of the averaged probability (SpamModel); fastText has the rest.
  // With the trainer's search on, the best of weight_grid on the validation split replaces it.
  double weight = 0.7;
  std::vector<double> weight_grid = {0.3, 0.5, 0.7, 0.9};
  // "c=10 minn=2 maxn=5 min_df=2 weight=0.7"
  std::string ToString() const;
};

// One word of a line and its share of the line's margin (SpamWords).
struct WordShare {
  std::string word;
  double share = 0;
};

struct LinearExample {
  std::string_view line;  // a FeatureBuilder line
  bool spam = false;
  // Trained this many times (how feedback is weighted), counted once in the document
  // frequencies: a comment reported once does not clear min_document_frequency by itself.
  int copies = 1;
};

class LinearTextModel {
 public:
  LinearTextModel() = default;

  // Trains on the examples (LinearExample::copies weighs one). Errors:
  // kInvalidArgument for parameters out of range (c not finite and > 0, minn < 1, maxn < minn, maxn
  // > 16, min_document_frequency < 1) or examples lacking a class; kInternal when LIBLINEAR fails.
  static Result<LinearTextModel> Train(const std::vector<LinearExample>& examples,
                                       const LinearParameters& parameters);
  // Reads Serialize()'s bytes back (see the file comment); kCorruption names what is wrong.
  static Result<LinearTextModel> Parse(std::string_view bytes);
  std::string Serialize() const;

  // One line's features, looked up once (Score): its margin, and what SpamWords needs to split
  // that margin into per-word shares, so naming the words costs no second lookup. Holds views
  // into the line, which must outlive it.
  class LineScore;
  LineScore Score(std::string_view line) const;

  // Log-odds of spam for one line; the bias alone for a line without a known feature.
  double Margin(std::string_view line) const;

  // The words of `line` that push it most toward spam, strongest first: each token's share of
  // Margin() - bias, made of its word feature, half of each token pair it is in, and its
  // character n-grams (a feature that occurs k times gives each occurrence 1/k of its
  // contribution). Equal tokens add up. Only positive shares, at most `count`. Left out: the
  // tokens FeatureBuilder generates ("__url__"; the rules name links and numbers) or starts
  // ("__num__mg" for "100mg": no word of the comment), and words in more than about
  // kMaxNamedWordLineShare of the training lines ("your", "and", "for"), as their idf tells:
  // their weight is real but names nothing a moderator could act on.
  static constexpr double kMaxNamedWordLineShare = 0.05;
  // `score` must come from this model's Score() (it holds slots of this model's table).
  std::vector<WordShare> SpamWords(const LineScore& score, size_t count) const;
  std::vector<WordShare> SpamWords(std::string_view line, size_t count) const;

  size_t feature_count() const { return feature_count_; }

 private:
  struct Slot {
    uint64_t key = 0;  // 0: empty (no n-gram hashes to 0, see NgramKey)
    float idf = 0;
    float weight = 0;
  };
  // Builds the open-addressing table from features sorted by key.
  void BuildTable(const std::vector<Slot>& features);
  const Slot* Find(uint64_t key) const;
  // One group's known features, counted, and its w . x / |x| (see CountGroup in the .cc).
  struct GroupCounts {
    static constexpr uint32_t kUnknown = ~uint32_t{0};
    std::vector<uint64_t> cells;        // (table slot + 1) << 32 | count; 0: empty
    std::vector<uint32_t> cell_of_key;  // per key: its cell, or kUnknown
    std::vector<uint32_t> used;         // the cells in use, in first-seen order
    double norm = 0;                    // |x|
    double margin = 0;                  // w . x / |x|; 0 without a known feature

    uint32_t Slot(uint32_t cell) const { return static_cast<uint32_t>(cells[cell] >> 32) - 1; }
    int Frequency(uint32_t cell) const { return static_cast<int>(cells[cell] & 0xffffffffu); }
  };
  GroupCounts CountGroup(const std::vector<uint64_t>& keys) const;
  // A counted feature's value before the group's scaling: (1 + ln tf) * idf. Training builds
  // its rows with it too, so the model is trained on exactly what serving computes.
  double FeatureValue(const GroupCounts& counts, uint32_t cell) const;

  int minn_ = 3;
  int maxn_ = 5;
  double bias_ = 0;
  size_t feature_count_ = 0;
  std::vector<Slot> table_;  // power-of-two size, linear probing
};

class LinearTextModel::LineScore {
 public:
  double margin() const { return margin_; }

 private:
  friend class LinearTextModel;
  std::vector<std::string_view> tokens_;  // without the context tokens the model lacks
  std::vector<size_t> character_ends_;    // token i's character keys end here
  GroupCounts words_;                     // keys: token 0, pair 0-1, token 1, pair 1-2, ...
  GroupCounts characters_;
  double margin_ = 0;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_LINEAR_TEXT_MODEL_H_
