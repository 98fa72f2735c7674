// The model life cycle: `train`, `eval`, `eval-protocol`, `replay`, `retrain` and
// `models list|rollback`.
//
// Every command prepares text with the same TextPipeline the server uses, so what is
// trained and measured here is what is served. Data handling (formats, dedup before any
// split, per-source subsampling, seeded splits) is model/dataset.h; training, quantization,
// calibration and the decision threshold are model/trainer.h; the figures are
// model/evaluation.h.
//
// The held-back split: 20% of the (deduplicated, subsampled) base corpus, chosen by a fixed
// salt independent of --seed, is never trained on by `train` or `retrain`. Every model in a
// store is therefore judged on the same unseen comments, which is what makes the retrain
// gate's "candidate vs current" comparison fair.
//
// Every failure prints one line "spamguardctl <cmd>: <what>" to stderr and throws
// CLI::RuntimeError(1) (cli/commands.h).
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "model/comment_classifier.h"
#include "model/dataset.h"
#include "model/evaluation.h"
#include "model/fasttext_classifier.h"
#include "model/model_store.h"
#include "model/rule_set.h"
#include "model/spam_model.h"
#include "model/trainer.h"
#include "model/unix_time.h"
#include "server/feedback_store.h"

namespace spamguard::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

constexpr char kDefaultStore[] = "models";
constexpr char kDefaultDataDir[] = "var";
constexpr char kDefaultRules[] = "rules/default.yaml";
constexpr char kDefaultCases[] = "tests/regression/cases.jsonl";
constexpr int kDefaultSeed = 42;
constexpr double kDefaultValidationFraction = 0.15;
// The default training corpora, relative to the repository root (see data/README.md).
const std::vector<std::string> kDefaultCorpora = {
    "data/youtube-spam/youtube-spam.tsv", "data/sms-spam/sms-spam.tsv", "data/tg-spam/tg-spam.tsv",
    "data/smokedetector-titles/smokedetector-titles.tsv"};

[[noreturn]] void Fail(const std::string& command, const std::string& what) {
  std::string line = what;
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::cerr << "spamguardctl " << command << ": " << line << "\n";
  throw CLI::RuntimeError(1);
}

template <typename T>
T Check(const std::string& command, Result<T> result) {
  if (!result.ok()) Fail(command, result.status().ToString());
  return std::move(result).value();
}

void Check(const std::string& command, const Status& status) {
  if (!status.ok()) Fail(command, status.ToString());
}

// --- SHA-256 (FIPS 180-4), for the data hashes in manifests -------------------------------

class Sha256 {
 public:
  void Update(std::string_view bytes) {
    for (unsigned char c : bytes) {
      block_[block_size_++] = c;
      if (block_size_ == 64) {
        Compress();
        block_size_ = 0;
      }
      length_bits_ += 8;
    }
  }
  std::string HexDigest() {
    const uint64_t length = length_bits_;
    Update(std::string_view("\x80", 1));
    while (block_size_ != 56) Update(std::string_view("\0", 1));
    for (int i = 7; i >= 0; --i) {
      block_[block_size_++] = static_cast<unsigned char>(length >> (8 * i));
    }
    Compress();
    std::ostringstream out;
    for (uint32_t word : state_) out << std::hex << std::setw(8) << std::setfill('0') << word;
    return out.str();
  }

 private:
  static uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
  void Compress() {
    static constexpr std::array<uint32_t, 64> k = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      w[i] = (uint32_t(block_[4 * i]) << 24) | (uint32_t(block_[4 * i + 1]) << 16) |
             (uint32_t(block_[4 * i + 2]) << 8) | uint32_t(block_[4 * i + 3]);
    }
    for (int i = 16; i < 64; ++i) {
      const uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4],
             f = state_[5], g = state_[6], h = state_[7];
    for (int i = 0; i < 64; ++i) {
      const uint32_t t1 =
          h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      const uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    const uint32_t add[8] = {a, b, c, d, e, f, g, h};
    for (int i = 0; i < 8; ++i) state_[i] += add[i];
  }
  std::array<uint32_t, 8> state_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<unsigned char, 64> block_{};
  size_t block_size_ = 0;
  uint64_t length_bits_ = 0;
};

// {path, bytes, sha256, fnv1a64} of a file, for manifests.
json FileFingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string data = bytes.str();
  Sha256 sha;
  sha.Update(data);
  char fnv[17];
  std::snprintf(fnv, sizeof(fnv), "%016llx", static_cast<unsigned long long>(Fnv1a64(data)));
  return {{"path", path}, {"bytes", data.size()}, {"sha256", sha.HexDigest()}, {"fnv1a64", fnv}};
}

std::string GitRevision() {
  FILE* pipe = ::popen("git rev-parse HEAD 2>/dev/null", "r");
  if (pipe == nullptr) return "unknown";
  char buffer[128] = {};
  const size_t read = std::fread(buffer, 1, sizeof(buffer) - 1, pipe);
  const int status = ::pclose(pipe);
  std::string revision(buffer, read);
  while (!revision.empty() && std::isspace(static_cast<unsigned char>(revision.back()))) {
    revision.pop_back();
  }
  return status == 0 && revision.size() == 40 ? revision : "unknown";
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

// Options shared by train and retrain for choosing the base corpus.
struct MixOptions {
  bool default_mix = false;
  std::vector<std::string> subsample;
  int seed = kDefaultSeed;

  std::vector<SubsampleRule> Rules(const std::string& command) const {
    std::vector<SubsampleRule> rules = default_mix ? DefaultMix() : std::vector<SubsampleRule>{};
    for (const std::string& text : subsample)
      rules.push_back(Check(command, ParseSubsampleRule(text)));
    return rules;
  }
};

json RulesJson(const std::vector<SubsampleRule>& rules) {
  json out = json::array();
  for (const SubsampleRule& rule : rules)
    out.push_back(rule.source_prefix + "=" + std::to_string(rule.keep));
  return out;
}

json CountsJson(const std::vector<LabeledExample>& examples) {
  json out = json::object();
  size_t spam = 0, ham = 0;
  for (const auto& [source, count] : CountBySource(examples)) {
    out[source] = {{"spam", count.spam}, {"ham", count.ham}};
    spam += count.spam;
    ham += count.ham;
  }
  out["total"] = {{"spam", spam}, {"ham", ham}};
  return out;
}

// The base corpus as every command prepares it: load in order, subsample per source (seeded
// by the mix's seed), deduplicate (first occurrence wins).
struct Corpus {
  std::vector<LabeledExample> examples;
  DedupReport dedup;
};
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

std::vector<TrainingLine> ToLines(const TextPipeline& pipeline,
                                  const std::vector<LabeledExample>& examples, bool repeats) {
  std::vector<TrainingLine> lines;
  lines.reserve(examples.size());
  for (const LabeledExample& example : examples) {
    lines.push_back({pipeline.ModelInput(example.comment), example.spam,
                     repeats ? std::max(1, example.repeat) : 1});
  }
  return lines;
}

std::vector<ScoredExample> Score(const TextPipeline& pipeline, const SpamModel& model,
                                 const std::vector<LabeledExample>& examples) {
  std::vector<ScoredExample> scored;
  scored.reserve(examples.size());
  for (const LabeledExample& example : examples) {
    scored.push_back({model.SpamProbability(pipeline.ModelInput(example.comment)), example.spam});
  }
  return scored;
}

// The decision threshold a model file records (trainer.h), or 0.5 for a model without one.
double DecisionThreshold(const SpamModel& model) {
  FastTextParameters parameters;
  QuantizeParameters quantize;
  double threshold = 0.5;
  ParseParametersJson(model.info().parameters_json, parameters, quantize, &threshold);
  return threshold;
}

json MetricsJson(const BinaryMetrics& m) {
  return {{"threshold", m.threshold},
          {"accuracy", m.accuracy},
          {"precision", m.precision},
          {"recall", m.recall},
          {"f1", m.f1},
          {"mcc", m.mcc},
          {"ham_false_positive_rate", m.ham_false_positive_rate},
          {"roc_auc", m.roc_auc},
          {"calibration_error", m.calibration_error},
          {"confusion",
           {{"true_positives", m.confusion.true_positives},
            {"false_positives", m.confusion.false_positives},
            {"true_negatives", m.confusion.true_negatives},
            {"false_negatives", m.confusion.false_negatives}}}};
}

std::string Fixed(double value, int digits = 4) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << value;
  return out.str();
}

void PrintMetricsText(const std::string& title, const BinaryMetrics& m) {
  const ConfusionMatrix& c = m.confusion;
  std::cout << title << "  (" << c.true_positives + c.false_negatives << " spam, "
            << c.false_positives + c.true_negatives << " ham; threshold " << Fixed(m.threshold)
            << ")\n"
            << "  accuracy   " << Fixed(m.accuracy) << "\n"
            << "  precision  " << Fixed(m.precision) << "\n"
            << "  recall     " << Fixed(m.recall) << "\n"
            << "  F1         " << Fixed(m.f1) << "\n"
            << "  MCC        " << Fixed(m.mcc) << "\n"
            << "  ham FPR    " << Fixed(m.ham_false_positive_rate) << "\n"
            << "  ROC-AUC    " << Fixed(m.roc_auc) << "\n"
            << "  ECE        " << Fixed(m.calibration_error) << "\n"
            << "  confusion  predicted spam / ham\n"
            << "    spam     " << std::setw(8) << c.true_positives << std::setw(8)
            << c.false_negatives << "\n"
            << "    ham      " << std::setw(8) << c.false_positives << std::setw(8)
            << c.true_negatives << "\n";
}

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
  return {{"version", report.info.version},
          {"validation", MetricsJson(report.validation)},
          {"validation_unquantized", MetricsJson(report.validation_unquantized)},
          {"quantization_f1_loss", report.validation_unquantized.f1 - report.validation.f1},
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
            {"total", report.total_seconds}}}};
}

Status WriteText(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    if (!out) return Status::IoError("cannot write " + temporary);
    out << text;
    out.flush();
    if (!out) return Status::IoError("failed writing " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return Status::IoError("cannot rename " + temporary + " to " + path);
  }
  return Status::Ok();
}

// Publishing: the model is trained into a hidden staging directory of the store, which is
// renamed to its version name once complete; then `current` is switched (SetCurrent).
std::string StagingDirectory(const std::string& store) {
  const fs::path staging = fs::path(store) / (".staging-" + std::to_string(::getpid()));
  std::error_code error;
  fs::remove_all(staging, error);
  fs::create_directories(staging, error);
  return staging.string();
}

Status Publish(const std::string& store, const std::string& staging, const std::string& version,
               const json& metrics, const json& manifest, bool switch_current) {
  if (Status s = WriteText((fs::path(staging) / "metrics.json").string(), metrics.dump(2) + "\n");
      !s.ok()) {
    return s;
  }
  if (Status s = WriteText((fs::path(staging) / "manifest.json").string(), manifest.dump(2) + "\n");
      !s.ok()) {
    return s;
  }
  const fs::path target = fs::path(store) / version;
  std::error_code error;
  if (fs::exists(target, error))
    return Status::FailedPrecondition("version " + version + " already exists in " + store);
  fs::rename(staging, target, error);
  if (error)
    return Status::IoError("cannot move " + staging + " to " + target.string() + ": " +
                           error.message());
  return switch_current ? SetCurrent(store, version) : Status::Ok();
}

// --- train ---------------------------------------------------------------------------------

struct TrainOptions {
  std::vector<std::string> inputs;
  std::string model;
  bool publish = false;
  MixOptions mix;
  double validation_fraction = kDefaultValidationFraction;
  double held_back_fraction = kDefaultHeldBackFraction;
  bool search = true;
  double search_budget_seconds = 40;
  std::string metrics_out;
};

void RunTrain(const TrainOptions& options) {
  const std::string command = "train";
  if (options.model.empty())
    Fail(command, "--model is required (a file, or a store with --publish)");
  if (options.validation_fraction <= 0 || options.validation_fraction >= 1) {
    Fail(command, "--validation-fraction must be in (0, 1)");
  }
  if (options.held_back_fraction < 0 || options.held_back_fraction >= 1) {
    Fail(command, "--held-back-fraction must be in [0, 1)");
  }
  const auto start = std::chrono::steady_clock::now();
  const std::shared_ptr<const TextPipeline> pipeline = CreatePipeline(command);
  const std::vector<SubsampleRule> rules = options.mix.Rules(command);
  Corpus corpus = LoadCorpus(command, *pipeline, options.inputs, rules, options.mix.seed);
  std::cerr << "loaded " << corpus.examples.size() << " examples in " << SecondsSince(start)
            << " s\n";
  Split held_back =
      SplitByKey(std::move(corpus.examples), kHeldBackSalt, options.held_back_fraction);

  std::string model_path = options.model;
  std::string staging;
  if (options.publish) {
    std::error_code error;
    fs::create_directories(options.model, error);
    if (error) Fail(command, "cannot create model store " + options.model + ": " + error.message());
    staging = StagingDirectory(options.model);
    model_path = (fs::path(staging) / kModelFileName).string();
  }

  TrainRequest request;
  request.seed = options.mix.seed;
  request.validation_fraction = options.validation_fraction;
  request.trainer.search = options.search;
  request.trainer.search_budget_seconds = options.search_budget_seconds;
  request.verbose = true;
  Result<TrainingReport> trained =
      TrainFromExamples(*pipeline, held_back.rest, request, model_path);
  if (!trained.ok()) {
    if (!staging.empty()) fs::remove_all(staging);
    Fail(command, trained.status().ToString());
  }
  const TrainingReport& report = *trained;

  json metrics = ReportJson(report);
  metrics["data"] = {{"inputs", options.inputs},
                     {"subsample", RulesJson(rules)},
                     {"deduplication",
                      {{"kept", corpus.dedup.kept},
                       {"duplicates", corpus.dedup.duplicates},
                       {"conflicts", corpus.dedup.conflicts}}},
                     {"trained_on", CountsJson(held_back.rest)},
                     {"held_back", CountsJson(held_back.selected)}};
  if (!held_back.selected.empty()) {
    // Judge the file as it will be served: loaded back, through the full text pipeline.
    const std::shared_ptr<const SpamModel> model = Check(command, SpamModel::Load(model_path));
    metrics["held_back"] = MetricsJson(
        Evaluate(Score(*pipeline, *model, held_back.selected), DecisionThreshold(*model)));
  }
  metrics["seconds_total"] = SecondsSince(start);

  if (options.publish) {
    json inputs = json::array();
    for (const std::string& path : options.inputs) inputs.push_back(FileFingerprint(path));
    const json manifest = {{"version", report.info.version},
                           {"created_at", report.info.trained_at},
                           {"source_revision", GitRevision()},
                           {"command", "train"},
                           {"inputs", inputs},
                           {"subsample", RulesJson(rules)},
                           {"default_mix", options.mix.default_mix},
                           {"seed", options.mix.seed},
                           {"validation_fraction", options.validation_fraction},
                           {"held_back_fraction", options.held_back_fraction},
                           {"parameters", json::parse(report.info.parameters_json)},
                           {"model", FileFingerprint(model_path)}};
    Check(command, Publish(options.model, staging, report.info.version, metrics, manifest, true));
    model_path = (fs::path(options.model) / report.info.version / kModelFileName).string();
  }
  std::string metrics_out = options.metrics_out;
  if (metrics_out.empty() && !options.publish) metrics_out = options.model + ".metrics.json";
  if (!metrics_out.empty()) Check(command, WriteText(metrics_out, metrics.dump(2) + "\n"));

  std::cout << "trained " << report.info.version << " -> " << model_path << "\n"
            << "  data: " << corpus.dedup.kept << " unique examples (" << corpus.dedup.duplicates
            << " duplicates, " << corpus.dedup.conflicts << " label conflicts dropped); "
            << report.training_lines << " train / " << report.validation_lines << " validation / "
            << held_back.selected.size() << " held back\n"
            << "  chosen: " << report.chosen.ToString() << ", " << report.epochs_run
            << " epochs run (" << report.search.size() << " candidates"
            << (report.search_truncated ? ", search cut by the time budget" : "") << ")\n"
            << "  validation F1 " << Fixed(report.validation.f1) << " (unquantized "
            << Fixed(report.validation_unquantized.f1) << "), ham FPR "
            << Fixed(report.validation.ham_false_positive_rate) << ", threshold "
            << Fixed(report.decision_threshold) << "\n";
  if (metrics.contains("held_back")) {
    std::cout << "  held-back F1 " << Fixed(metrics["held_back"]["f1"].get<double>())
              << ", ham FPR "
              << Fixed(metrics["held_back"]["ham_false_positive_rate"].get<double>()) << ", MCC "
              << Fixed(metrics["held_back"]["mcc"].get<double>()) << "\n";
  }
  std::cout << "  model " << report.model_bytes << " bytes (unquantized "
            << report.unquantized_bytes << "), " << Fixed(metrics["seconds_total"].get<double>(), 1)
            << " s\n";
}

// --- eval ----------------------------------------------------------------------------------

struct EvalOptions {
  std::string model = kDefaultStore;
  std::vector<std::string> data;
  bool json_output = false;
  double threshold = -1;  // < 0: the model's decision threshold
  bool held_back_only = false;
};

void RunEval(const EvalOptions& options) {
  const std::string command = "eval";
  const std::shared_ptr<const TextPipeline> pipeline = CreatePipeline(command);
  const std::string path = Check(command, ResolveModelPath(options.model));
  const std::shared_ptr<const SpamModel> model = Check(command, SpamModel::Load(path));
  std::vector<LabeledExample> examples = LoadFiles(command, options.data);
  const DedupReport dedup = Deduplicate(*pipeline->normalizer(), examples);
  if (options.held_back_only) {
    examples = SplitByKey(std::move(examples), kHeldBackSalt, kDefaultHeldBackFraction).selected;
  }
  if (examples.empty()) Fail(command, "no examples to evaluate");
  const double threshold = options.threshold >= 0 ? options.threshold : DecisionThreshold(*model);
  const BinaryMetrics metrics = Evaluate(Score(*pipeline, *model, examples), threshold);
  if (options.json_output) {
    json out = MetricsJson(metrics);
    out["model"] = path;
    out["model_version"] = model->info().version;
    out["examples"] = examples.size();
    out["duplicates_dropped"] = dedup.duplicates + dedup.conflicts;
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "model " << model->info().version << " (" << path << "); " << examples.size()
              << " unique examples" << (options.held_back_only ? " (held-back split)" : "") << "\n";
    PrintMetricsText("evaluation", metrics);
  }
}

std::shared_ptr<const RuleSet> LoadRules(const std::string& command, const std::string& path,
                                         const TextPipeline& pipeline) {
  if (path.empty()) return nullptr;
  return Check(command, RuleSet::LoadFile(path, pipeline.normalizer(), pipeline.extractor()));
}

// --- eval-protocol ---------------------------------------------------------------------------

const std::vector<std::string> kVideos = {"psy", "katyperry", "lmfao", "eminem", "shakira"};
const std::map<std::string, std::string> kVideoFiles = {{"psy", "Youtube01-Psy.csv"},
                                                        {"katyperry", "Youtube02-KatyPerry.csv"},
                                                        {"lmfao", "Youtube03-LMFAO.csv"},
                                                        {"eminem", "Youtube04-Eminem.csv"},
                                                        {"shakira", "Youtube05-Shakira.csv"}};
// Best published MCC per video (TubeSpam, Alberto et al. 2015).
const std::map<std::string, double> kPublishedMcc = {
    {"psy", 0.925}, {"katyperry", 0.893}, {"lmfao", 0.955}, {"eminem", 0.955}, {"shakira", 0.931}};

// Strict RFC-4180 parse of one YouTube CSV: (DATE, CLASS) per record, in file order.
struct CsvRecord {
  std::string date;
  bool spam = false;
};
Result<std::vector<CsvRecord>> ReadYoutubeCsv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string text = bytes.str();
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
    } else {
      field.push_back(c);
    }
  }
  if (!field.empty() || !rows.back().empty()) rows.back().push_back(std::move(field));
  std::vector<CsvRecord> records;
  for (size_t r = 1; r < rows.size(); ++r) {  // row 0 is the header
    if (rows[r].empty() || (rows[r].size() == 1 && rows[r][0].empty())) continue;
    if (rows[r].size() != 5) {
      return Status::Corruption(path + ": record " + std::to_string(r) + " has " +
                                std::to_string(rows[r].size()) + " fields, expected 5");
    }
    const std::string& label = rows[r][4];
    if (label != "0" && label != "1") {
      return Status::Corruption(path + ": record " + std::to_string(r) + " has CLASS '" + label +
                                "'");
    }
    records.push_back({rows[r][2], label == "1"});
  }
  return records;
}

struct Evaluated {
  std::string name;
  BinaryMetrics metrics;
  // The same test split through the whole classifier (model + rules, the scorer's
  // spam_probability) when eval-protocol has --rules.
  std::optional<BinaryMetrics> with_rules;
  size_t train_examples = 0;
  double seconds = 0;
  std::string error;
};

struct ProtocolSplit {
  std::string name;
  std::vector<LabeledExample> train;
  std::vector<LabeledExample> test;
};

// Removes from `train` every example whose key occurs in `test`.
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
};

// The whole classifier's spam_probability (model + rules, default site policy) per example.
std::vector<ScoredExample> ScoreWithRules(const CommentClassifier& classifier,
                                          const std::vector<LabeledExample>& examples) {
  std::vector<ScoredExample> scored;
  scored.reserve(examples.size());
  for (const LabeledExample& example : examples) {
    scored.push_back({classifier.Classify(example.comment, {}).spam_probability, example.spam});
  }
  return scored;
}

// "<label> <model input>" lines, the format `fasttext supervised` and `fasttext test` read.
void DumpSplit(const std::string& command, const TextPipeline& pipeline,
               const std::vector<LabeledExample>& examples, const fs::path& path) {
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  std::ofstream out(path, std::ios::trunc);
  for (const LabeledExample& example : examples) {
    out << (example.spam ? FastTextClassifier::kSpamLabel : FastTextClassifier::kHamLabel) << ' '
        << pipeline.ModelInput(example.comment) << '\n';
  }
  out.flush();
  if (!out) Fail(command, "cannot write " + path.string());
}

void RunEvalProtocol(const ProtocolOptions& options) {
  const std::string command = "eval-protocol";
  const auto wants = [&options](const std::string& part) {
    return options.only.empty() ||
           std::find(options.only.begin(), options.only.end(), part) != options.only.end();
  };
  const std::shared_ptr<const TextPipeline> pipeline = CreatePipeline(command);
  const std::string model_path = Check(command, ResolveModelPath(options.model));
  const std::shared_ptr<const SpamModel> model = Check(command, SpamModel::Load(model_path));
  const std::shared_ptr<const RuleSet> rules = LoadRules(command, options.rules, *pipeline);

  // The default model's trainer settings, without search, for every protocol model.
  TrainRequest request;
  request.trainer.search = false;
  request.trainer.grid = {FastTextParameters{}};
  double unused_threshold = 0.5;
  ParseParametersJson(model->info().parameters_json, request.trainer.grid[0],
                      request.trainer.quantize, &unused_threshold);
  const json parameters = json::parse(model->info().parameters_json, nullptr, false);
  if (parameters.is_object()) request.seed = parameters.value("seed", kDefaultSeed);

  const fs::path data(options.data);
  const std::vector<SubsampleRule> mix = DefaultMix();
  // The other corpora, as in the default mix.
  Corpus others = LoadCorpus(
      command, *pipeline,
      {(data / "sms-spam/sms-spam.tsv").string(), (data / "tg-spam/tg-spam.tsv").string(),
       (data / "smokedetector-titles/smokedetector-titles.tsv").string()},
      mix, request.seed);

  std::vector<ProtocolSplit> splits;
  if (wants("lovo")) {
    Corpus youtube = LoadCorpus(
        command, *pipeline, {(data / "youtube-spam/youtube-spam.tsv").string()}, {}, request.seed);
    for (const std::string& video : kVideos) {
      ProtocolSplit split;
      split.name = "lovo/" + video;
      std::vector<LabeledExample> train = others.examples;
      for (const LabeledExample& example : youtube.examples) {
        (example.source == "youtube-" + video ? split.test : train).push_back(example);
      }
      split.train = WithoutTestTexts(std::move(train), split.test);
      splits.push_back(std::move(split));
    }
  }
  if (wants("tubespam")) {
    // The strict-csv TSV has the csv-module rows in file order; the DATE column comes from
    // the original CSVs, parsed the same way, so row i of a video is record i of its file.
    std::vector<LabeledExample> strict = Check(
        command, LoadLabeledFile((data / "youtube-spam/youtube-spam.strict-csv.tsv").string()));
    ComputeKeys(*pipeline->normalizer(), strict);
    std::map<std::string, std::vector<LabeledExample>> by_video;
    for (LabeledExample& example : strict) by_video[example.source].push_back(std::move(example));
    for (const std::string& video : kVideos) {
      const std::vector<CsvRecord> records =
          Check(command,
                ReadYoutubeCsv((data / "youtube-spam/original" / kVideoFiles.at(video)).string()));
      std::vector<LabeledExample>& rows = by_video["youtube-" + video];
      if (records.size() != rows.size()) {
        Fail(command, kVideoFiles.at(video) + " has " + std::to_string(records.size()) +
                          " records but the strict TSV " + std::to_string(rows.size()) + " rows");
      }
      // Files are in chronological order, oldest or newest first; which one is read from the
      // dated records. A class whose rows all carry a DATE is sorted by it; a class without
      // dates (Eminem's spam) keeps the file's chronological order.
      int ascending = 0, descending = 0;
      std::string previous;
      for (const CsvRecord& record : records) {
        if (record.date.empty()) continue;
        if (!previous.empty()) ++(record.date >= previous ? ascending : descending);
        previous = record.date;
      }
      ProtocolSplit split;
      split.name = "tubespam/" + video;
      for (bool spam : {true, false}) {
        std::vector<size_t> order;
        bool all_dated = true;
        for (size_t i = 0; i < records.size(); ++i) {
          if (rows[i].spam != records[i].spam) {
            Fail(command, kVideoFiles.at(video) + " record " + std::to_string(i + 1) +
                              " disagrees with the strict TSV's label");
          }
          if (records[i].spam == spam) {
            order.push_back(i);
            all_dated = all_dated && !records[i].date.empty();
          }
        }
        if (descending > ascending) std::reverse(order.begin(), order.end());
        if (all_dated) {
          std::stable_sort(order.begin(), order.end(), [&records](size_t a, size_t b) {
            return records[a].date < records[b].date;
          });
        }
        const size_t train_count = order.size() * 7 / 10;  // oldest 70%, floor
        for (size_t r = 0; r < order.size(); ++r) {
          (r < train_count ? split.train : split.test).push_back(rows[order[r]]);
        }
      }
      for (const std::string& other : kVideos) {
        if (other == video) continue;
        const std::vector<LabeledExample>& other_rows = by_video["youtube-" + other];
        split.train.insert(split.train.end(), other_rows.begin(), other_rows.end());
      }
      split.train.insert(split.train.end(), others.examples.begin(), others.examples.end());
      DedupReport ignored = Deduplicate(*pipeline->normalizer(), split.train);
      (void)ignored;
      split.train = WithoutTestTexts(std::move(split.train), split.test);
      splits.push_back(std::move(split));
    }
  }

  if (!options.dump_splits.empty()) {
    for (const ProtocolSplit& split : splits) {
      const fs::path base = fs::path(options.dump_splits) / split.name;
      DumpSplit(command, *pipeline, split.train, base.string() + ".train.txt");
      DumpSplit(command, *pipeline, split.test, base.string() + ".test.txt");
    }
    std::cout << "wrote " << splits.size() << " splits to " << options.dump_splits << "\n";
    return;
  }

  // Train and test every split, `jobs` at a time (each training is single-threaded).
  std::vector<Evaluated> results(splits.size());
  std::mutex progress;
  size_t next = 0;
  const fs::path scratch =
      fs::temp_directory_path() / ("spamguard-protocol-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  auto worker = [&] {
    for (;;) {
      size_t index;
      {
        std::lock_guard<std::mutex> lock(progress);
        if (next >= splits.size()) return;
        index = next++;
      }
      const ProtocolSplit& split = splits[index];
      Evaluated& result = results[index];
      result.name = split.name;
      result.train_examples = split.train.size();
      const auto start = std::chrono::steady_clock::now();
      TrainRequest split_request = request;
      split_request.trainer.work_directory = (scratch / ("work-" + std::to_string(index))).string();
      const std::string path = (scratch / ("split-" + std::to_string(index) + ".spgm")).string();
      Result<TrainingReport> trained =
          TrainFromExamples(*pipeline, split.train, split_request, path);
      if (!trained.ok()) {
        result.error = trained.status().ToString();
        continue;
      }
      Result<std::shared_ptr<const SpamModel>> split_model = SpamModel::Load(path);
      if (!split_model.ok()) {
        result.error = split_model.status().ToString();
        continue;
      }
      result.metrics =
          Evaluate(Score(*pipeline, **split_model, split.test), trained->decision_threshold);
      if (rules) {
        const CommentClassifier classifier(pipeline, *split_model, rules, nullptr);
        result.with_rules =
            Evaluate(ScoreWithRules(classifier, split.test), trained->decision_threshold);
      }
      result.seconds = SecondsSince(start);
      std::lock_guard<std::mutex> lock(progress);
      std::cerr << "eval-protocol: " << split.name << " F1 " << Fixed(result.metrics.f1) << " ("
                << Fixed(result.seconds, 1) << " s)\n";
    }
  };
  std::vector<std::thread> workers;
  for (int j = 0; j < std::max(1, options.jobs); ++j) workers.emplace_back(worker);
  for (std::thread& t : workers) t.join();
  fs::remove_all(scratch);
  for (const Evaluated& result : results) {
    if (!result.error.empty()) Fail(command, result.name + ": " + result.error);
  }

  if (wants("held-back")) {
    // The stored model itself: it never trained on the held-back 20% of each corpus.
    Corpus youtube = LoadCorpus(
        command, *pipeline, {(data / "youtube-spam/youtube-spam.tsv").string()}, {}, request.seed);
    std::vector<LabeledExample> all = youtube.examples;
    all.insert(all.end(), others.examples.begin(), others.examples.end());
    std::vector<LabeledExample> held =
        SplitByKey(std::move(all), kHeldBackSalt, kDefaultHeldBackFraction).selected;
    const double threshold = DecisionThreshold(*model);
    std::map<std::string, std::vector<LabeledExample>> by_corpus;
    for (const LabeledExample& example : held) {
      const std::string corpus = example.source.rfind("youtube-", 0) == 0 ? "youtube"
                                 : example.source.rfind("se-", 0) == 0    ? "smokedetector-titles"
                                 : example.source.rfind("tg-", 0) == 0    ? "tg-spam"
                                                                          : "sms-spam";
      by_corpus[corpus].push_back(example);
    }
    const CommentClassifier classifier(pipeline, model, rules, nullptr);
    auto evaluated = [&](const std::string& name, const std::vector<LabeledExample>& examples) {
      Evaluated result;
      result.name = name;
      result.metrics = Evaluate(Score(*pipeline, *model, examples), threshold);
      if (rules) result.with_rules = Evaluate(ScoreWithRules(classifier, examples), threshold);
      return result;
    };
    for (const auto& [corpus, examples] : by_corpus) {
      results.push_back(evaluated("held-back/" + corpus, examples));
    }
    results.push_back(evaluated("held-back/all", held));
  }

  // Summaries: LOVO means (of the model, and of model + rules), TubeSpam against the
  // published MCC.
  double lovo_f1 = 0, lovo_fpr = 0, lovo_rules_f1 = 0, lovo_rules_fpr = 0;
  int lovo_count = 0;
  for (const Evaluated& r : results) {
    if (r.name.rfind("lovo/", 0) == 0) {
      lovo_f1 += r.metrics.f1;
      lovo_fpr += r.metrics.ham_false_positive_rate;
      if (r.with_rules) {
        lovo_rules_f1 += r.with_rules->f1;
        lovo_rules_fpr += r.with_rules->ham_false_positive_rate;
      }
      ++lovo_count;
    }
  }
  if (options.json_output) {
    json out = {
        {"model", model_path}, {"model_version", model->info().version}, {"splits", json::array()}};
    for (const Evaluated& r : results) {
      json split = MetricsJson(r.metrics);
      split["name"] = r.name;
      split["train_examples"] = r.train_examples;
      split["seconds"] = r.seconds;
      const std::string video = r.name.substr(r.name.find('/') + 1);
      if (r.name.rfind("tubespam/", 0) == 0) split["published_mcc"] = kPublishedMcc.at(video);
      if (r.with_rules) split["with_rules"] = MetricsJson(*r.with_rules);
      out["splits"].push_back(split);
    }
    if (rules) out["rules_version"] = rules->version();
    if (lovo_count > 0) {
      out["lovo_mean"] = {{"f1", lovo_f1 / lovo_count},
                          {"ham_false_positive_rate", lovo_fpr / lovo_count}};
      if (rules) {
        out["lovo_mean_with_rules"] = {{"f1", lovo_rules_f1 / lovo_count},
                                       {"ham_false_positive_rate", lovo_rules_fpr / lovo_count}};
      }
    }
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << "model " << model->info().version << " (" << model_path << ")";
  if (rules) std::cout << "; '+ rules' rows: rule pack " << rules->version() << " on top";
  std::cout << "\n";
  std::cout << std::left << std::setw(30) << "split" << std::right << std::setw(6) << "spam"
            << std::setw(6) << "ham" << std::setw(8) << "acc" << std::setw(8) << "prec"
            << std::setw(8) << "recall" << std::setw(8) << "F1" << std::setw(8) << "MCC"
            << std::setw(9) << "hamFPR" << std::setw(11) << "published"
            << "\n";
  auto print_row = [](const std::string& name, const BinaryMetrics& m,
                      std::optional<double> published) {
    const ConfusionMatrix& c = m.confusion;
    std::cout << std::left << std::setw(30) << name << std::right << std::setw(6)
              << c.true_positives + c.false_negatives << std::setw(6)
              << c.false_positives + c.true_negatives << std::setw(8) << Fixed(m.accuracy, 3)
              << std::setw(8) << Fixed(m.precision, 3) << std::setw(8) << Fixed(m.recall, 3)
              << std::setw(8) << Fixed(m.f1, 3) << std::setw(8) << Fixed(m.mcc, 3) << std::setw(9)
              << Fixed(m.ham_false_positive_rate, 3);
    if (published) std::cout << std::setw(11) << ("MCC " + Fixed(*published, 3));
    std::cout << "\n";
  };
  for (const Evaluated& r : results) {
    const std::string video = r.name.substr(r.name.find('/') + 1);
    std::optional<double> published;
    if (r.name.rfind("tubespam/", 0) == 0) published = kPublishedMcc.at(video);
    print_row(r.name, r.metrics, published);
    if (r.with_rules) print_row("  + rules", *r.with_rules, published);
  }
  if (lovo_count > 0) {
    std::cout << "LOVO mean: F1 " << Fixed(lovo_f1 / lovo_count) << ", ham FPR "
              << Fixed(lovo_fpr / lovo_count) << " (targets: F1 >= 0.95, ham FPR <= 0.02)\n";
    if (rules) {
      std::cout << "LOVO mean, model + rules: F1 " << Fixed(lovo_rules_f1 / lovo_count)
                << ", ham FPR " << Fixed(lovo_rules_fpr / lovo_count) << "\n";
    }
  }
}

// --- replay --------------------------------------------------------------------------------

struct ReplayCase {
  std::string name;
  Comment comment;
  std::vector<Verdict> expected;
};

Result<Verdict> VerdictFromName(const std::string& name) {
  for (Verdict v : {Verdict::kHam, Verdict::kHold, Verdict::kSpam, Verdict::kDiscard}) {
    if (name == VerdictName(v)) return v;
  }
  return Status::InvalidArgument("unknown verdict '" + name + "'");
}

// One JSON object per line: the JSONL training fields (content, author_*, ..., label) plus
// "name" and "expect" (a verdict name or a list of acceptable verdict names).
Result<std::vector<ReplayCase>> LoadCases(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open cases file " + path);
  std::vector<ReplayCase> cases;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    const std::string where = path + ":" + std::to_string(number);
    const json object = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded() || !object.is_object())
      return Status::InvalidArgument(where + ": not a JSON object");
    Result<std::vector<LabeledExample>> parsed = ParseLabeledText(line, where);
    if (!parsed.ok()) return parsed.status();
    ReplayCase replay;
    replay.name = object.value("name", where);
    replay.comment = parsed->front().comment;
    const json expect = object.value("expect", json());
    std::vector<std::string> names;
    if (expect.is_string()) names.push_back(expect.get<std::string>());
    if (expect.is_array()) {
      for (const json& item : expect) {
        if (item.is_string()) names.push_back(item.get<std::string>());
      }
    }
    if (names.empty()) return Status::InvalidArgument(where + ": missing \"expect\"");
    for (const std::string& name : names) {
      Result<Verdict> verdict = VerdictFromName(name);
      if (!verdict.ok()) return Status::InvalidArgument(where + ": " + verdict.status().message());
      replay.expected.push_back(*verdict);
    }
    cases.push_back(std::move(replay));
  }
  if (cases.empty()) return Status::InvalidArgument(path + ": no cases");
  return cases;
}

struct Flip {
  const ReplayCase* replay;
  Assessment assessment;
};

std::vector<Flip> Replay(const CommentClassifier& classifier,
                         const std::vector<ReplayCase>& cases) {
  std::vector<Flip> flips;
  const int64_t now_ms = UnixNowMs();
  for (const ReplayCase& replay : cases) {
    Assessment assessment = classifier.Classify(replay.comment, ClassifyOptions{.now_ms = now_ms});
    if (std::find(replay.expected.begin(), replay.expected.end(), assessment.verdict) ==
        replay.expected.end()) {
      flips.push_back({&replay, std::move(assessment)});
    }
  }
  return flips;
}

void PrintFlip(const Flip& flip) {
  std::string expected;
  for (Verdict v : flip.replay->expected)
    expected += (expected.empty() ? "" : "|") + std::string(VerdictName(v));
  std::cout << "FLIP " << flip.replay->name << ": expected " << expected << ", got "
            << VerdictName(flip.assessment.verdict) << " (spam probability "
            << Fixed(flip.assessment.spam_probability, 3) << ")\n";
  for (const Reason& reason : flip.assessment.reasons) {
    std::cout << "    " << (reason.score >= 0 ? "+" : "") << Fixed(reason.score, 2) << "  "
              << reason.code << "  " << reason.description << "\n";
  }
}

struct ReplayOptions {
  std::string model = kDefaultStore;
  std::string cases = kDefaultCases;
  std::string rules = kDefaultRules;
  bool no_rules = false;
};

void RunReplay(const ReplayOptions& options) {
  const std::string command = "replay";
  const std::shared_ptr<const TextPipeline> pipeline = CreatePipeline(command);
  const std::string path = Check(command, ResolveModelPath(options.model));
  const std::shared_ptr<const SpamModel> model = Check(command, SpamModel::Load(path));
  const std::shared_ptr<const RuleSet> rules =
      LoadRules(command, options.no_rules ? "" : options.rules, *pipeline);
  const std::vector<ReplayCase> cases = Check(command, LoadCases(options.cases));
  const CommentClassifier classifier(pipeline, model, rules, nullptr);
  const std::vector<Flip> flips = Replay(classifier, cases);
  for (const Flip& flip : flips) PrintFlip(flip);
  std::cout << "replay: " << cases.size() << " cases, " << flips.size() << " flips (model "
            << model->info().version << (rules ? ", rules " + rules->version() : ", no rules")
            << ")\n";
  if (!flips.empty())
    Fail(command,
         std::to_string(flips.size()) + " of " + std::to_string(cases.size()) + " cases flipped");
}

// --- retrain -------------------------------------------------------------------------------

struct Tolerances {
  double f1 = 0.01;                 // candidate F1 may be at most this much lower
  double ham_fpr = 0.005;           // candidate ham FPR may be at most this much higher
  double mcc = 0.01;                // candidate MCC may be at most this much lower
  double calibration_error = 0.02;  // candidate ECE may be at most this much higher
};

struct RetrainOptions {
  std::string model = kDefaultStore;
  std::string data_dir = kDefaultDataDir;
  std::vector<std::string> base;
  std::vector<std::string> feedback_files;
  std::string since;  // feedback reported at or after, Unix ms
  std::string site;
  int feedback_weight = 3;
  MixOptions mix;
  bool seed_set = false;
  bool search = false;
  std::string cases = kDefaultCases;
  std::string rules = kDefaultRules;
  bool no_rules = false;
  bool force = false;
  Tolerances tolerance;
};

void RunRetrain(RetrainOptions options) {
  const std::string command = "retrain";
  const auto start = std::chrono::steady_clock::now();
  const std::shared_ptr<const TextPipeline> pipeline = CreatePipeline(command);

  // The current model: its settings and corpus are the defaults of the candidate's.
  std::shared_ptr<const SpamModel> current;
  json current_manifest;
  if (Result<std::string> version = CurrentVersion(options.model); version.ok()) {
    const std::string path = Check(command, ResolveModelVersion(options.model, *version));
    current = Check(command, SpamModel::Load(path));
    std::ifstream in(fs::path(options.model) / *version / "manifest.json");
    if (in) current_manifest = json::parse(in, nullptr, false);
  }
  TrainRequest request;
  request.trainer.search = options.search;
  if (current) {
    FastTextParameters parameters;
    double unused = 0.5;
    ParseParametersJson(current->info().parameters_json, parameters, request.trainer.quantize,
                        &unused);
    if (!options.search) request.trainer.grid = {parameters};
    const json stored = json::parse(current->info().parameters_json, nullptr, false);
    if (!options.seed_set && stored.is_object())
      options.mix.seed = stored.value("seed", kDefaultSeed);
  }
  request.seed = options.mix.seed;
  if (options.base.empty() && current_manifest.is_object() && current_manifest.contains("inputs")) {
    for (const json& input : current_manifest["inputs"])
      options.base.push_back(input.value("path", ""));
    if (current_manifest.value("default_mix", false)) options.mix.default_mix = true;
    for (const json& rule : current_manifest.value("subsample", json::array())) {
      if (!current_manifest.value("default_mix", false))
        options.mix.subsample.push_back(rule.get<std::string>());
    }
  }
  if (options.base.empty()) {
    options.base = kDefaultCorpora;
    options.mix.default_mix = true;
  }

  // Base corpus and its fixed held-back split (the gate's test set).
  const std::vector<SubsampleRule> rules = options.mix.Rules(command);
  Corpus base = LoadCorpus(command, *pipeline, options.base, rules, options.mix.seed);
  Split held_back = SplitByKey(std::move(base.examples), kHeldBackSalt, kDefaultHeldBackFraction);

  // Feedback: newest first so that the latest report on a comment wins; from the store
  // under --data-dir and from any --feedback files.
  std::vector<LabeledExample> feedback;
  server::FeedbackFilter filter;
  if (!options.since.empty()) {
    try {
      filter.since_ms = std::stoll(options.since);
    } catch (const std::exception&) {
      Fail(command, "--since must be Unix milliseconds, got '" + options.since + "'");
    }
  }
  if (!options.site.empty()) filter.site_id = options.site;
  size_t stored_reports = 0;
  Result<std::unique_ptr<server::FeedbackReader>> reader =
      server::FeedbackReader::Open(options.data_dir);
  if (reader.ok()) {
    std::string parse_error;
    Check(command, (*reader)->ForEach(filter, [&](const server::FeedbackReport& report) {
      Result<std::vector<LabeledExample>> parsed =
          ParseLabeledText(server::TrainingRecord(report).dump(), "feedback " + report.feedback_id);
      if (!parsed.ok()) {
        parse_error = parsed.status().ToString();
        return false;
      }
      feedback.push_back(std::move(parsed->front()));
      ++stored_reports;
      return true;
    }));
    if (!parse_error.empty()) Fail(command, parse_error);
  } else if (reader.status().code() != Status::Code::kNotFound) {
    Fail(command, reader.status().ToString());
  }
  for (const std::string& path : options.feedback_files) {
    std::vector<LabeledExample> loaded = Check(command, LoadLabeledFile(path));
    std::move(loaded.begin(), loaded.end(), std::back_inserter(feedback));
  }
  std::reverse(feedback.begin(), feedback.end());
  for (LabeledExample& example : feedback) {
    example.source = "feedback";
    example.repeat = std::max(1, options.feedback_weight);
  }
  const DedupReport feedback_dedup = Deduplicate(*pipeline->normalizer(), feedback);
  // Feedback on a held-back comment is not trained on (the gate must stay unseen data), and
  // feedback replaces the base example of the same comment (a moderator's correction wins).
  feedback = WithoutTestTexts(std::move(feedback), held_back.selected);
  std::vector<LabeledExample> pool = feedback;
  {
    std::vector<LabeledExample> base_train = WithoutTestTexts(std::move(held_back.rest), feedback);
    std::move(base_train.begin(), base_train.end(), std::back_inserter(pool));
  }

  // The candidate, trained into the store's staging directory.
  std::error_code error;
  fs::create_directories(options.model, error);
  if (error) Fail(command, "cannot create model store " + options.model + ": " + error.message());
  const std::string staging = StagingDirectory(options.model);
  const std::string candidate_path = (fs::path(staging) / kModelFileName).string();
  const double loaded_seconds = SecondsSince(start);
  Result<TrainingReport> trained = TrainFromExamples(*pipeline, pool, request, candidate_path);
  // TrainFromExamples turns the pool into model inputs, then trains (trained->total_seconds).
  const double features_seconds =
      SecondsSince(start) - loaded_seconds - (trained.ok() ? trained->total_seconds : 0.0);
  if (!trained.ok()) {
    fs::remove_all(staging);
    Fail(command, trained.status().ToString());
  }
  const std::shared_ptr<const SpamModel> candidate =
      Check(command, SpamModel::Load(candidate_path));

  // Gate: held-back metrics and regression replay, candidate vs current.
  const std::shared_ptr<const RuleSet> rule_set =
      LoadRules(command, options.no_rules ? "" : options.rules, *pipeline);
  const std::vector<ReplayCase> cases = Check(command, LoadCases(options.cases));
  struct Judged {
    BinaryMetrics metrics;
    std::vector<Flip> flips;
  };
  auto judge = [&](const std::shared_ptr<const SpamModel>& model) {
    Judged judged;
    judged.metrics =
        Evaluate(Score(*pipeline, *model, held_back.selected), DecisionThreshold(*model));
    judged.flips = Replay(CommentClassifier(pipeline, model, rule_set, nullptr), cases);
    return judged;
  };
  const auto gate_start = std::chrono::steady_clock::now();
  const Judged candidate_judged = judge(candidate);
  std::vector<std::string> worse;
  std::cout << "retrain: " << pool.size() << " training examples (" << feedback.size()
            << " from feedback, weight " << options.feedback_weight << "; " << stored_reports
            << " stored reports read, " << feedback_dedup.duplicates + feedback_dedup.conflicts
            << " repeated); held-back " << held_back.selected.size() << " examples\n";
  std::cout << std::left << std::setw(22) << "" << std::right << std::setw(10) << "F1"
            << std::setw(10) << "hamFPR" << std::setw(10) << "MCC" << std::setw(10) << "ECE"
            << std::setw(8) << "flips"
            << "\n";
  auto row = [](const std::string& name, const Judged& j) {
    std::cout << std::left << std::setw(22) << name << std::right << std::setw(10)
              << Fixed(j.metrics.f1) << std::setw(10) << Fixed(j.metrics.ham_false_positive_rate)
              << std::setw(10) << Fixed(j.metrics.mcc) << std::setw(10)
              << Fixed(j.metrics.calibration_error) << std::setw(8) << j.flips.size() << "\n";
  };
  row("candidate " + candidate->info().version.substr(0, 11), candidate_judged);
  json gate = {{"tolerances",
                {{"f1", options.tolerance.f1},
                 {"ham_false_positive_rate", options.tolerance.ham_fpr},
                 {"mcc", options.tolerance.mcc},
                 {"calibration_error", options.tolerance.calibration_error}}},
               {"candidate", MetricsJson(candidate_judged.metrics)},
               {"candidate_replay_flips", candidate_judged.flips.size()}};
  if (current) {
    const Judged current_judged = judge(current);
    row("current " + current->info().version.substr(0, 11), current_judged);
    const BinaryMetrics& c = candidate_judged.metrics;
    const BinaryMetrics& k = current_judged.metrics;
    const Tolerances& t = options.tolerance;
    if (c.f1 < k.f1 - t.f1)
      worse.push_back("F1 " + Fixed(c.f1) + " < " + Fixed(k.f1) + " - " + Fixed(t.f1, 3));
    if (c.ham_false_positive_rate > k.ham_false_positive_rate + t.ham_fpr) {
      worse.push_back("ham FPR " + Fixed(c.ham_false_positive_rate) + " > " +
                      Fixed(k.ham_false_positive_rate) + " + " + Fixed(t.ham_fpr, 3));
    }
    if (c.mcc < k.mcc - t.mcc)
      worse.push_back("MCC " + Fixed(c.mcc) + " < " + Fixed(k.mcc) + " - " + Fixed(t.mcc, 3));
    if (c.calibration_error > k.calibration_error + t.calibration_error) {
      worse.push_back("ECE " + Fixed(c.calibration_error) + " > " + Fixed(k.calibration_error) +
                      " + " + Fixed(t.calibration_error, 3));
    }
    if (candidate_judged.flips.size() > current_judged.flips.size()) {
      worse.push_back("replay flips " + std::to_string(candidate_judged.flips.size()) + " > " +
                      std::to_string(current_judged.flips.size()));
    }
    gate["current"] = MetricsJson(current_judged.metrics);
    gate["current_version"] = current->info().version;
    gate["current_replay_flips"] = current_judged.flips.size();
  } else if (!candidate_judged.flips.empty()) {
    worse.push_back("replay flips " + std::to_string(candidate_judged.flips.size()) +
                    " (no current model)");
  }
  if (!candidate_judged.flips.empty()) std::cout << "candidate replay flips:\n";
  for (const Flip& flip : candidate_judged.flips) PrintFlip(flip);
  gate["worse"] = worse;
  std::cout << "time: data " << Fixed(loaded_seconds, 1) << " s, model inputs "
            << Fixed(features_seconds, 1) << " s, training " << Fixed(trained->total_seconds, 1)
            << " s (" << trained->epochs_run << " epochs; quantization "
            << Fixed(trained->quantize_seconds, 1) << " s), gate "
            << Fixed(SecondsSince(gate_start), 1) << " s\n";
  gate["forced"] = options.force && !worse.empty();

  std::string worse_text;
  for (const std::string& w : worse) worse_text += (worse_text.empty() ? "" : "; ") + w;
  if (!worse.empty() && !options.force) {
    fs::remove_all(staging);
    Fail(command, "candidate refused (not published): " + worse_text);
  }
  if (!worse.empty()) {
    std::cerr << "spamguardctl retrain: --force: publishing a candidate the gate refused: "
              << worse_text << "\n";
  }

  json metrics = ReportJson(*trained);
  metrics["held_back"] = MetricsJson(candidate_judged.metrics);
  metrics["replay_flips"] = candidate_judged.flips.size();
  metrics["gate"] = gate;
  json inputs = json::array();
  for (const std::string& path : options.base) inputs.push_back(FileFingerprint(path));
  std::string feedback_hash_input;
  for (const LabeledExample& example : feedback) {
    feedback_hash_input += (example.spam ? "spam\t" : "ham\t") + example.key + "\n";
  }
  Sha256 feedback_sha;
  feedback_sha.Update(feedback_hash_input);
  const json manifest = {{"version", trained->info.version},
                         {"created_at", trained->info.trained_at},
                         {"source_revision", GitRevision()},
                         {"command", "retrain"},
                         {"inputs", inputs},
                         {"subsample", RulesJson(rules)},
                         {"default_mix", options.mix.default_mix},
                         {"seed", options.mix.seed},
                         {"feedback",
                          {{"data_dir", options.data_dir},
                           {"files", options.feedback_files},
                           {"examples", feedback.size()},
                           {"weight", options.feedback_weight},
                           {"sha256", feedback_sha.HexDigest()}}},
                         {"parameters", json::parse(trained->info.parameters_json)},
                         {"previous_version", current ? current->info().version : ""},
                         {"forced", options.force && !worse.empty()},
                         {"model", FileFingerprint(candidate_path)}};
  Check(command, Publish(options.model, staging, trained->info.version, metrics, manifest, true));
  std::cout << "published " << trained->info.version << " as current ("
            << Fixed(SecondsSince(start), 1) << " s)\n";
}

// --- models --------------------------------------------------------------------------------

void RunModelsList(const std::string& store) {
  const std::vector<StoredModel> models = Check("models list", ListModels(store));
  std::cout << std::left << std::setw(3) << "" << std::setw(28) << "version" << std::setw(24)
            << "created" << std::right << std::setw(8) << "F1" << std::setw(10) << "hamFPR"
            << "\n";
  for (const StoredModel& m : models) {
    std::cout << std::left << std::setw(3) << (m.is_current ? "*" : "") << std::setw(28)
              << m.version << std::setw(24) << m.created_at << std::right << std::setw(8)
              << Fixed(m.f1) << std::setw(10) << Fixed(m.ham_false_positive_rate) << "\n";
  }
}

void RunModelsRollback(const std::string& store, const std::string& version) {
  const std::string command = "models rollback";
  Check(command, SetCurrent(store, version));
  std::cout << "current -> " << version << "\n";
}

}  // namespace

void AddTrainCommand(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  CLI::App* command = app.add_subcommand(
      "train", "Train a model from labeled data (TSV, JSONL or fastText format)");
  command->add_option("inputs", options->inputs, "Labeled data files")->required();
  command
      ->add_option("--model", options->model,
                   "Output model file, or the model store with --publish")
      ->required();
  command->add_flag("--publish", options->publish,
                    "Write a new version into the store at --model and make it current");
  command->add_flag("--default-mix", options->mix.default_mix,
                    "Apply the documented default subsampling (se-good=4000, data/README.md)");
  command->add_option("--seed", options->mix.seed, "Seed for subsampling, splits and fastText")
      ->capture_default_str();
  command
      ->add_option("--validation-fraction", options->validation_fraction,
                   "Share of the training data used for search, calibration and threshold")
      ->capture_default_str();
  command
      ->add_option("--held-back-fraction", options->held_back_fraction,
                   "Share of each corpus never trained on (fixed split; 0 trains on all)")
      ->capture_default_str();
  command->add_option("--subsample", options->mix.subsample,
                      "SOURCE=N: keep at most N examples of a source (or source prefix)");
  command->add_flag("!--no-search", options->search, "Train the first grid entry only");
  command
      ->add_option("--search-budget", options->search_budget_seconds,
                   "Safety cap on the hyperparameter search, seconds")
      ->capture_default_str();
  command->add_option("--metrics-out", options->metrics_out,
                      "Metrics JSON file (default: <model>.metrics.json, or in the version)");
  command->callback([options] { RunTrain(*options); });
}

void AddEvalCommand(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* command = app.add_subcommand("eval", "Evaluate a model on labeled data");
  command->add_option("--model", options->model, "Model file or store")->capture_default_str();
  command->add_option("data", options->data, "Labeled data files")->required();
  command->add_flag("--json", options->json_output, "One JSON object instead of text");
  command->add_option("--threshold", options->threshold,
                      "Decision threshold (default: the model's recorded one)");
  command->add_flag("--held-back", options->held_back_only,
                    "Evaluate only the fixed held-back 20% of the data (never trained on)");
  command->callback([options] { RunEval(*options); });
}

void AddEvalProtocolCommand(CLI::App& app) {
  auto options = std::make_shared<ProtocolOptions>();
  CLI::App* command = app.add_subcommand(
      "eval-protocol",
      "Leave-one-video-out, TubeSpam and held-back evaluation (trains one model per split)");
  command->add_option("--model", options->model, "Model store or file whose settings are used")
      ->capture_default_str();
  command->add_option("--data", options->data, "The data/ directory")->capture_default_str();
  command->add_option("--only", options->only, "Subset: lovo, tubespam, held-back");
  command->add_option("--jobs", options->jobs, "Splits trained at once")->capture_default_str();
  command->add_flag("--json", options->json_output, "JSON instead of a table");
  command->add_option("--dump-splits", options->dump_splits,
                      "Write each split's train/test model inputs (fastText format) here and stop");
  command->add_option("--rules", options->rules,
                      "Also score each test split with this rule pack on top of the split's "
                      "model (as the server does)");
  command->callback([options] { RunEvalProtocol(*options); });
}

void AddReplayCommand(CLI::App& app) {
  auto options = std::make_shared<ReplayOptions>();
  CLI::App* command = app.add_subcommand(
      "replay", "Replay labeled regression cases through model and rules; fail on any flip");
  command->add_option("--model", options->model, "Model file or store")->capture_default_str();
  command->add_option("--cases", options->cases, "Cases file (JSONL)")->capture_default_str();
  command->add_option("--rules", options->rules, "Rule pack")->capture_default_str();
  command->add_flag("--no-rules", options->no_rules, "Model only");
  command->callback([options] { RunReplay(*options); });
}

void AddRetrainCommand(CLI::App& app) {
  auto options = std::make_shared<RetrainOptions>();
  CLI::App* command = app.add_subcommand(
      "retrain",
      "Base corpus + feedback -> candidate -> gate (held-back metrics, replay) -> publish");
  command->add_option("--model", options->model, "Model store")->capture_default_str();
  command->add_option("--data-dir", options->data_dir, "Server data directory (feedback)")
      ->capture_default_str();
  command->add_option("--base", options->base,
                      "Base corpus files (default: the current model's inputs)");
  command->add_option("--feedback", options->feedback_files,
                      "Extra feedback in the JSONL training format");
  command->add_option("--since", options->since, "Only feedback reported at/after (Unix ms)");
  command->add_option("--site", options->site, "Only feedback of this site");
  command
      ->add_option("--feedback-weight", options->feedback_weight,
                   "Times each feedback example is repeated in training")
      ->capture_default_str();
  command->add_flag("--default-mix", options->mix.default_mix, "Apply the default subsampling");
  command->add_option("--subsample", options->mix.subsample, "SOURCE=N");
  command->add_option("--seed", options->mix.seed, "Seed (default: the current model's)")
      ->each([options](const std::string&) { options->seed_set = true; });
  command->add_flag("--search", options->search, "Run the hyperparameter search");
  command->add_option("--cases", options->cases, "Regression cases")->capture_default_str();
  command->add_option("--rules", options->rules, "Rule pack for the replay")->capture_default_str();
  command->add_flag("--no-rules", options->no_rules, "Replay with the model only");
  command->add_flag("--force", options->force, "Publish even if the gate refuses (logged)");
  command->add_option("--tolerance-f1", options->tolerance.f1)->capture_default_str();
  command->add_option("--tolerance-ham-fpr", options->tolerance.ham_fpr)->capture_default_str();
  command->add_option("--tolerance-mcc", options->tolerance.mcc)->capture_default_str();
  command->add_option("--tolerance-ece", options->tolerance.calibration_error)
      ->capture_default_str();
  command->callback([options] { RunRetrain(*options); });
}

void AddModelsCommand(CLI::App& app) {
  auto store = std::make_shared<std::string>(kDefaultStore);
  auto version = std::make_shared<std::string>();
  CLI::App* models = app.add_subcommand("models", "List the model store or roll back");
  models->require_subcommand(1);
  models->add_option("--model", *store, "Model store")->capture_default_str();
  CLI::App* list = models->add_subcommand("list", "Versions, oldest first; * marks current");
  list->add_option("--model", *store, "Model store")->capture_default_str();
  list->callback([store] { RunModelsList(*store); });
  CLI::App* rollback = models->add_subcommand("rollback", "Point current at an older version");
  rollback->add_option("version", *version, "Version name")->required();
  rollback->add_option("--model", *store, "Model store")->capture_default_str();
  rollback->callback([store, version] { RunModelsRollback(*store, *version); });
}

}  // namespace spamguard::cli
