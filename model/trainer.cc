#include "model/trainer.h"

#include <fasttext/fasttext.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "model/dataset.h"
#include "model/durable_files.h"
#include "model/fasttext_classifier.h"
#include "model/features.h"
#include "model/scorer.h"

namespace spamguard {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Calibrated probabilities below this never decide spam: the site policy holds at 0.5, and a
// threshold below it would mean the model disagrees with its own calibration.
constexpr double kMinimumDecisionThreshold = 0.5;

constexpr const char* kSpamLabel = FastTextClassifier::kSpamLabel;
constexpr const char* kHamLabel = FastTextClassifier::kHamLabel;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Raw probabilities as SpamModel computes them (sigmoid of the unsaturated fastText
// margin, combined with the linear model's when one is given, in double), on models still
// in memory.
std::vector<ScoredExample> ScoreRaw(const FastTextClassifier& model,
                                    const std::vector<TrainingLine>& lines,
                                    const LinearTextModel* linear = nullptr,
                                    double linear_weight = 0) {
  std::vector<ScoredExample> scored;
  scored.reserve(lines.size());
  for (const TrainingLine& line : lines) {
    double margin = model.SpamMargin(line.model_input);
    if (linear != nullptr) {
      margin = CombineMargins(margin, linear->Margin(line.model_input), linear_weight);
    }
    scored.push_back({Sigmoid(margin), line.spam});
  }
  return scored;
}

// Calibrates raw scores on themselves, picks the constrained threshold and evaluates.
struct CalibratedEvaluation {
  PlattCalibration calibration;
  ThresholdChoice threshold;
  BinaryMetrics metrics;
};
Result<CalibratedEvaluation> CalibrateAndEvaluate(const std::vector<ScoredExample>& raw,
                                                  double max_ham_fpr) {
  Result<PlattCalibration> calibration = FitPlatt(raw);
  if (!calibration.ok()) return calibration.status();
  std::vector<ScoredExample> calibrated = raw;
  for (ScoredExample& example : calibrated) {
    example.probability = calibration->Apply(example.probability);
  }
  CalibratedEvaluation result;
  result.calibration = *calibration;
  result.threshold = LowestThresholdWithin(calibrated, max_ham_fpr, kMinimumDecisionThreshold);
  result.metrics = Evaluate(calibrated, result.threshold.threshold);
  return result;
}

std::string SanitizedLine(const std::string& line) {
  std::string out = line;
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

Status WriteTrainingFile(const std::vector<TrainingLine>& lines, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError("cannot write training file " + path);
  for (const TrainingLine& line : lines) {
    const std::string text = SanitizedLine(line.model_input);
    for (int r = 0; r < std::max(1, line.repeat); ++r) {
      out << (line.spam ? kSpamLabel : kHamLabel) << ' ' << text << '\n';
    }
  }
  out.flush();
  if (!out) return Status::IoError("failed writing training file " + path);
  return Status::Ok();
}

// Fewest epochs a run is cut to by TrainerOptions::max_line_epochs.
constexpr int kMinEpochs = 5;

// The configured epochs, or fewer when lines x epochs would exceed the budget.
int EpochsToRun(const FastTextParameters& p, size_t lines, size_t max_line_epochs) {
  if (lines == 0 || static_cast<size_t>(p.epoch) * lines <= max_line_epochs) return p.epoch;
  const int budgeted = static_cast<int>(max_line_epochs / lines);
  return std::min(p.epoch, std::max(kMinEpochs, budgeted));
}

fasttext::Args BaseArgs(const FastTextParameters& p, int epochs, int seed,
                        const std::string& input) {
  fasttext::Args args;
  args.input = input;
  args.model = fasttext::model_name::sup;
  args.loss = fasttext::loss_name::softmax;
  args.dim = p.dim;
  args.epoch = epochs;
  args.lr = p.lr;
  args.wordNgrams = p.word_ngrams;
  args.minn = p.minn;
  args.maxn = p.maxn;
  args.bucket = p.bucket;
  args.minCount = 1;
  args.thread = 1;  // one thread: Hogwild across threads would make runs differ
  args.seed = seed;
  args.verbose = 0;
  return args;
}

struct TrainedCandidate {
  SearchCandidate summary;
  std::shared_ptr<FastTextClassifier> model;
  std::vector<ScoredExample> validation_raw;
  Status status;
};

TrainedCandidate TrainCandidate(const FastTextParameters& parameters, int epochs, int seed,
                                const std::string& input,
                                const std::vector<TrainingLine>& validation, double max_ham_fpr) {
  TrainedCandidate candidate;
  candidate.summary.parameters = parameters;
  candidate.summary.epochs_run = epochs;
  const Clock::time_point start = Clock::now();
  try {
    candidate.model = std::make_shared<FastTextClassifier>();
    candidate.model->train(BaseArgs(parameters, epochs, seed, input));
    if (!candidate.model->PrepareForScoring()) {
      candidate.status = Status::Internal("trained model lacks the spam or ham label");
      return candidate;
    }
  } catch (const std::exception& error) {
    candidate.status = Status::Internal(std::string("fastText training failed: ") + error.what());
    return candidate;
  }
  candidate.validation_raw = ScoreRaw(*candidate.model, validation);
  candidate.summary.validation_f1 = ChooseThreshold(candidate.validation_raw, max_ham_fpr).f1;
  candidate.summary.validation_roc_auc = RocAuc(candidate.validation_raw);
  candidate.summary.seconds = SecondsSince(start);
  return candidate;
}

// The search's rule, for the fastText grid and the linear model's (C, weight) alike: the
// higher validation F1 at the constrained threshold; on a tie the higher ROC-AUC.
template <typename Candidate>
bool Better(const Candidate& a, const Candidate& b) {
  if (a.validation_f1 != b.validation_f1) return a.validation_f1 > b.validation_f1;
  return a.validation_roc_auc > b.validation_roc_auc;
}

std::string UtcNow(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[64];
  std::strftime(buffer, sizeof(buffer), format, &utc);
  return buffer;
}

Result<std::string> FileHashHex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path);
  std::stringstream bytes;
  bytes << in.rdbuf();
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(Fnv1a64(bytes.str())));
  return std::string(hex);
}

Status CheckSplit(const std::vector<TrainingLine>& lines, const char* name) {
  bool spam = false, ham = false;
  for (const TrainingLine& line : lines) (line.spam ? spam : ham) = true;
  if (!spam || !ham) {
    return Status::InvalidArgument(std::string("the ") + name +
                                   " split needs both spam and ham examples");
  }
  return Status::Ok();
}

}  // namespace

std::string FastTextParameters::ToString() const {
  std::ostringstream out;
  out << "dim=" << dim << " epoch=" << epoch << " lr=" << lr << " wordNgrams=" << word_ngrams
      << " minn=" << minn << " maxn=" << maxn << " bucket=" << bucket;
  return out.str();
}

std::vector<FastTextParameters> TrainerOptions::DefaultSearchGrid() {
  // The first entry is the default when the search is off. Character n-grams (minn/maxn)
  // help with misspelled and obfuscated words the normalizer could not fold.
  std::vector<FastTextParameters> grid;
  auto add = [&grid](int dim, int epoch, double lr, int ngrams, int minn, int maxn) {
    FastTextParameters p;
    p.dim = dim;
    p.epoch = epoch;
    p.lr = lr;
    p.word_ngrams = ngrams;
    p.minn = minn;
    p.maxn = maxn;
    grid.push_back(p);
  };
  // Measured on the leave-one-video-out protocol (docs/quality.md): 25 epochs with word
  // bigrams beat the short runs; the margin is read before the softmax, so longer training
  // no longer saturates the scores that calibration and the threshold need.
  add(32, 25, 0.5, 2, 0, 0);
  add(32, 25, 0.5, 2, 3, 5);
  add(32, 10, 0.5, 2, 3, 5);
  add(32, 5, 0.5, 2, 0, 0);
  return grid;
}

Result<TrainingReport> TrainSpamModel(const std::vector<TrainingLine>& training,
                                      const std::vector<TrainingLine>& validation,
                                      const TrainerOptions& options,
                                      const std::string& model_path) {
  const Clock::time_point start = Clock::now();
  if (Status s = CheckSplit(training, "training"); !s.ok()) return s;
  if (Status s = CheckSplit(validation, "validation"); !s.ok()) return s;
  if (options.grid.empty()) return Status::InvalidArgument("the search grid is empty");

  std::error_code error;
  fs::path work;
  if (options.work_directory.empty()) {
    const fs::path temporary = fs::temp_directory_path(error);
    if (error) {
      return Status::IoError("no usable temporary directory for the training files (TMPDIR=" +
                             std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "") +
                             "): " + error.message());
    }
    // Private and unguessable: the training text must not collide with another run (PID
    // namespaces share /tmp) nor be swapped by another user of a world-writable /tmp.
    Result<std::string> unique =
        CreateUniqueDirectory(temporary.string(), "spamguard-train-", 0700);
    if (!unique.ok()) {
      return Status::IoError("cannot create the training work directory: " +
                             unique.status().message());
    }
    work = *unique;
  } else {
    work = options.work_directory;
    fs::create_directories(work, error);
    if (error) {
      return Status::IoError("cannot create work directory " + work.string() + ": " +
                             error.message());
    }
  }
  struct Cleanup {
    fs::path path;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } cleanup{work};

  const std::string input = (work / "train.txt").string();
  if (Status s = WriteTrainingFile(training, input); !s.ok()) return s;

  size_t written_lines = 0;
  for (const TrainingLine& line : training) written_lines += std::max(1, line.repeat);

  TrainingReport report;
  report.training_lines = training.size();
  report.validation_lines = validation.size();
  report.quantize = options.quantize;

  // --- search: the grid in order, two candidates at a time -----------------------------
  const size_t candidates = options.search ? options.grid.size() : 1;
  TrainedCandidate best;
  for (size_t next = 0; next < candidates; next += 2) {
    if (next > 0 && SecondsSince(start) > options.search_budget_seconds) {
      report.search_truncated = true;
      break;
    }
    std::vector<TrainedCandidate> batch(std::min<size_t>(2, candidates - next));
    std::vector<std::thread> workers;
    for (size_t i = 0; i < batch.size(); ++i) {
      workers.emplace_back([&, i] {
        const FastTextParameters& parameters = options.grid[next + i];
        batch[i] = TrainCandidate(parameters,
                                  EpochsToRun(parameters, written_lines, options.max_line_epochs),
                                  options.seed, input, validation, options.max_ham_fpr);
      });
    }
    for (std::thread& worker : workers) worker.join();
    for (TrainedCandidate& candidate : batch) {
      if (!candidate.status.ok()) return candidate.status;
      report.search.push_back(candidate.summary);
      if (!best.model || Better(candidate.summary, best.summary)) best = std::move(candidate);
    }
  }
  report.chosen = best.summary.parameters;
  report.epochs_run = best.summary.epochs_run;
  report.search_seconds = SecondsSince(start);

  // --- the linear model, on the same lines -------------------------------------------------
  // With the search on, one model per C of the grid, and each with every weight of the pair,
  // by the grid's own rule on the unquantized fastText model's validation scores.
  report.linear = options.linear;
  std::optional<LinearTextModel> linear;
  if (options.linear.enabled) {
    for (double weight :
         options.search ? options.linear.weight_grid : std::vector<double>{options.linear.weight}) {
      if (!(weight > 0 && weight < 1)) {
        return Status::InvalidArgument("linear model weight " + std::to_string(weight) +
                                       " is not in (0, 1)");
      }
    }
    const Clock::time_point linear_start = Clock::now();
    std::vector<LinearExample> examples;
    examples.reserve(training.size());
    for (const TrainingLine& line : training) {
      examples.push_back({line.model_input, line.spam, std::max(1, line.repeat)});
    }
    std::vector<double> fasttext_margins;
    if (options.search) {
      for (const TrainingLine& line : validation) {
        fasttext_margins.push_back(best.model->SpamMargin(line.model_input));
      }
    }
    const std::vector<double> c_grid = options.search && !options.linear.c_grid.empty()
                                           ? options.linear.c_grid
                                           : std::vector<double>{options.linear.c};
    LinearCandidate chosen;
    for (double c : c_grid) {
      LinearParameters parameters = options.linear;
      parameters.c = c;
      Result<LinearTextModel> trained = LinearTextModel::Train(examples, parameters);
      if (!trained.ok()) return trained.status();
      if (!options.search) {
        linear = std::move(*trained);
        break;
      }
      std::vector<double> linear_margins;
      for (const TrainingLine& line : validation) {
        linear_margins.push_back(trained->Margin(line.model_input));
      }
      bool improved = false;
      for (double weight : options.linear.weight_grid) {
        std::vector<ScoredExample> raw;
        for (size_t i = 0; i < validation.size(); ++i) {
          const double margin = CombineMargins(fasttext_margins[i], linear_margins[i], weight);
          raw.push_back({Sigmoid(margin), validation[i].spam});
        }
        LinearCandidate candidate{c, weight, ChooseThreshold(raw, options.max_ham_fpr).f1,
                                  RocAuc(raw)};
        report.linear_search.push_back(candidate);
        if (report.linear_search.size() == 1 || Better(candidate, chosen)) {
          chosen = candidate;
          improved = true;
        }
      }
      if (improved) {
        linear = std::move(*trained);
        report.linear.c = chosen.c;
        report.linear.weight = chosen.weight;
      }
    }
    report.linear_features = linear->feature_count();
    report.linear_seconds = SecondsSince(linear_start);
  }
  const LinearTextModel* linear_model = linear ? &*linear : nullptr;

  Result<CalibratedEvaluation> unquantized = CalibrateAndEvaluate(
      ScoreRaw(*best.model, validation, linear_model, report.linear.weight), options.max_ham_fpr);
  if (!unquantized.ok()) return unquantized.status();
  report.validation_unquantized = unquantized->metrics;

  // --- quantize --------------------------------------------------------------------------
  const std::string bin_path = (work / "model.bin").string();
  const std::string ftz_path = (work / "model.ftz").string();
  std::string fasttext_path = bin_path;
  try {
    best.model->saveModel(bin_path);
    report.unquantized_bytes = fs::file_size(bin_path, error);
    if (options.quantize.enabled) {
      const Clock::time_point quantize_start = Clock::now();
      fasttext::Args qargs = BaseArgs(report.chosen, report.epochs_run, options.seed, input);
      qargs.output = (work / "model").string();
      qargs.cutoff = options.quantize.cutoff;
      qargs.dsub = options.quantize.dsub;
      qargs.qnorm = options.quantize.qnorm;
      qargs.retrain = options.quantize.retrain;
      qargs.qout = false;
      best.model->quantize(qargs);
      best.model->saveModel(ftz_path);
      if (!best.model->PrepareForScoring()) {
        return Status::Internal("quantized model cannot be scored");
      }
      fasttext_path = ftz_path;
      report.quantize_seconds = SecondsSince(quantize_start);
    }
  } catch (const std::exception& exception) {
    return Status::Internal(std::string("fastText save/quantize failed: ") + exception.what());
  }

  // --- calibrate, choose the threshold and evaluate what is shipped ------------------------
  Result<CalibratedEvaluation> shipped = CalibrateAndEvaluate(
      ScoreRaw(*best.model, validation, linear_model, report.linear.weight), options.max_ham_fpr);
  if (!shipped.ok()) return shipped.status();
  Result<CalibratedEvaluation> fasttext_only =
      CalibrateAndEvaluate(ScoreRaw(*best.model, validation), options.max_ham_fpr);
  if (!fasttext_only.ok()) return fasttext_only.status();
  report.validation_fasttext_only = fasttext_only->metrics;
  report.calibration = shipped->calibration;
  report.decision_threshold = shipped->threshold.threshold;
  report.threshold_constraint_met = shipped->threshold.constraint_met;
  report.validation = shipped->metrics;

  Result<std::string> hash = FileHashHex(fasttext_path);
  if (!hash.ok()) return hash.status();
  ModelInfo& info = report.info;
  info.version = options.version.empty() ? UtcNow("%Y%m%d-%H%M%S") + "-" + hash->substr(0, 8)
                                         : options.version;
  info.feature_schema_version = kFeatureSchemaVersion;
  info.calibration = report.calibration;
  info.validation_metrics = ToModelMetrics(report.validation);
  info.trained_at = UtcNow("%Y-%m-%dT%H:%M:%SZ");
  info.parameters_json = ParametersJson(report, options.seed, options.held_back_fraction);
  info.linear_weight = linear_model != nullptr ? report.linear.weight : 0;
  if (Status s = SpamModel::Write(model_path, fasttext_path, info,
                                  linear_model != nullptr ? linear_model->Serialize() : "");
      !s.ok()) {
    return s;
  }
  report.model_bytes = fs::file_size(model_path, error);
  report.total_seconds = SecondsSince(start);
  return report;
}

std::string ParametersJson(const TrainingReport& report, int seed,
                           std::optional<double> held_back_fraction) {
  const FastTextParameters& p = report.chosen;
  nlohmann::json json = {
      {"seed", seed},
      {"loss", "softmax"},
      {"min_count", 1},
      {"threads", 1},
      {"fasttext",
       {{"dim", p.dim},
        {"epoch", p.epoch},
        {"epochs_run", report.epochs_run},
        {"lr", p.lr},
        {"word_ngrams", p.word_ngrams},
        {"minn", p.minn},
        {"maxn", p.maxn},
        {"bucket", p.bucket}}},
      {"quantize",
       {{"enabled", report.quantize.enabled},
        {"cutoff", report.quantize.cutoff},
        {"dsub", report.quantize.dsub},
        {"qnorm", report.quantize.qnorm},
        {"retrain", report.quantize.retrain}}},
      {"linear",
       {{"enabled", report.linear.enabled},
        {"c", report.linear.c},
        {"minn", report.linear.minn},
        {"maxn", report.linear.maxn},
        {"min_document_frequency", report.linear.min_document_frequency},
        {"weight", report.linear.weight},
        {"features", report.linear_features}}},
      {"decision_threshold", report.decision_threshold},
      {"decision_threshold_constraint_met", report.threshold_constraint_met},
  };
  if (held_back_fraction) json["held_back_fraction"] = *held_back_fraction;
  return json.dump();
}

namespace {

// Reads json[key] into `out` when present; a value of another type (or an integer out of
// range) is kInvalidArgument naming `where`.key, and leaves `out` as it was.
Status ReadInt(const nlohmann::json& json, const char* key, const std::string& where, int& out) {
  const auto it = json.find(key);
  if (it == json.end()) return Status::Ok();
  constexpr int64_t kMin = std::numeric_limits<int>::min(), kMax = std::numeric_limits<int>::max();
  const bool in_range =
      it->is_number_unsigned()
          ? it->get<uint64_t>() <= static_cast<uint64_t>(kMax)
          : it->is_number_integer() && it->get<int64_t>() >= kMin && it->get<int64_t>() <= kMax;
  if (!in_range) {
    return Status::InvalidArgument(where + key + " is " + it->dump() + ", not an integer");
  }
  out = it->get<int>();
  return Status::Ok();
}

Status ReadSize(const nlohmann::json& json, const char* key, const std::string& where,
                size_t& out) {
  const auto it = json.find(key);
  if (it == json.end()) return Status::Ok();
  if (!it->is_number_unsigned()) {
    return Status::InvalidArgument(where + key + " is " + it->dump() +
                                   ", not a non-negative integer");
  }
  out = it->get<size_t>();
  return Status::Ok();
}

Status ReadDouble(const nlohmann::json& json, const char* key, const std::string& where,
                  double& out) {
  const auto it = json.find(key);
  if (it == json.end()) return Status::Ok();
  if (!it->is_number())
    return Status::InvalidArgument(where + key + " is " + it->dump() + ", not a number");
  out = it->get<double>();
  return Status::Ok();
}

Status ReadBool(const nlohmann::json& json, const char* key, const std::string& where, bool& out) {
  const auto it = json.find(key);
  if (it == json.end()) return Status::Ok();
  if (!it->is_boolean()) {
    return Status::InvalidArgument(where + key + " is " + it->dump() + ", not true or false");
  }
  out = it->get<bool>();
  return Status::Ok();
}

// The section `key` of `json`: nullptr when absent, an error when not an object.
Result<const nlohmann::json*> Section(const nlohmann::json& json, const char* key) {
  const auto it = json.find(key);
  if (it == json.end()) return static_cast<const nlohmann::json*>(nullptr);
  if (!it->is_object()) {
    return Status::InvalidArgument(std::string("parameters.") + key + " is " + it->dump() +
                                   ", not an object");
  }
  return &*it;
}

Result<std::optional<double>> HeldBackFractionOf(const nlohmann::json& json) {
  const auto it = json.find("held_back_fraction");
  if (it == json.end()) return std::optional<double>();
  if (!it->is_number() || !(it->get<double>() >= 0 && it->get<double>() < 1)) {
    return Status::InvalidArgument("parameters.held_back_fraction is " + it->dump() +
                                   ", not a number in [0, 1)");
  }
  return std::optional<double>(it->get<double>());
}

}  // namespace

Result<std::optional<double>> RecordedHeldBackFraction(const std::string& text) {
  if (text.empty()) return std::optional<double>();
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::InvalidArgument("parameters are not a JSON object");
  }
  return HeldBackFractionOf(json);
}

Status ParseParametersJson(const std::string& text, FastTextParameters& parameters,
                           QuantizeParameters& quantize, double* decision_threshold,
                           LinearParameters* linear) {
  if (text.empty()) return Status::Ok();  // a model trained without recorded parameters
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::InvalidArgument("parameters are not a JSON object");
  }
  // Read into copies, so that on error the caller's values are untouched.
  FastTextParameters p = parameters;
  QuantizeParameters q = quantize;
  LinearParameters l = linear != nullptr ? *linear : LinearParameters();
  double threshold = decision_threshold != nullptr ? *decision_threshold : 0.5;
  Result<const nlohmann::json*> fasttext = Section(json, "fasttext");
  if (!fasttext.ok()) return fasttext.status();
  if (const nlohmann::json* f = *fasttext) {
    const std::string where = "parameters.fasttext.";
    for (Status s :
         {ReadInt(*f, "dim", where, p.dim), ReadInt(*f, "epoch", where, p.epoch),
          ReadDouble(*f, "lr", where, p.lr), ReadInt(*f, "word_ngrams", where, p.word_ngrams),
          ReadInt(*f, "minn", where, p.minn), ReadInt(*f, "maxn", where, p.maxn),
          ReadInt(*f, "bucket", where, p.bucket)}) {
      if (!s.ok()) return s;
    }
  }
  Result<const nlohmann::json*> quantize_json = Section(json, "quantize");
  if (!quantize_json.ok()) return quantize_json.status();
  if (const nlohmann::json* j = *quantize_json) {
    const std::string where = "parameters.quantize.";
    for (Status s :
         {ReadBool(*j, "enabled", where, q.enabled), ReadSize(*j, "cutoff", where, q.cutoff),
          ReadInt(*j, "dsub", where, q.dsub), ReadBool(*j, "qnorm", where, q.qnorm),
          ReadBool(*j, "retrain", where, q.retrain)}) {
      if (!s.ok()) return s;
    }
  }
  Result<const nlohmann::json*> linear_json = Section(json, "linear");
  if (!linear_json.ok()) return linear_json.status();
  // Parameters without the section are a model's from before the linear model existed:
  // fastText alone, as it was trained.
  if (*linear_json == nullptr) l.enabled = false;
  if (const nlohmann::json* j = *linear_json) {
    const std::string where = "parameters.linear.";
    for (Status s : {ReadBool(*j, "enabled", where, l.enabled), ReadDouble(*j, "c", where, l.c),
                     ReadInt(*j, "minn", where, l.minn), ReadInt(*j, "maxn", where, l.maxn),
                     ReadInt(*j, "min_document_frequency", where, l.min_document_frequency),
                     ReadDouble(*j, "weight", where, l.weight)}) {
      if (!s.ok()) return s;
    }
  }
  if (Status s = ReadDouble(json, "decision_threshold", "parameters.", threshold); !s.ok())
    return s;
  if (!(threshold >= 0 && threshold <= 1)) {
    return Status::InvalidArgument("parameters.decision_threshold " + std::to_string(threshold) +
                                   " is not a probability in [0, 1]");
  }
  if (Result<std::optional<double>> held_back = HeldBackFractionOf(json); !held_back.ok())
    return held_back.status();
  parameters = p;
  quantize = q;
  if (linear != nullptr) *linear = l;
  if (decision_threshold != nullptr) *decision_threshold = threshold;
  return Status::Ok();
}

}  // namespace spamguard
