// CommentClassifier: the facade over the model library. One comment goes straight through:
// normalize -> entities -> (rules, features -> model) -> score -> assessment. When the model
// leans toward spam (at or above the policy's hold threshold), its reason names the words
// that weighed most (SpamModel::SpamWords) with their spans in the original text.
//
// A CommentClassifier is immutable: it pins one SpamModel and one RuleSet. To change either,
// build a new CommentClassifier (cheap: the parts are shared pointers) and swap it in; calls
// in flight keep the one they started with.
//
// Thread safety: Classify() and ModelInput() are const and allocate per call; one instance
// may be shared by any number of threads. The DuplicateWindow synchronizes itself.
#ifndef SPAMGUARD_MODEL_COMMENT_CLASSIFIER_H_
#define SPAMGUARD_MODEL_COMMENT_CLASSIFIER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "model/assessment.h"
#include "model/comment.h"
#include "model/duplicate_window.h"
#include "model/entities.h"
#include "model/features.h"
#include "model/normalizer.h"
#include "model/rule_set.h"
#include "model/spam_model.h"
#include "model/status.h"

namespace spamguard {

// The text-preparation half of the pipeline, shared by training and serving.
class TextPipeline {
 public:
  // Builds the Normalizer, the EntityExtractor and the FeatureBuilder.
  static Result<std::shared_ptr<const TextPipeline>> Create(EntityExtractorOptions options = {});

  // The model's line for a comment (normalize, extract entities, build features), in the
  // feature schema `schema` (FeatureBuilder::ModelInput): the model's own to score with it
  // (info().feature_schema_version), kFeatureSchemaVersion to train.
  std::string ModelInput(const Comment& comment, int schema) const;

  const std::shared_ptr<const Normalizer>& normalizer() const { return normalizer_; }
  const std::shared_ptr<const EntityExtractor>& extractor() const { return extractor_; }
  const FeatureBuilder& features() const { return features_; }

 private:
  TextPipeline(std::shared_ptr<const Normalizer> normalizer,
               std::shared_ptr<const EntityExtractor> extractor);
  std::shared_ptr<const Normalizer> normalizer_;
  std::shared_ptr<const EntityExtractor> extractor_;
  FeatureBuilder features_;
};

struct ClassifyOptions {
  int64_t now_ms = 0;             // server time, Unix ms
  bool record_duplicate = false;  // add the text to the duplicate window
};

class CommentClassifier {
 public:
  // rules and duplicates may be null (model only; no duplicate rule).
  CommentClassifier(std::shared_ptr<const TextPipeline> pipeline,
                    std::shared_ptr<const SpamModel> model, std::shared_ptr<const RuleSet> rules,
                    std::shared_ptr<DuplicateWindow> duplicates);

  Assessment Classify(const Comment& comment, const ClassifyOptions& options) const;

  const std::shared_ptr<const TextPipeline>& pipeline() const { return pipeline_; }
  const std::shared_ptr<const SpamModel>& model() const { return model_; }
  const std::shared_ptr<const RuleSet>& rules() const { return rules_; }
  const std::shared_ptr<DuplicateWindow>& duplicates() const { return duplicates_; }

 private:
  std::shared_ptr<const TextPipeline> pipeline_;
  std::shared_ptr<const SpamModel> model_;
  std::shared_ptr<const RuleSet> rules_;
  std::shared_ptr<DuplicateWindow> duplicates_;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_COMMENT_CLASSIFIER_H_
