#include "model/fasttext_classifier.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "model/features.h"

namespace spamguard {
namespace {

// sum += the rows `words` of a dense row-major matrix. Eight floats at a time with GCC's
// vector extension (SSE or AVX as the target allows): a scalar loop was a quarter of a short
// comment's whole pipeline time, and -O2 does not vectorize it on its own.
void SumRows(const float* matrix, int64_t dimension, const std::vector<int32_t>& words,
             float* sum) {
  using Float8 = float __attribute__((vector_size(8 * sizeof(float))));
  constexpr int64_t kLanes = 8;
  constexpr int64_t kMaxBlocks = 64;  // dimension <= 512 takes the vector path
  const int64_t blocks = dimension / kLanes;
  if (dimension % kLanes != 0 || blocks > kMaxBlocks) {
    for (int32_t word : words) {
      const float* row = matrix + static_cast<int64_t>(word) * dimension;
      for (int64_t j = 0; j < dimension; ++j) sum[j] += row[j];
    }
    return;
  }
  Float8 accumulator[kMaxBlocks];
  std::memcpy(accumulator, sum, static_cast<size_t>(dimension) * sizeof(float));
  for (int32_t word : words) {
    const float* row = matrix + static_cast<int64_t>(word) * dimension;
    for (int64_t b = 0; b < blocks; ++b) {
      Float8 values;
      std::memcpy(&values, row + b * kLanes, sizeof(values));
      accumulator[b] += values;
    }
  }
  std::memcpy(sum, accumulator, static_cast<size_t>(dimension) * sizeof(float));
}

}  // namespace

bool FastTextClassifier::PrepareForScoring() {
  if (!args_ || args_->model != fasttext::model_name::sup ||
      args_->loss != fasttext::loss_name::softmax || (quant_ && args_->qout)) {
    return false;
  }
  spam_row_ = ham_row_ = -1;
  for (int32_t i = 0; i < dict_->nlabels(); ++i) {
    if (dict_->getLabel(i) == kSpamLabel) spam_row_ = i;
    if (dict_->getLabel(i) == kHamLabel) ham_row_ = i;
  }
  if (spam_row_ < 0 || ham_row_ < 0) return false;

  dimension_ = args_->dim;
  line_index_ = FastTextLineIndex::Build(*dict_);
  decoded_input_.clear();
  if (quant_) {
    const int64_t rows = input_->size(0);
    decoded_input_.resize(static_cast<size_t>(rows * dimension_));
    fasttext::Vector row(dimension_);
    for (int64_t i = 0; i < rows; ++i) {
      row.zero();
      input_->addRowToVector(row, static_cast<int32_t>(i));
      std::copy(row.data(), row.data() + dimension_, decoded_input_.begin() + i * dimension_);
    }
  }
  return true;
}

// `line` without the context tokens the model never saw (SpamMargin's contract); `line`
// itself, without a copy, when there are none. Model inputs separate tokens by one space.
std::string_view FastTextClassifier::WithoutUnseenContext(std::string_view line,
                                                          std::string& storage) const {
  if (line.find(" __") == std::string_view::npos && !line.starts_with("__")) return line;
  bool dropped = false;
  size_t begin = 0;
  while (begin < line.size()) {
    size_t end = line.find(' ', begin);
    if (end == std::string_view::npos) end = line.size();
    const std::string_view token = line.substr(begin, end - begin);
    if (IsContextToken(token) && !line_index_.HasWord(token)) {
      if (!dropped) storage.assign(line.substr(0, begin));
      dropped = true;
    } else if (dropped) {
      if (!storage.empty() && storage.back() != ' ') storage.push_back(' ');
      storage.append(token);
    }
    begin = end + 1;
  }
  if (!dropped) return line;
  while (!storage.empty() && storage.back() == ' ') storage.pop_back();
  return storage;
}

double FastTextClassifier::SpamMargin(std::string_view full_line) const {
  std::string storage;
  const std::string_view line = WithoutUnseenContext(full_line, storage);
  // The rows of getLine() on `line` + "\n", including the end-of-sentence token "</s>" that
  // fastText appends to every training line and to predict()'s input.
  std::vector<int32_t> words;
  line_index_.Ids(line, words);
  if (words.empty()) return 0;
  // The hidden layer exactly as fastText's Model::computeHidden builds it.
  fasttext::Vector hidden(args_->dim);
  hidden.zero();
  if (decoded_input_.empty()) {
    for (int32_t word : words) input_->addRowToVector(hidden, word);
  } else {
    SumRows(decoded_input_.data(), dimension_, words, hidden.data());
  }
  hidden.mul(1.0 / static_cast<double>(words.size()));
  return static_cast<double>(output_->dotRow(hidden, spam_row_)) -
         static_cast<double>(output_->dotRow(hidden, ham_row_));
}

}  // namespace spamguard
