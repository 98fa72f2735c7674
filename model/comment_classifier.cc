#include "model/comment_classifier.h"

#include <utility>

#include "model/scorer.h"

namespace spamguard {

Result<std::shared_ptr<const TextPipeline>> TextPipeline::Create(EntityExtractorOptions options) {
  Result<std::shared_ptr<const Normalizer>> normalizer = Normalizer::Create();
  if (!normalizer.ok()) return normalizer.status();
  Result<std::shared_ptr<const EntityExtractor>> extractor =
      EntityExtractor::Create(std::move(options));
  if (!extractor.ok()) return extractor.status();
  return std::shared_ptr<const TextPipeline>(
      new TextPipeline(std::move(normalizer).value(), std::move(extractor).value()));
}

TextPipeline::TextPipeline(std::shared_ptr<const Normalizer> normalizer,
                           std::shared_ptr<const EntityExtractor> extractor)
    : normalizer_(std::move(normalizer)), extractor_(extractor), features_(extractor) {}

std::string TextPipeline::ModelInput(const Comment& comment) const {
  const NormalizedText normalized = normalizer_->Normalize(comment.content);
  const Entities entities = extractor_->Extract(normalized);
  return features_.ModelInput(comment, normalized, entities);
}

CommentClassifier::CommentClassifier(std::shared_ptr<const TextPipeline> pipeline,
                                     std::shared_ptr<const SpamModel> model,
                                     std::shared_ptr<const RuleSet> rules,
                                     std::shared_ptr<DuplicateWindow> duplicates)
    : pipeline_(std::move(pipeline)),
      model_(std::move(model)),
      rules_(std::move(rules)),
      duplicates_(std::move(duplicates)) {}

Assessment CommentClassifier::Classify(const Comment& comment,
                                       const ClassifyOptions& options) const {
  const NormalizedText normalized = pipeline_->normalizer()->Normalize(comment.content);
  const Entities entities = pipeline_->extractor()->Extract(normalized);
  const double model_probability =
      model_->SpamProbability(pipeline_->features().ModelInput(comment, normalized, entities));

  std::vector<Reason> rule_reasons;
  static const SitePolicy kDefaultPolicy;
  const SitePolicy* policy = &kDefaultPolicy;
  if (rules_) {
    RuleInput input{comment,        normalized,        entities,
                    options.now_ms, duplicates_.get(), options.record_duplicate};
    rule_reasons = rules_->Evaluate(input);
    policy = &rules_->PolicyFor(comment.site_id);
  }

  Assessment assessment = Score(model_probability, std::move(rule_reasons), *policy);
  assessment.model_version = model_->info().version;
  if (rules_) assessment.rules_version = rules_->version();
  return assessment;
}

}  // namespace spamguard
