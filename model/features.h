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

#include "model/comment.h"
#include "model/entities.h"
#include "model/normalizer.h"

namespace spamguard {

// Bumped whenever ModelInput changes; a model records the version it was trained with and
// refuses to load under another one.
inline constexpr int kFeatureSchemaVersion = 1;

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
