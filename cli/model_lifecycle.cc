// The steps the model life-cycle commands share (cli/model_lifecycle.h): failing a command,
// loading the base corpus, training a model from examples, scoring it and reporting metrics.
#include "cli/model_lifecycle.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <sstream>
#include <unordered_set>

#include <CLI/CLI.hpp>

#include "model/fnv_hash.h"

namespace spamguard::cli {
namespace {

using nlohmann::json;

std::vector<TrainingLine> ToLines(const TextPipeline& pipeline,
                                  const std::vector<LabeledExample>& examples, bool repeats) {
  std::vector<TrainingLine> lines;
  lines.reserve(examples.size());
  for (const LabeledExample& example : examples) {
    lines.push_back({pipeline.ModelInput(example.comment, kFeatureSchemaVersion), example.spam,
                     repeats ? std::max(1, example.repeat) : 1});
  }
  return lines;
}

}  // namespace

void Check(const std::string& command, const Status& status) {
  if (!status.ok()) Fail(command, status.ToString());
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string Fixed(double value, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << value;
  return out.str();
}

std::string FigureText(double value, bool defined, int digits) {
  return defined ? Fixed(value, digits) : "n/a";
}

// --- data ----------------------------------------------------------------------------------

std::shared_ptr<const TextPipeline> CreatePipeline(const std::string& command) {
  return Check(command, TextPipeline::Create());
}

std::vector<LabeledExample> LoadFiles(const std::string& command,
                                      const std::vector<std::string>& paths) {
  std::vector<LabeledExample> examples;
  for (const std::string& path : paths) {
    std::vector<LabeledExample> loaded = Check(command, LoadLabeledFile(path));
    std::move(loaded.begin(), loaded.end(), std::back_inserter(examples));
  }
  return examples;
}

std::vector<SubsampleRule> MixOptions::Rules(const std::string& command) const {
  std::vector<SubsampleRule> rules = default_mix ? DefaultMix() : std::vector<SubsampleRule>{};
  for (const std::string& text : subsample)
    rules.push_back(Check(command, ParseSubsampleRule(text)));
  return rules;
}

json RulesJson(const std::vector<SubsampleRule>& rules) {
  json out = json::array();
  for (const SubsampleRule& rule : rules)
    out.push_back(rule.source_prefix + "=" + std::to_string(rule.keep));
  return out;
}

Corpus LoadCorpus(const std::string& command, const TextPipeline& pipeline,
                  const std::vector<std::string>& paths, const std::vector<SubsampleRule>& rules,
                  int seed) {
  Corpus corpus;
  corpus.examples = LoadFiles(command, paths);
  // Subsampling ranks by the raw text (no key yet), so the 177k Stack Exchange titles are
  // not all normalized; deduplication then runs on what is kept, before any split.
  Subsample(rules, static_cast<uint64_t>(seed), corpus.examples);
  corpus.dedup = Deduplicate(*pipeline.normalizer(), corpus.examples);
  return corpus;
}

std::vector<LabeledExample> WithoutTestTexts(std::vector<LabeledExample> train,
                                             const std::vector<LabeledExample>& test) {
  std::unordered_set<std::string> keys;
  for (const LabeledExample& example : test) keys.insert(example.key);
  std::vector<LabeledExample> kept;
  for (LabeledExample& example : train) {
    if (!keys.contains(example.key)) kept.push_back(std::move(example));
  }
  return kept;
}

std::shared_ptr<const RuleSet> LoadRules(const std::string& command, const std::string& path,
                                         const TextPipeline& pipeline) {
  if (path.empty()) return nullptr;
  return Check(command, RuleSet::LoadFile(path, pipeline.normalizer(), pipeline.extractor()));
}

// --- scoring ---------------------------------------------------------------------------------

std::vector<ScoredExample> Score(const TextPipeline& pipeline, const SpamModel& model,
                                 const std::vector<LabeledExample>& examples) {
  std::vector<ScoredExample> scored;
  scored.reserve(examples.size());
  for (const LabeledExample& example : examples) {
    const std::string line =
        pipeline.ModelInput(example.comment, model.info().feature_schema_version);
    scored.push_back({model.SpamProbability(line), example.spam});
  }
  return scored;
}

std::shared_ptr<const SpamModel> LoadModel(const std::string& command, const std::string& path) {
  std::shared_ptr<const SpamModel> model = Check(command, SpamModel::Load(path));
  FastTextParameters parameters;
  QuantizeParameters quantize;
  LinearParameters linear;
  double threshold = 0.5;
  if (Status s = ParseParametersJson(model->info().parameters_json, parameters, quantize,
                                     &threshold, &linear);
      !s.ok()) {
    Fail(command, path + ": the model's recorded training parameters are damaged: " + s.message());
  }
  return model;
}

double DecisionThreshold(const SpamModel& model) {
  FastTextParameters parameters;
  QuantizeParameters quantize;
  double threshold = 0.5;
  // On error nothing is read and the threshold stays 0.5 (LoadModel refuses such models).
  (void)ParseParametersJson(model.info().parameters_json, parameters, quantize, &threshold);
  return threshold;
}

double TrainedHeldBackFraction(const std::string& command, const SpamModel& model,
                               const std::string& path) {
  const std::optional<double> recorded =
      Check(command, RecordedHeldBackFraction(model.info().parameters_json));
  if (recorded) return *recorded;
  std::ifstream in(std::filesystem::path(path).parent_path() / "manifest.json");
  const json manifest = in ? json::parse(in, nullptr, /*allow_exceptions=*/false) : json();
  if (manifest.is_object()) {
    if (const auto it = manifest.find("held_back_fraction"); it != manifest.end()) {
      if (!it->is_number() || !(it->get<double>() >= 0 && it->get<double>() < 1)) {
        Fail(command, path + ": the manifest's held_back_fraction " + it->dump() +
                          " is not a number in [0, 1)");
      }
      return it->get<double>();
    }
    if (const auto it = manifest.find("command"); it != manifest.end() && *it == "retrain")
      return kDefaultHeldBackFraction;
  }
  std::cerr << "spamguardctl " << command << ": note: " << path
            << " records no held-back fraction (trained before models recorded it); assuming "
               "the default "
            << kDefaultHeldBackFraction << "\n";
  return kDefaultHeldBackFraction;
}

double RequireHeldBackSplit(const std::string& command, const SpamModel& model,
                            const std::string& path, const std::string& subject,
                            const std::string& consequence) {
  const double fraction = TrainedHeldBackFraction(command, model, path);
  if (fraction == 0) {
    Fail(command, subject + model.info().version +
                      " was trained with --held-back-fraction 0, on all of its data" + consequence);
  }
  return fraction;
}

json MetricsJson(const BinaryMetrics& m, UndefinedFigures undefined) {
  const DefinedFigures defined = DefinedFiguresOf(m.confusion);
  const auto figure = [undefined](double value, bool is_defined) -> json {
    if (!is_defined && undefined == UndefinedFigures::kNull) return nullptr;
    return value;
  };
  return {{"threshold", m.threshold},
          {"accuracy", m.accuracy},
          {"precision", figure(m.precision, defined.precision)},
          {"recall", figure(m.recall, defined.recall)},
          {"f1", figure(m.f1, defined.f1)},
          {"mcc", figure(m.mcc, defined.mcc)},
          {"ham_false_positive_rate",
           figure(m.ham_false_positive_rate, defined.ham_false_positive_rate)},
          {"roc_auc", figure(m.roc_auc, defined.roc_auc)},
          {"calibration_error", m.calibration_error},
          {"confusion",
           {{"true_positives", m.confusion.true_positives},
            {"false_positives", m.confusion.false_positives},
            {"true_negatives", m.confusion.true_negatives},
            {"false_negatives", m.confusion.false_negatives}}}};
}

// --- training a model from examples ----------------------------------------------------------

Result<TrainingReport> TrainFromExamples(const TextPipeline& pipeline,
                                         std::vector<LabeledExample> pool,
                                         const TrainRequest& request,
                                         const std::string& model_path) {
  Split split =
      SplitByKey(std::move(pool), Fnv1a64("validation", static_cast<uint64_t>(request.seed)),
                 request.validation_fraction);
  TrainerOptions options = request.trainer;
  options.seed = request.seed;
  const auto start = std::chrono::steady_clock::now();
  std::vector<TrainingLine> training = ToLines(pipeline, split.rest, /*repeats=*/true);
  std::vector<TrainingLine> validation = ToLines(pipeline, split.selected, /*repeats=*/false);
  if (request.verbose) {
    std::cerr << "prepared " << training.size() + validation.size() << " model inputs in "
              << SecondsSince(start) << " s\n";
  }
  return TrainSpamModel(training, validation, options, model_path);
}

json ReportJson(const TrainingReport& report) {
  json search = json::array();
  for (const SearchCandidate& c : report.search) {
    search.push_back({{"parameters", c.parameters.ToString()},
                      {"epochs_run", c.epochs_run},
                      {"validation_f1", c.validation_f1},
                      {"validation_roc_auc", c.validation_roc_auc},
                      {"seconds", c.seconds}});
  }
  json linear_search = json::array();
  for (const LinearCandidate& c : report.linear_search) {
    linear_search.push_back({{"c", c.c},
                             {"weight", c.weight},
                             {"validation_f1", c.validation_f1},
                             {"validation_roc_auc", c.validation_roc_auc}});
  }
  return {{"version", report.info.version},
          {"validation", MetricsJson(report.validation)},
          {"validation_unquantized", MetricsJson(report.validation_unquantized)},
          {"quantization_f1_loss", report.validation_unquantized.f1 - report.validation.f1},
          {"validation_fasttext_only", MetricsJson(report.validation_fasttext_only)},
          {"linear",
           {{"parameters", report.linear.enabled ? report.linear.ToString() : "off"},
            {"features", report.linear_features},
            {"search", linear_search}}},
          {"decision_threshold", report.decision_threshold},
          {"decision_threshold_constraint_met", report.threshold_constraint_met},
          {"calibration",
           {{"slope", report.calibration.slope}, {"intercept", report.calibration.intercept}}},
          {"chosen", report.chosen.ToString()},
          {"search", search},
          {"search_truncated", report.search_truncated},
          {"unquantized_bytes", report.unquantized_bytes},
          {"model_bytes", report.model_bytes},
          {"training_lines", report.training_lines},
          {"validation_lines", report.validation_lines},
          {"seconds",
           {{"search", report.search_seconds},
            {"quantize", report.quantize_seconds},
            {"linear", report.linear_seconds},
            {"total", report.total_seconds}}}};
}

}  // namespace spamguard::cli
