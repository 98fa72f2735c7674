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

// Bumped whenever ModelInput changes. A model records the version it was trained with;
// ModelInput builds every version from kOldestFeatureSchemaVersion on, so a model trained
// by an older build still scores as it was trained, and a model of any other version is
// refused at load.
//   1: the first.
//   2: the commenter's text cannot spell FeatureBuilder's tokens: '_' in it separates words
//      ("__domain_wikipedia.org__" typed into a comment moved a spam from 0.96 to 0.79), and
//      a number token is a word of its own ("100mg" is "__num__ mg", not "__num__mg"), and
//      a number ends at its last digit ("24x7," gives "x7", not "x7,").
//   3: the text is read as a browser displays its HTML before anything reads it
//      ("&#87;hatsapp" and "What<b></b>sapp" are "whatsapp", "I&#39;m" is "i'm";
//      Normalizer, HtmlReading). Lines of schemas 1 and 2 are built from the text normalized
//      as written, as they were trained.
inline constexpr int kFeatureSchemaVersion = 3;
inline constexpr int kOldestFeatureSchemaVersion = 1;

// The schema a line is built in for a requested `schema`: itself from
// kOldestFeatureSchemaVersion to kFeatureSchemaVersion, kFeatureSchemaVersion otherwise.
int EffectiveFeatureSchema(int schema);

// How the comment's HTML is read for a line of feature schema `schema`.
HtmlReading HtmlReadingOf(int schema);

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
  // `schema` is a version from kOldestFeatureSchemaVersion to kFeatureSchemaVersion (the
  // model's); any other is read as kFeatureSchemaVersion.
  std::string ModelInput(const Comment& comment, const NormalizedText& normalized,
                         const Entities& entities, int schema) const;

 private:
  std::shared_ptr<const EntityExtractor> extractor_;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_FEATURES_H_
