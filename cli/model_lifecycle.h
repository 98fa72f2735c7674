// What the model life-cycle commands of spamguardctl (train, eval, eval-protocol, replay,
// retrain, models; cli/commands.h) share: failing a command, loading the base corpus,
// training a model from examples, and scoring and reporting it. Internal to spamguardctl.
//
// Every command prepares text with the same TextPipeline the server uses, so what is
// trained and measured here is what is served. Data handling (formats, dedup before any
// split, per-source subsampling, seeded splits) is model/dataset.h; training, quantization,
// calibration and the decision threshold are model/trainer.h; the figures are
// model/evaluation.h. Publishing a trained model into a store is cli/model_publishing.h.
//
// The held-back split: a share (train's --held-back-fraction, default 20%) of the
// (deduplicated, subsampled) base corpus, chosen by a fixed salt (kHeldBackSalt) independent
// of --seed, is never trained on by `train` or `retrain`, and the model records that share
// (TrainedHeldBackFraction). Every model in a store is therefore judged on the same unseen
// comments, which is what makes the retrain gate's "candidate vs current" comparison fair.
//
// Errors: a function that takes `command` reports failure through Fail, so the command ends
// with one line "spamguardctl <command>: <what>" on stderr (cli/commands.h); one that returns
// Status or Result leaves the reporting to its caller. Nothing here keeps state between
// calls: TrainFromExamples and Score may run on several threads at once (eval-protocol does),
// given distinct model paths and work directories.
#ifndef SPAMGUARD_CLI_MODEL_LIFECYCLE_H_
#define SPAMGUARD_CLI_MODEL_LIFECYCLE_H_

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "model/comment_classifier.h"
#include "model/dataset.h"
#include "model/evaluation.h"
#include "model/rule_set.h"
#include "model/spam_model.h"
#include "model/status.h"
#include "model/trainer.h"

namespace spamguard::cli {

inline constexpr char kDefaultStore[] = "models";
inline constexpr int kDefaultSeed = 42;
inline constexpr double kDefaultValidationFraction = 0.15;

// --- failing a command (Fail is cli/commands.h) ----------------------------------------------

// The value of `result`, or Fail with its status.
template <typename T>
T Check(const std::string& command, Result<T> result) {
  if (!result.ok()) Fail(command, result.status().ToString());
  return std::move(result).value();
}

// Fail with `status` unless it is OK.
void Check(const std::string& command, const Status& status);

double SecondsSince(std::chrono::steady_clock::time_point start);

// `value` with `digits` digits after the point, for the text reports.
std::string Fixed(double value, int digits = 4);

// --- data ------------------------------------------------------------------------------------

std::shared_ptr<const TextPipeline> CreatePipeline(const std::string& command);

// The examples of every file in `paths`, in order.
std::vector<LabeledExample> LoadFiles(const std::string& command,
                                      const std::vector<std::string>& paths);

// Options shared by train and retrain for choosing the base corpus.
struct MixOptions {
  bool default_mix = false;
  std::vector<std::string> subsample;
  int seed = kDefaultSeed;

  // DefaultMix() when default_mix, then every --subsample rule; Fail on a malformed one.
  std::vector<SubsampleRule> Rules(const std::string& command) const;
};

// The rules as "SOURCE=N" strings, for metrics and manifests.
nlohmann::json RulesJson(const std::vector<SubsampleRule>& rules);

// The base corpus as every command prepares it: load in order, subsample per source (seeded
// by the mix's seed), deduplicate (first occurrence wins).
struct Corpus {
  std::vector<LabeledExample> examples;
  DedupReport dedup;
};
Corpus LoadCorpus(const std::string& command, const TextPipeline& pipeline,
                  const std::vector<std::string>& paths, const std::vector<SubsampleRule>& rules,
                  int seed);

// Removes from `train` every example whose key occurs in `test`.
std::vector<LabeledExample> WithoutTestTexts(std::vector<LabeledExample> train,
                                             const std::vector<LabeledExample>& test);

// The rule pack at `path`, or nullptr when `path` is empty.
std::shared_ptr<const RuleSet> LoadRules(const std::string& command, const std::string& path,
                                         const TextPipeline& pipeline);

// --- scoring ---------------------------------------------------------------------------------

// The model's spam probability of every example's model input, with its label.
std::vector<ScoredExample> Score(const TextPipeline& pipeline, const SpamModel& model,
                                 const std::vector<LabeledExample>& examples);

// The model file at `path` (SpamModel::Load), refused with Fail when it does not load or when
// its recorded training parameters do not parse (ParseParametersJson: a mistyped
// decision_threshold must not silently become 0.5).
std::shared_ptr<const SpamModel> LoadModel(const std::string& command, const std::string& path);

// The decision threshold a model file records (trainer.h), or 0.5 for a model without one.
// Meant for models from LoadModel; for one whose parameters do not parse it is also 0.5.
double DecisionThreshold(const SpamModel& model);

// How MetricsJson writes a figure the data does not define (model/evaluation.h
// DefinedFigures).
enum class UndefinedFigures {
  kNull,               // reports on stdout (eval, eval-protocol): no figure is not a number
  kConventionalValue,  // metrics.json in a store: its readers (ListModels) expect numbers
};
// The share of its corpus `model` (loaded from `path`) was kept from training: the split it
// never saw is SplitByKey(corpus, kHeldBackSalt, fraction).selected; 0 means it saw all of
// it. Read from the model's parameters, where train and retrain record it. A model from
// before they did is looked up in the manifest.json beside it (train --publish wrote its
// --held-back-fraction there; retrain always held back kDefaultHeldBackFraction); failing
// that (a model file written by train without --publish), it is taken to be
// kDefaultHeldBackFraction, the default of every such model, and a note on stderr says so:
// a model of that kind trained with another --held-back-fraction is judged on a split it
// may have partly trained on. A recorded value that is damaged is a Fail.
double TrainedHeldBackFraction(const std::string& command, const SpamModel& model,
                               const std::string& path);

// TrainedHeldBackFraction for a use that needs the held-back split: a model trained on all
// of its data (fraction 0) is a Fail, "<subject><version> was trained with
// --held-back-fraction 0, on all of its data<consequence>".
double RequireHeldBackSplit(const std::string& command, const SpamModel& model,
                            const std::string& path, const std::string& subject,
                            const std::string& consequence);

nlohmann::json MetricsJson(const BinaryMetrics& m,
                           UndefinedFigures undefined = UndefinedFigures::kConventionalValue);

// Fixed(value, digits), or "n/a" for a figure the data does not define.
std::string FigureText(double value, bool defined, int digits = 4);

// --- the evaluation protocol (protocol_command.cc) ---------------------------------------

// What `eval` without DATA files, and its alias `eval-protocol`, runs.
struct ProtocolOptions {
  std::string model = kDefaultStore;
  std::string data = "data";
  bool json_output = false;
  std::vector<std::string> only;  // "lovo", "tubespam", "held-back"
  int jobs = 2;
  // When set: write every split's training and test model inputs there, in fastText's
  // format, and stop (so other learners, e.g. the fastText CLI, run on identical splits).
  std::string dump_splits;
  // When set: also score every protocol test split with this rule pack on top of the split's
  // model, as the server would (empty: the model alone).
  std::string rules;
  // LOVO and TubeSpam models train on the YouTube collection alone, without the SMS,
  // Telegram and SmokeDetector corpora (held-back is the stored model and is unaffected).
  bool youtube_only = false;
  // When set: write every test split's examples there with the probability the split's model
  // gave each (DIR/lovo/psy.tsv, ...; columns label, spam_probability, predicted, source,
  // text), for error analysis.
  std::string scores_out;
};

// Registers the protocol's own options on `command` (--data, --only, --jobs, --dump-splits,
// --rules, --youtube-only, --scores-out; --model and --json are the caller's, as eval has them too)
// and returns them, so that eval can refuse them next to DATA files.
std::vector<CLI::Option*> AddProtocolOptions(CLI::App& command, ProtocolOptions& options);

// Runs LOVO, TubeSpam and held-back (options.only: a subset) with the settings of the model at
// options.model, on the corpora under options.data; prints the table or JSON to stdout and
// progress to stderr. Failures are Fail(command, ...).
void RunEvalProtocol(const std::string& command, const ProtocolOptions& options);

// --- training a model from examples ----------------------------------------------------------

struct TrainRequest {
  int seed = kDefaultSeed;
  double validation_fraction = kDefaultValidationFraction;
  TrainerOptions trainer;
  bool verbose = false;  // progress lines on stderr
};

// Splits `pool` into training and validation by (seed, key) and trains a model file.
Result<TrainingReport> TrainFromExamples(const TextPipeline& pipeline,
                                         std::vector<LabeledExample> pool,
                                         const TrainRequest& request,
                                         const std::string& model_path);

// The training report as JSON, the base of the metrics.json a command writes for a model.
nlohmann::json ReportJson(const TrainingReport& report);

}  // namespace spamguard::cli

#endif  // SPAMGUARD_CLI_MODEL_LIFECYCLE_H_
