// FastTextClassifier: fastText's FastText with the two things Spamguard needs that its
// public API lacks — reading a model embedded in a larger file, and an unsaturated score.
//
// fastText's predict() returns softmax probabilities in float, which reach exactly 1.0 for
// confident inputs: a ham and a spam comment then tie, and neither calibration nor a
// threshold can separate them. SpamMargin() instead returns the difference of the two
// labels' output scores before the softmax (in a two-label softmax, P(spam) =
// sigmoid(margin)), computed in double from the same averaged input vectors predict() uses.
//
// Speed: a quantized (.ftz) input matrix is decoded once, in PrepareForScoring(), into a
// dense copy in memory (rows x dim floats: about 28 MB for 220k rows of 32), because
// decoding product-quantized rows per word made one prediction cost ~18 us; the file on
// disk stays small.
//
// The line's input rows come from a FastTextLineIndex built in PrepareForScoring(): the
// same rows as the dictionary's getLine(), without its slow lookups.
//
// Thread safety: SpamMargin() is const and allocates its scratch vectors per call.
#ifndef SPAMGUARD_MODEL_FASTTEXT_CLASSIFIER_H_
#define SPAMGUARD_MODEL_FASTTEXT_CLASSIFIER_H_

#include <fasttext/fasttext.h>

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "model/fasttext_line_index.h"

namespace spamguard {

class FastTextClassifier : public fasttext::FastText {
 public:
  static constexpr char kSpamLabel[] = "__label__spam";
  static constexpr char kHamLabel[] = "__label__ham";

  // Reads and checks fastText's own magic number and version at the stream's position;
  // then loadModel(in) reads the rest. False when they are not fastText's.
  bool ReadHeader(std::istream& in) { return checkModel(in); }

  // Finds the spam and ham label rows and decodes a quantized input matrix; false when the
  // model lacks either label or is not a supervised softmax model with a dense output
  // matrix. Call after train()/loadModel()/quantize().
  bool PrepareForScoring();

  // log(P(spam) / P(ham)) for one line of tokens; 0 for a line with no known token. Context
  // tokens (IsContextToken, model/features.h) that are not in the vocabulary are dropped
  // first. Needs PrepareForScoring().
  double SpamMargin(std::string_view line) const;

 private:
  std::string_view WithoutUnseenContext(std::string_view line, std::string& storage) const;

  int32_t spam_row_ = -1;
  int32_t ham_row_ = -1;
  // Dense copy of a quantized input matrix, row-major; empty when the matrix is dense.
  std::vector<float> decoded_input_;
  FastTextLineIndex line_index_;
  int64_t dimension_ = 0;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_FASTTEXT_CLASSIFIER_H_
