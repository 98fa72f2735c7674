#include "model/comment_classifier.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/ascii.h"
#include "model/scorer.h"

namespace spamguard {
namespace {

// The model reason names this many words at most.
constexpr size_t kModelEvidenceWords = 3;

// Whether byte b can continue a word: an ASCII letter or digit, or part of a non-ASCII
// character (which may be a letter). A match next to one is inside a longer word.
bool IsWordByte(char b) { return IsAsciiAlnum(b) || (static_cast<unsigned char>(b) & 0x80) != 0; }

// Where the model's words occur in the comment: every whole-word occurrence of each in the
// normalized text (the model input's words are taken from it), mapped back to the original
// bytes, in text order, at most kMaxReasonSpans. A word that starts with no digit may follow
// a digit: the model input splits "100mg" into a number token and "mg" (feature schema 2).
ModelEvidence EvidenceFor(std::vector<std::string> words, const NormalizedText& normalized) {
  ModelEvidence evidence;
  const std::string_view text = normalized.text;
  for (const std::string& word : words) {
    for (size_t at = text.find(word);
         at != std::string_view::npos && !word.empty() && evidence.spans.size() < kMaxReasonSpans;
         at = text.find(word, at + 1)) {
      const size_t end = at + word.size();
      const bool glued_before = at > 0 && IsWordByte(text[at - 1]) &&
                                !(IsAsciiDigit(text[at - 1]) && !IsAsciiDigit(word.front()));
      if (glued_before || (end < text.size() && IsWordByte(text[end]))) continue;
      evidence.spans.push_back(
          normalized.ToOriginal(static_cast<uint32_t>(at), static_cast<uint32_t>(end)));
    }
  }
  std::sort(evidence.spans.begin(), evidence.spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  evidence.words = std::move(words);
  return evidence;
}

}  // namespace

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

std::string TextPipeline::ModelInput(const Comment& comment, int schema) const {
  const NormalizedText normalized = normalizer_->Normalize(comment.content, HtmlReadingOf(schema));
  const Entities entities = extractor_->Extract(normalized);
  return features_.ModelInput(comment, normalized, entities, schema);
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
  // The rules read the text as its HTML is displayed. A model of a schema that read it as
  // written reads its own line, from the text normalized again as written, only when the
  // two differ; its words are then found in that text.
  const int schema = model_->info().feature_schema_version;
  std::optional<NormalizedText> as_written;
  std::optional<Entities> as_written_entities;
  if (normalized.html_rewrites > 0 && HtmlReadingOf(schema) == HtmlReading::kAsWritten) {
    as_written = pipeline_->normalizer()->Normalize(comment.content, HtmlReading::kAsWritten);
    as_written_entities = pipeline_->extractor()->Extract(*as_written);
  }
  const NormalizedText& model_text = as_written ? *as_written : normalized;
  const std::string model_input = pipeline_->features().ModelInput(
      comment, model_text, as_written_entities ? *as_written_entities : entities, schema);
  const SpamModel::LineScore model_score = model_->Score(model_input);
  const double model_probability = model_score.spam_probability;

  std::vector<Reason> rule_reasons;
  static const SitePolicy kDefaultPolicy;
  const SitePolicy* policy = &kDefaultPolicy;
  if (rules_) {
    RuleInput input{comment,        normalized,        entities,
                    options.now_ms, duplicates_.get(), options.record_duplicate};
    rule_reasons = rules_->Evaluate(input);
    policy = &rules_->PolicyFor(comment.site_id);
  }

  // Only a model that leans toward spam has words to show for it.
  ModelEvidence evidence;
  if (model_probability >= policy->hold_threshold) {
    evidence = EvidenceFor(model_->SpamWords(model_score, kModelEvidenceWords), model_text);
  }
  Assessment assessment =
      Score(model_probability, std::move(rule_reasons), *policy, std::move(evidence),
            OffersContact(entities, !comment.author_url.empty()));
  assessment.model_version = model_->info().version;
  if (rules_) assessment.rules_version = rules_->version();
  return assessment;
}

}  // namespace spamguard
