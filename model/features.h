// FeatureBuilder: turns a comment into the one line of tokens the fastText model reads.
//
// The line is the normalized text with every entity replaced by placeholder tokens that keep
// what matters about it (a link becomes "__url__ __domain_bit.ly__ __tld_ly__
// __shortener__"; a phone number "__phone__ __phone_cc_91__"), followed by metadata tokens
// (author URL domain, author name shape, comment kind, post age and time-to-submit buckets,
// entity count buckets, obfuscation level). Training and serving both build lines here, so
// the model sees the same vocabulary in both.
//
// Thread safety: stateless apart from its const configuration; safe to share.
#ifndef SPAMGUARD_MODEL_FEATURES_H_
#define SPAMGUARD_MODEL_FEATURES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/comment.h"
#include "model/entities.h"
#include "model/normalizer.h"

namespace spamguard {

// Bumped whenever ModelInput changes; a model records the version it was trained with and
// refuses to load under another one.
inline constexpr int kFeatureSchemaVersion = 1;

// Whether `token` is one of the metadata ("context") tokens ModelInput appends: comment kind,
// author URL domain, author name shape, time to submit, post age. No corpus carries them, so
// a model learns them only from data that does (feedback); FastTextClassifier drops the
// ones its vocabulary lacks instead of scoring their character n-grams, which it never
// learned for them and which once turned a plain "Thanks, this fixed my build." with an
// author URL and a 400-day-old post into SPAM.
bool IsContextToken(std::string_view token);

class FeatureBuilder {
 public:
  explicit FeatureBuilder(std::shared_ptr<const EntityExtractor> extractor);

  // Times absent from the comment (training corpora have none) give no time tokens.
  std::string ModelInput(const Comment& comment, const NormalizedText& normalized,
                         const Entities& entities) const;

 private:
  std::shared_ptr<const EntityExtractor> extractor_;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_FEATURES_H_
