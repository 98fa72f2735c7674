// SyntheticCorpusRows: a small labelled corpus for tests that train real models through the
// CLI in seconds. Spam asks to be contacted or sells, ham talks about the post; every text is
// a distinct combination, so deduplication keeps all 72 rows (36 spam, 36 ham).
#ifndef SPAMGUARD_TESTS_SUPPORT_SYNTHETIC_CORPUS_H_
#define SPAMGUARD_TESTS_SUPPORT_SYNTHETIC_CORPUS_H_

#include <string>
#include <utility>
#include <vector>

namespace spamguard::testing {

// (label, text) pairs, label "spam" or "ham"; spam first.
std::vector<std::pair<std::string, std::string>> SyntheticCorpusRows();

}  // namespace spamguard::testing

#endif  // SPAMGUARD_TESTS_SUPPORT_SYNTHETIC_CORPUS_H_
