#include "tests/support/tiny_fasttext.h"

#include <fasttext/fasttext.h>

namespace spamguard::testing {

fasttext::Args TinyFastTextArgs(const std::string& input, const std::string& output) {
  fasttext::Args args;
  args.input = input;
  args.output = output;
  args.model = fasttext::model_name::sup;
  args.loss = fasttext::loss_name::softmax;
  args.minCount = 1;
  args.bucket = 1000;
  args.dim = 10;
  args.epoch = 5;
  args.thread = 1;
  args.verbose = 0;
  return args;
}

std::string TrainTinyFastText(const fasttext::Args& args) {
  fasttext::FastText trainer;
  trainer.train(args);
  trainer.saveModel(args.output + ".bin");
  return args.output + ".bin";
}

}  // namespace spamguard::testing
