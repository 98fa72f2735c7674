// Trainer: turns prepared (model input, label) lines into a calibrated, quantized Spamguard
// model file.
//
// One run: write the training lines to a temporary file; train one fastText supervised
// model per candidate of the search grid (softmax loss, thread=1 and a fixed seed, so the
// same data and options give the same model bytes); score each on the validation lines by
// its F1 at the best threshold with ham FPR <= max_ham_fpr (ties: higher ROC-AUC); quantize
// the best one to .ftz (cutoff, product quantization with dsub, qnorm, retraining the kept
// embeddings); train the LinearTextModel on the same lines (unless options.linear.enabled is
// false) and, when searching, choose its C from options.linear.c_grid and its weight in the
// average from options.linear.weight_grid by the same validation rule as the grid; fit Platt
// scaling and choose the decision threshold on the validation scores of the pair (CombineMargins of
// the quantized fastText and the linear model); write the SpamModel file with SpamModel::Write.
//
// The lines are FeatureBuilder lines (TextPipeline::ModelInput) in kFeatureSchemaVersion,
// the schema the model records, so training and serving read identical tokens. Callers
// prepare them; the trainer never sees raw comments.
//
// Determinism: the grid is fixed and evaluated in order, two candidates at a time on two
// worker threads (each fastText run itself uses one thread). The time budget is a safety
// cap only: when it cuts the search short, TrainingReport::search_truncated says so and the
// result may differ between machines.
//
// Thread safety: Train() may run concurrently with other calls on other data; it touches
// only its own work directory.
#ifndef SPAMGUARD_MODEL_TRAINER_H_
#define SPAMGUARD_MODEL_TRAINER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/evaluation.h"
#include "model/linear_text_model.h"
#include "model/spam_model.h"
#include "model/status.h"

namespace fasttext {
class FastText;
}

namespace spamguard {

// The fastText hyperparameters we search over (everything else is fixed: softmax loss,
// minCount 1, thread 1).
struct FastTextParameters {
  int dim = 32;
  int epoch = 5;
  double lr = 0.5;
  int word_ngrams = 2;
  int minn = 0;  // character n-grams off when maxn == 0
  int maxn = 0;
  int bucket = 200000;
  // "dim=32 epoch=5 lr=0.5 wordNgrams=2 minn=0 maxn=0 bucket=200000"
  std::string ToString() const;
};

struct QuantizeParameters {
  bool enabled = true;
  // Embeddings kept (words + n-gram buckets), by norm. Product-quantizer training costs
  // about cutoff * 256 * dim * 25 operations, so this also bounds quantization time.
  size_t cutoff = 20000;
  int dsub = 2;         // product-quantizer sub-vector size
  bool qnorm = true;    // quantize the norms separately
  bool retrain = true;  // fine-tune the kept embeddings after the cutoff
};

struct TrainerOptions {
  int seed = 42;
  // Bound on training work: lines x epochs per fastText run (the search candidates, and the
  // quantization retrain). A run whose configured epochs would exceed it trains
  // max(kMinEpochs, budget / lines) epochs instead: fastText's learning rate decays over the
  // total number of updates, so a large corpus reaches the same schedule in fewer passes.
  // The default mix (~10k lines) is far below it and trains its configured 25 epochs; the
  // 100k-comment retrain of docs/performance.md (77,424 training lines; 1,000,000 / 77,424 =
  // 12.9) trains 12. The epochs actually run are in the
  // report and manifest.
  size_t max_line_epochs = 1'000'000;
  // Tried in order; the first is also the model when search is off.
  std::vector<FastTextParameters> grid = DefaultSearchGrid();
  bool search = true;
  double search_budget_seconds = 40;
  QuantizeParameters quantize;
  LinearParameters linear;
  double max_ham_fpr = 0.01;  // the constraint on the decision threshold
  // Version recorded in the model; empty: "<UTC yyyymmdd-hhmmss>-<8 hex of the model hash>".
  std::string version;
  // Temporary files go here (created if missing; removed after the run). Empty: a new
  // private directory `spamguard-train-<random>` under TMPDIR (model/durable_files.h
  // CreateUniqueDirectory), so runs never share or remove each other's files.
  std::string work_directory;
  // The share of the corpus the caller kept out of training as the fixed held-back split
  // (model/dataset.h kHeldBackSalt), recorded in the model's parameters so that whoever
  // judges the model later rebuilds the split it never saw (0: it saw everything). Unset:
  // nothing is recorded (a model trained on a split of the caller's own, as the evaluation
  // protocol's).
  std::optional<double> held_back_fraction;

  static std::vector<FastTextParameters> DefaultSearchGrid();
};

struct TrainingLine {
  std::string model_input;  // one FeatureBuilder line, no newline
  bool spam = false;
  int repeat = 1;  // written this many times (how feedback is weighted)
};

struct SearchCandidate {
  FastTextParameters parameters;
  int epochs_run = 0;        // parameters.epoch, or fewer under max_line_epochs
  double validation_f1 = 0;  // at its own best constrained threshold (raw scores)
  double validation_roc_auc = 0;
  double seconds = 0;
};

// One (C, weight) of the linear model's search, scored like a SearchCandidate.
struct LinearCandidate {
  double c = 0;
  double weight = 0;
  double validation_f1 = 0;
  double validation_roc_auc = 0;
};

struct TrainingReport {
  FastTextParameters chosen;
  int epochs_run = 0;  // of the chosen candidate and of its quantization retrain
  std::vector<SearchCandidate> search;
  bool search_truncated = false;
  QuantizeParameters quantize;
  LinearParameters linear;                     // c and weight: the ones chosen
  std::vector<LinearCandidate> linear_search;  // every (c, weight) tried, in order
  size_t linear_features = 0;                  // 0 when the linear model is off
  double linear_seconds = 0;
  PlattCalibration calibration;
  double decision_threshold = 0.5;  // on the calibrated probability
  bool threshold_constraint_met = false;
  // Validation metrics of the unquantized best model and of the shipped (quantized) model,
  // each with the linear model when there is one, calibrated and thresholded the same way;
  // and of the shipped fastText model alone, for comparison.
  BinaryMetrics validation_unquantized;
  BinaryMetrics validation;
  BinaryMetrics validation_fasttext_only;
  uint64_t unquantized_bytes = 0;  // the .bin fastText would write
  uint64_t model_bytes = 0;        // the .spgm written
  size_t training_lines = 0;
  size_t validation_lines = 0;
  double search_seconds = 0;
  double quantize_seconds = 0;
  double total_seconds = 0;
  ModelInfo info;  // what was written into the model file
};

// Trains and writes the model to model_path. Errors: kInvalidArgument when either split
// lacks a class or is empty; kIoError for the work files (including a TMPDIR that is missing,
// not a directory or not writable); kInternal when fastText throws.
Result<TrainingReport> TrainSpamModel(const std::vector<TrainingLine>& training,
                                      const std::vector<TrainingLine>& validation,
                                      const TrainerOptions& options, const std::string& model_path);

// The training parameters of a report as a JSON object text (stored in ModelInfo and in
// manifests), including the decision threshold and, when given, the held-back fraction
// (TrainerOptions::held_back_fraction).
std::string ParametersJson(const TrainingReport& report, int seed,
                           std::optional<double> held_back_fraction = std::nullopt);

// The held-back fraction ParametersJson recorded: nullopt when none is (models trained before
// it was recorded, or without a held-back split). Never throws: text that is not a JSON
// object, or a recorded value that is not a number in [0, 1), is kInvalidArgument.
Result<std::optional<double>> RecordedHeldBackFraction(const std::string& parameters_json);

// Reads FastTextParameters, QuantizeParameters, LinearParameters (when `linear` is given) and
// the decision threshold back from ParametersJson text, so the evaluation protocol and
// retrain can train with a model's settings. Missing fields (or empty text) keep the values passed
// in, except a missing "linear" section in non-empty text: that model predates the linear model,
// so linear->enabled becomes false. Never throws: text that is not a JSON object, a field of the
// wrong type (or an integer out of range), a threshold outside [0, 1] or a recorded held-back
// fraction outside [0, 1) is kInvalidArgument naming the field ("parameters.decision_threshold is
// \"high\", not a number"), and then nothing is changed.
Status ParseParametersJson(const std::string& json, FastTextParameters& parameters,
                           QuantizeParameters& quantize, double* decision_threshold,
                           LinearParameters* linear = nullptr);

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_TRAINER_H_
