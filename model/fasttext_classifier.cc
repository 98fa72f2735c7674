#include "model/fasttext_classifier.h"

#include <sstream>
#include <string>
#include <vector>

namespace spamguard {

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
  return spam_row_ >= 0 && ham_row_ >= 0;
}

double FastTextClassifier::SpamMargin(std::string_view line) const {
  std::istringstream in{std::string(line)};
  std::vector<int32_t> words;
  std::vector<int32_t> labels;
  dict_->getLine(in, words, labels);
  if (words.empty()) return 0;
  // The hidden layer exactly as fastText's Model::computeHidden builds it.
  fasttext::Vector hidden(args_->dim);
  hidden.zero();
  for (int32_t word : words) input_->addRowToVector(hidden, word);
  hidden.mul(1.0 / static_cast<double>(words.size()));
  return static_cast<double>(output_->dotRow(hidden, spam_row_)) -
         static_cast<double>(output_->dotRow(hidden, ham_row_));
}

}  // namespace spamguard
