// FastTextLineIndex: the input rows fastText's Dictionary::getLine() gives one line, found
// through flat hash tables instead of the dictionary's own.
//
// Why: for a quantized model most words are out of the pruned vocabulary, so getLine()
// hashes every character n-gram and word bigram and looks each up in the pruned index, a
// node-based std::unordered_map, twice; and every word goes through the dictionary's probe
// table (30 million slots in a model fresh from training) and its entry's std::string.
// Those lookups were 17% of the whole single-comment pipeline. This index
// copies the vocabulary, the words' subword rows and the pruned index once, at model load,
// into open-addressing tables that fit in the CPU cache, and computes the same row ids.
//
// Contract: Ids(line) equals the `words` that Dictionary::getLine() returns for the stream
// `line + "\n"` (tokens split on fastText's whitespace, "</s>" appended, reading stops at
// the first end of line, label tokens dropped, the same hash, the same n-gram and word
// n-gram ids in the same order). tests/model/fasttext_line_index_test.cc checks it against
// getLine() for pruned and unpruned models.
//
// Thread safety: immutable after Build(); Ids() is const.
#ifndef SPAMGUARD_MODEL_FASTTEXT_LINE_INDEX_H_
#define SPAMGUARD_MODEL_FASTTEXT_LINE_INDEX_H_

#include <fasttext/dictionary.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spamguard {

class FastTextLineIndex {
 public:
  // Copies what getLine() consults, settings included, from a loaded (or trained, or
  // quantized) dictionary. A default-constructed index has no vocabulary and no n-gram rows.
  static FastTextLineIndex Build(const fasttext::Dictionary& dictionary);

  // Appends the input-matrix rows of `line` to `ids` (cleared first).
  void Ids(std::string_view line, std::vector<int32_t>& ids) const;

  // Whether `token` is a word of the vocabulary (labels excluded): seen in training and kept
  // by quantization.
  bool HasWord(std::string_view token) const;

  // fastText's 32-bit FNV-1a, bytes sign-extended as fastText does.
  static uint32_t Hash(std::string_view bytes);

 private:
  struct WordSlot {
    uint32_t hash = 0;
    int32_t id = -1;  // -1: empty slot
  };
  struct PruneSlot {
    int32_t bucket = -1;  // -1: empty slot
    int32_t row = 0;
  };

  int32_t WordId(std::string_view token, uint32_t hash) const;
  // Dictionary::pushHash: the row of n-gram bucket `bucket`, if the model kept it.
  void PushBucket(int32_t bucket, std::vector<int32_t>& ids) const;
  // Dictionary::computeSubwords for "<token>".
  void PushSubwords(std::string_view token, std::vector<int32_t>& ids) const;

  int32_t nwords_ = 0;
  int32_t minn_ = 0;
  int32_t maxn_ = 0;
  int32_t word_ngrams_ = 1;
  uint32_t bucket_count_ = 0;  // fastText's -bucket
  std::string label_prefix_;

  // The vocabulary: every entry's text, type and subword rows (CSR), and a table by hash.
  std::vector<std::string> words_;
  std::vector<bool> is_label_;
  std::vector<uint32_t> subword_offsets_;  // size words_.size() + 1
  std::vector<int32_t> subwords_;
  std::vector<WordSlot> word_slots_;  // power-of-two size
  size_t word_mask_ = 0;

  // The pruned index: kKeepAll (an unpruned model: row = bucket), kKeepNone (no n-gram
  // rows), or kTable (the table bucket -> row of a quantized model).
  enum class Pruning { kKeepAll, kKeepNone, kTable };
  Pruning pruning_ = Pruning::kKeepNone;
  std::vector<PruneSlot> prune_slots_;  // power-of-two size
  size_t prune_mask_ = 0;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_FASTTEXT_LINE_INDEX_H_
