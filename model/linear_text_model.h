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
//   float64 bias, then F x (uint64 key, float32 idf, float32 weight), keys strictly increasing.
// Parse() checks all of it and refuses anything else with kCorruption.
//
// Thread safety: Margin() is const and allocates its scratch per call; Train() touches only its
// arguments (LIBLINEAR's progress printing is silenced once, process-wide).
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
  int minn = 3;   // character n-gram lengths, in code points
  int maxn = 5;
  int min_document_frequency = 2;
  // The linear model's share of the averaged probability (SpamModel); fastText has the rest.
  // With the trainer's search on, the best of weight_grid on the validation split replaces it.
  double weight = 0.7;
  std::vector<double> weight_grid = {0.3, 0.5, 0.7, 0.9};
  // "c=10 minn=2 maxn=5 min_df=2 weight=0.7"
  std::string ToString() const;
};

struct LinearExample {
  std::string_view line;  // a FeatureBuilder line
  bool spam = false;
};

class LinearTextModel {
 public:
  LinearTextModel() = default;

  // Trains on the examples (each counts once; repeat an example to weigh it). Errors:
  // kInvalidArgument for parameters out of range (c <= 0, minn < 1, maxn < minn, maxn > 16,
  // min_document_frequency < 1) or examples lacking a class; kInternal when LIBLINEAR fails.
  static Result<LinearTextModel> Train(const std::vector<LinearExample>& examples,
                                       const LinearParameters& parameters);
  // Reads Serialize()'s bytes back (see the file comment); kCorruption names what is wrong.
  static Result<LinearTextModel> Parse(std::string_view bytes);
  std::string Serialize() const;

  // Log-odds of spam for one line; the bias alone for a line without a known feature.
  double Margin(std::string_view line) const;

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
  // One group's w . x / |x| (x: the TF-IDF values of its known features).
  double GroupMargin(const std::vector<uint64_t>& keys) const;

  int minn_ = 3;
  int maxn_ = 5;
  double bias_ = 0;
  size_t feature_count_ = 0;
  std::vector<Slot> table_;  // power-of-two size, linear probing
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_LINEAR_TEXT_MODEL_H_
