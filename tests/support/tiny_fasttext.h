// TinyFastTextArgs: the fastText settings every model-library test trains its small models
// with (supervised, softmax, one thread for reproducible bytes, silent, words seen once
// count), so that each test only states what it varies: dimension, epochs, buckets and
// n-grams.
#ifndef SPAMGUARD_TESTS_SUPPORT_TINY_FASTTEXT_H_
#define SPAMGUARD_TESTS_SUPPORT_TINY_FASTTEXT_H_

#include <fasttext/args.h>

#include <string>

namespace spamguard::testing {

// Settings for training on the fastText-format file `input`, writing next to `output`;
// dim 10, 5 epochs, 1,000 buckets, and fastText's own defaults for the rest (character
// 3-6-grams, word unigrams) until the caller changes them.
fasttext::Args TinyFastTextArgs(const std::string& input, const std::string& output);

// Trains a classifier with `args` and saves it as args.output + ".bin", whose path it returns.
std::string TrainTinyFastText(const fasttext::Args& args);

}  // namespace spamguard::testing

#endif  // SPAMGUARD_TESTS_SUPPORT_TINY_FASTTEXT_H_
