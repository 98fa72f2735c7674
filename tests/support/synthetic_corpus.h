// SyntheticCorpusRows: a small labelled corpus for tests that train real models through the
// CLI in seconds. Spam asks to be contacted or sells, ham talks about the post; every text is
// a distinct combination, so deduplication keeps all 72 rows (36 spam, 36 ham).
#ifndef SPAMGUARD_TESTS_SUPPORT_SYNTHETIC_CORPUS_H_
#define SPAMGUARD_TESTS_SUPPORT_SYNTHETIC_CORPUS_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace spamguard::testing {

// (label, text) pairs, label "spam" or "ham"; spam first.
std::vector<std::pair<std::string, std::string>> SyntheticCorpusRows();

// `count` distinct, plain ham texts ("what a calm garden this morning"), at most 900; for
// tests whose spam words must be rare in the training lines, as they are in real corpora
// (LinearTextModel::SpamWords names no word in more than 5% of the lines).
std::vector<std::string> FillerHamTexts(size_t count);

}  // namespace spamguard::testing

#endif  // SPAMGUARD_TESTS_SUPPORT_SYNTHETIC_CORPUS_H_
