#include "model/fasttext_line_index.h"

#include <unordered_map>
#include <utility>

namespace spamguard {
namespace {

constexpr std::string_view kEndOfSentence = "</s>";  // fasttext::Dictionary::EOS
constexpr uint32_t kFnvBasis = 2166136261u;
constexpr uint32_t kFnvPrime = 16777619u;
constexpr uint64_t kWordNgramMultiplier = 116049371;  // Dictionary::addWordNgrams

// The pruned index and the dictionary's own settings are protected members of
// fasttext::Dictionary with no accessor; a pointer to member named through a derived class
// reads them without copying the class.
struct DictionaryInternals : fasttext::Dictionary {
  static const fasttext::Args& Settings(const fasttext::Dictionary& dictionary) {
    return *(dictionary.*(&DictionaryInternals::args_));
  }
  static int64_t PruneIndexSize(const fasttext::Dictionary& dictionary) {
    return dictionary.*(&DictionaryInternals::pruneidx_size_);
  }
  static const std::unordered_map<int32_t, int32_t>& PruneIndex(
      const fasttext::Dictionary& dictionary) {
    return dictionary.*(&DictionaryInternals::pruneidx_);
  }
};

uint32_t FnvStep(uint32_t hash, char byte) {
  return (hash ^ static_cast<uint32_t>(static_cast<int8_t>(byte))) * kFnvPrime;
}

// Dictionary::readWord's separators.
bool IsSeparator(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == '\0';
}

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// A power-of-two table size holding `entries` at a load of at most one half. `entries` is
// at most fastText's vocabulary plus its bucket count, both int32.
size_t TableSize(size_t entries) {
  size_t size = 16;
  while (size < 2 * entries) size *= 2;
  return size;
}

size_t SlotOf(uint32_t key, size_t mask) {
  key ^= key >> 16;
  key *= 0x9E3779B1u;
  key ^= key >> 15;
  return key & mask;
}

}  // namespace

uint32_t FastTextLineIndex::Hash(std::string_view bytes) {
  uint32_t hash = kFnvBasis;
  for (char byte : bytes) hash = FnvStep(hash, byte);
  return hash;
}

FastTextLineIndex FastTextLineIndex::Build(const fasttext::Dictionary& dictionary) {
  const fasttext::Args& args = DictionaryInternals::Settings(dictionary);
  FastTextLineIndex index;
  index.nwords_ = dictionary.nwords();
  index.minn_ = args.minn;
  index.maxn_ = args.maxn;
  index.word_ngrams_ = args.wordNgrams;
  index.bucket_count_ = static_cast<uint32_t>(args.bucket);
  index.label_prefix_ = args.label;

  const int32_t entries = dictionary.nwords() + dictionary.nlabels();
  index.words_.reserve(static_cast<size_t>(entries));
  index.is_label_.reserve(static_cast<size_t>(entries));
  index.subword_offsets_.reserve(static_cast<size_t>(entries) + 1);
  index.subword_offsets_.push_back(0);
  const size_t word_table_size = TableSize(static_cast<size_t>(entries));
  index.word_slots_.assign(word_table_size, WordSlot{});
  index.word_mask_ = word_table_size - 1;
  for (int32_t id = 0; id < entries; ++id) {
    index.words_.push_back(dictionary.getWord(id));
    index.is_label_.push_back(dictionary.getType(id) == fasttext::entry_type::label);
    if (id < index.nwords_) {  // a label's rows are never input rows
      const std::vector<int32_t>& subwords = dictionary.getSubwords(id);
      index.subwords_.insert(index.subwords_.end(), subwords.begin(), subwords.end());
    }
    index.subword_offsets_.push_back(static_cast<uint32_t>(index.subwords_.size()));
    const uint32_t hash = Hash(index.words_.back());
    size_t slot = SlotOf(hash, index.word_mask_);
    while (index.word_slots_[slot].id >= 0) slot = (slot + 1) & index.word_mask_;
    index.word_slots_[slot] = WordSlot{hash, id};
  }

  const int64_t prune_size = DictionaryInternals::PruneIndexSize(dictionary);
  if (prune_size < 0) {
    index.pruning_ = Pruning::kKeepAll;
  } else if (prune_size == 0) {
    index.pruning_ = Pruning::kKeepNone;
  } else {
    index.pruning_ = Pruning::kTable;
    const auto& prune_index = DictionaryInternals::PruneIndex(dictionary);
    const size_t prune_table_size = TableSize(prune_index.size());
    index.prune_slots_.assign(prune_table_size, PruneSlot{});
    index.prune_mask_ = prune_table_size - 1;
    for (const auto& [bucket, row] : prune_index) {
      size_t slot = SlotOf(static_cast<uint32_t>(bucket), index.prune_mask_);
      while (index.prune_slots_[slot].bucket >= 0) slot = (slot + 1) & index.prune_mask_;
      index.prune_slots_[slot] = PruneSlot{bucket, row};
    }
  }
  return index;
}

bool FastTextLineIndex::HasWord(std::string_view token) const {
  const int32_t id = WordId(token, Hash(token));
  return id >= 0 && !is_label_[static_cast<size_t>(id)];
}

int32_t FastTextLineIndex::WordId(std::string_view token, uint32_t hash) const {
  if (word_slots_.empty()) return -1;  // not built: no vocabulary
  for (size_t slot = SlotOf(hash, word_mask_);; slot = (slot + 1) & word_mask_) {
    const WordSlot& entry = word_slots_[slot];
    if (entry.id < 0) return -1;
    if (entry.hash == hash && words_[static_cast<size_t>(entry.id)] == token) return entry.id;
  }
}

void FastTextLineIndex::PushBucket(int32_t bucket, std::vector<int32_t>& ids) const {
  switch (pruning_) {
    case Pruning::kKeepAll:
      ids.push_back(nwords_ + bucket);
      return;
    case Pruning::kKeepNone:
      return;
    case Pruning::kTable:
      for (size_t slot = SlotOf(static_cast<uint32_t>(bucket), prune_mask_);;
           slot = (slot + 1) & prune_mask_) {
        const PruneSlot& entry = prune_slots_[slot];
        if (entry.bucket < 0) return;
        if (entry.bucket == bucket) {
          ids.push_back(nwords_ + entry.row);
          return;
        }
      }
  }
}

void FastTextLineIndex::PushSubwords(std::string_view token, std::vector<int32_t>& ids) const {
  if (bucket_count_ == 0) return;
  // Dictionary::computeSubwords over BOW + token + EOW, hashing each n-gram as it grows. Its
  // n-gram length is a size_t compared with the int minn and maxn, so a negative setting
  // converts to a huge one; the same conversions keep that behaviour here.
  const size_t minn = static_cast<size_t>(minn_);
  const size_t maxn = static_cast<size_t>(maxn_);
  const size_t size = token.size() + 2;
  auto byte_at = [&](size_t i) { return i == 0 ? '<' : i == size - 1 ? '>' : token[i - 1]; };
  for (size_t i = 0; i < size; ++i) {
    if (IsContinuationByte(byte_at(i))) continue;
    uint32_t hash = kFnvBasis;
    size_t j = i;
    for (size_t n = 1; j < size && n <= maxn; ++n) {
      hash = FnvStep(hash, byte_at(j++));
      while (j < size && IsContinuationByte(byte_at(j))) hash = FnvStep(hash, byte_at(j++));
      if (n >= minn && !(n == 1 && (i == 0 || j == size))) {
        PushBucket(static_cast<int32_t>(hash % bucket_count_), ids);
      }
    }
  }
}

void FastTextLineIndex::Ids(std::string_view line, std::vector<int32_t>& ids) const {
  ids.clear();
  std::vector<int32_t> word_hashes;  // int32, as fastText keeps them (sign matters below)
  // One token as Dictionary::getLine takes it; true when reading stops after it.
  auto take = [&](std::string_view token) {
    const uint32_t hash = Hash(token);
    const int32_t id = WordId(token, hash);
    const bool label = id >= 0 ? static_cast<bool>(is_label_[static_cast<size_t>(id)])
                               : token.substr(0, label_prefix_.size()) == label_prefix_;
    if (!label) {
      if (id < 0) {
        if (token != kEndOfSentence) PushSubwords(token, ids);
      } else if (maxn_ <= 0) {
        ids.push_back(id);
      } else {
        const size_t index = static_cast<size_t>(id);
        ids.insert(ids.end(), subwords_.begin() + subword_offsets_[index],
                   subwords_.begin() + subword_offsets_[index + 1]);
      }
      word_hashes.push_back(static_cast<int32_t>(hash));
    }
    return token == kEndOfSentence;
  };

  // The stream getLine() reads is `line` + "\n": reading ends at the first newline, which
  // yields the end-of-sentence token.
  size_t start = 0;
  bool stopped = false;
  for (size_t i = 0; i <= line.size() && !stopped; ++i) {
    const char c = i < line.size() ? line[i] : '\n';
    if (!IsSeparator(c)) continue;
    if (i > start) stopped = take(line.substr(start, i - start));
    start = i + 1;
    if (!stopped && c == '\n') {
      take(kEndOfSentence);
      stopped = true;
    }
  }

  if (bucket_count_ == 0 || word_ngrams_ <= 1) return;
  for (size_t i = 0; i < word_hashes.size(); ++i) {
    uint64_t hash = static_cast<uint64_t>(static_cast<int64_t>(word_hashes[i]));
    for (size_t j = i + 1; j < word_hashes.size() && j < i + static_cast<size_t>(word_ngrams_);
         ++j) {
      hash =
          hash * kWordNgramMultiplier + static_cast<uint64_t>(static_cast<int64_t>(word_hashes[j]));
      PushBucket(static_cast<int32_t>(hash % bucket_count_), ids);
    }
  }
}

}  // namespace spamguard
