// Training and judging a model: `train`, `eval` and `models list|rollback`. `eval` without
// DATA files runs the evaluation protocol (protocol_command.cc).
//
// `train` trains on everything but the fixed held-back split (cli/model_lifecycle.h) and
// writes a model file, or publishes a new version into a store (cli/model_publishing.h);
// `eval --held-back` measures a model on that split alone, of the fraction the model records.
// `models` lists a store's versions and points `current` at one of them.
//
// Every failure prints one line "spamguardctl <cmd>: <what>" to stderr and throws
// CLI::RuntimeError(1) (cli/commands.h).
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/model_lifecycle.h"
#include "cli/model_publishing.h"
#include "cli/option_values.h"
#include "model/dataset.h"
#include "model/evaluation.h"
#include "model/model_store.h"
#include "model/spam_model.h"
#include "model/trainer.h"

namespace spamguard::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// --- train ---------------------------------------------------------------------------------

// The search budget is a safety cap, not a schedule: a day is far beyond any search the grid
// needs, and a larger (or infinite) value would only hide a typo.
constexpr double kMaxSearchBudgetSeconds = 86400;

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

struct TrainOptions {
  std::vector<std::string> inputs;
  std::string model;
  bool publish = false;
  MixOptions mix;
  double validation_fraction = kDefaultValidationFraction;
  double held_back_fraction = kDefaultHeldBackFraction;
  bool search = true;
  bool linear = true;
  double search_budget_seconds = 40;
  std::string metrics_out;
};

// True when `a` and `b` name the same file: the same inode if both exist, else the same
// normalized absolute path.
bool SameFile(const fs::path& a, const fs::path& b) {
  std::error_code error;
  if (fs::equivalent(a, b, error) && !error) return true;
  const fs::path canonical_a = fs::weakly_canonical(a, error);
  if (error) return false;
  const fs::path canonical_b = fs::weakly_canonical(b, error);
  return !error && canonical_a == canonical_b;
}

// A --model that exists but is not a directory is named as such: the store functions would
// report it as a store that does not exist.
void CheckStoreIsADirectory(const std::string& command, const std::string& store) {
  std::error_code error;
  if (fs::exists(store, error) && !fs::is_directory(store, error))
    Fail(command, "--model " + store + " is not a directory (a model store)");
}

// The version directory of a model store that `path` would be written into, or "" when it is
// not in one. A version directory is one that holds manifest.json, or whose parent holds the
// `current` link (model/model_store.h); symlinks are resolved first, so `<store>/current/...`
// counts. Versions are immutable once published: the manifest records the model's hash.
std::string VersionDirectoryOf(const fs::path& path) {
  std::error_code error;
  const fs::path directory = fs::weakly_canonical(path, error).parent_path();
  if (error || directory.empty()) return "";
  if (fs::exists(directory / "manifest.json", error) ||
      fs::is_symlink(directory.parent_path() / kCurrentLinkName, error)) {
    return directory.string();
  }
  return "";
}

// Refuses, before any training, an output path that would destroy something: an input, a
// published version, a directory, or a file that is not ours (`what` names the flag).
void CheckOutputPath(const std::string& command, const std::string& what, const fs::path& path,
                     const std::vector<std::string>& inputs) {
  for (const std::string& input : inputs) {
    if (SameFile(path, input))
      Fail(command, what + " " + path.string() + " is the input file " + input);
  }
  if (const std::string version = VersionDirectoryOf(path); !version.empty()) {
    Fail(command, what + " " + path.string() + " is inside " + version +
                      ", a published version of a model store; publish a new version with "
                      "--model <store> --publish");
  }
  std::error_code error;
  if (fs::is_directory(path, error)) {
    Fail(command, what + " " + path.string() + " is a directory" +
                      (what == "--model" ? " (a model store needs --publish)" : ""));
  }
  const fs::path parent = fs::absolute(path, error).parent_path();
  if (!fs::is_directory(parent, error))
    Fail(command,
         what + " " + path.string() + ": directory " + parent.string() + " does not exist");
}

void CheckOutputs(const std::string& command, const TrainOptions& options,
                  const std::string& metrics_out) {
  if (!options.publish) {
    CheckOutputPath(command, "--model", options.model, options.inputs);
    Check(command, SpamModel::CheckReplaceable(options.model));
  } else {
    CheckStoreIsADirectory(command, options.model);
  }
  if (metrics_out.empty()) return;
  CheckOutputPath(command, "--metrics-out", metrics_out, options.inputs);
  if (!options.publish && SameFile(metrics_out, options.model))
    Fail(command, "--metrics-out " + metrics_out + " is the model file");
}

void RunTrain(const TrainOptions& options) {
  const std::string command = "train";
  if (options.model.empty())
    Fail(command, "--model is required (a file, or a store with --publish)");
  std::string metrics_out = options.metrics_out;
  if (metrics_out.empty() && !options.publish) metrics_out = options.model + ".metrics.json";
  CheckOutputs(command, options, metrics_out);
  const auto start = std::chrono::steady_clock::now();
  const std::shared_ptr<const TextPipeline> pipeline = CreatePipeline(command);
  const std::vector<SubsampleRule> rules = options.mix.Rules(command);
  Corpus corpus = LoadCorpus(command, *pipeline, options.inputs, rules, options.mix.seed);
  std::cerr << "loaded " << corpus.examples.size() << " examples in " << SecondsSince(start)
            << " s\n";
  Split held_back =
      SplitByKey(std::move(corpus.examples), kHeldBackSalt, options.held_back_fraction);

  std::string model_path = options.model;
  StagingGuard staging;
  if (options.publish) {
    std::error_code error;
    fs::create_directories(options.model, error);
    if (error) Fail(command, "cannot create model store " + options.model + ": " + error.message());
    staging.Guard(Check(command, CreateStagingDirectory(options.model)));
    model_path = (fs::path(staging.path()) / kModelFileName).string();
  }

  TrainRequest request;
  request.seed = options.mix.seed;
  request.validation_fraction = options.validation_fraction;
  request.trainer.search = options.search;
  request.trainer.linear.enabled = options.linear;
  request.trainer.search_budget_seconds = options.search_budget_seconds;
  request.trainer.held_back_fraction = options.held_back_fraction;
  request.verbose = true;
  Result<TrainingReport> trained =
      TrainFromExamples(*pipeline, held_back.rest, request, model_path);
  if (!trained.ok()) Fail(command, trained.status().ToString());
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
  std::optional<BinaryMetrics> held_back_metrics;
  if (!held_back.selected.empty()) {
    // Judge the file as it will be served: loaded back, through the full text pipeline.
    const std::shared_ptr<const SpamModel> model = LoadModel(command, model_path);
    held_back_metrics =
        Evaluate(Score(*pipeline, *model, held_back.selected), DecisionThreshold(*model));
    metrics["held_back"] = MetricsJson(*held_back_metrics);
  }
  metrics["seconds_total"] = SecondsSince(start);
  // Before publishing: once `current` has switched the command must succeed, so that exit 1
  // always means "not published".
  if (!metrics_out.empty()) Check(command, WriteText(metrics_out, metrics.dump(2) + "\n"));

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
                           {"model", StagedModelFingerprint(model_path)}};
    const std::string published = staging.Release();  // Publish owns it now
    Check(command, Publish(options.model, published, report.info.version, metrics, manifest, true));
    model_path = (fs::path(options.model) / report.info.version / kModelFileName).string();
  }

  std::cout << "trained " << report.info.version << " -> " << model_path << "\n"
            << "  data: " << corpus.dedup.kept << " unique examples (" << corpus.dedup.duplicates
            << " duplicates, " << corpus.dedup.conflicts << " label conflicts dropped); "
            << report.training_lines << " train / " << report.validation_lines << " validation / "
            << held_back.selected.size() << " held back\n"
            << "  chosen: " << report.chosen.ToString() << ", " << report.epochs_run
            << " epochs run (" << report.search.size() << " candidates"
            << (report.search_truncated ? ", search cut by the time budget" : "") << ")\n"
            << "  linear model: "
            << (report.linear.enabled ? report.linear.ToString() + ", " +
                                            std::to_string(report.linear_features) + " features"
                                      : std::string("off"))
            << (report.linear_search.empty()
                    ? std::string()
                    : " (c and weight chosen of " + std::to_string(report.linear_search.size()) +
                          " on validation)")
            << "; validation F1 of fastText alone " << Fixed(report.validation_fasttext_only.f1)
            << ", ham FPR " << Fixed(report.validation_fasttext_only.ham_false_positive_rate)
            << "\n"
            << "  validation F1 " << Fixed(report.validation.f1) << " (unquantized "
            << Fixed(report.validation_unquantized.f1) << "), ham FPR "
            << Fixed(report.validation.ham_false_positive_rate) << ", threshold "
            << Fixed(report.decision_threshold) << "\n";
  if (held_back_metrics) {
    const BinaryMetrics& m = *held_back_metrics;
    const DefinedFigures defined = DefinedFiguresOf(m.confusion);
    std::cout << "  held-back F1 " << FigureText(m.f1, defined.f1) << ", ham FPR "
              << FigureText(m.ham_false_positive_rate, defined.ham_false_positive_rate) << ", MCC "
              << FigureText(m.mcc, defined.mcc) << "\n";
  }
  std::cout << "  model " << report.model_bytes << " bytes (unquantized "
            << report.unquantized_bytes << "), " << Fixed(metrics["seconds_total"].get<double>(), 1)
            << " s\n";
}

// --- eval ----------------------------------------------------------------------------------

// Figures the data does not define (one class missing) print as n/a.
void PrintMetricsText(const std::string& title, const BinaryMetrics& m) {
  const ConfusionMatrix& c = m.confusion;
  const DefinedFigures defined = DefinedFiguresOf(c);
  std::cout << title << "  (" << c.true_positives + c.false_negatives << " spam, "
            << c.false_positives + c.true_negatives << " ham; threshold " << Fixed(m.threshold)
            << ")\n"
            << "  accuracy   " << Fixed(m.accuracy) << "\n"
            << "  precision  " << FigureText(m.precision, defined.precision) << "\n"
            << "  recall     " << FigureText(m.recall, defined.recall) << "\n"
            << "  F1         " << FigureText(m.f1, defined.f1) << "\n"
            << "  MCC        " << FigureText(m.mcc, defined.mcc) << "\n"
            << "  ham FPR    "
            << FigureText(m.ham_false_positive_rate, defined.ham_false_positive_rate) << "\n"
            << "  ROC-AUC    " << FigureText(m.roc_auc, defined.roc_auc) << "\n"
            << "  ECE        " << Fixed(m.calibration_error) << "\n"
            << "  confusion  predicted spam / ham\n"
            << "    spam     " << std::setw(8) << c.true_positives << std::setw(8)
            << c.false_negatives << "\n"
            << "    ham      " << std::setw(8) << c.false_positives << std::setw(8)
            << c.true_negatives << "\n";
}

struct EvalOptions {
  std::string model = kDefaultStore;
  std::vector<std::string> data;
  bool json_output = false;
  double threshold_value = 0;       // what --threshold parsed
  std::optional<double> threshold;  // unset: the model's decision threshold
  bool held_back_only = false;
};

void RunEval(const EvalOptions& options) {
  const std::string command = "eval";
  const std::shared_ptr<const TextPipeline> pipeline = CreatePipeline(command);
  const std::string path = Check(command, ResolveModelPath(options.model));
  const std::shared_ptr<const SpamModel> model = LoadModel(command, path);
  std::vector<LabeledExample> examples = LoadFiles(command, options.data);
  const DedupReport dedup = Deduplicate(*pipeline->normalizer(), examples);
  std::optional<double> held_back_fraction;
  if (options.held_back_only) {
    // The split the model never saw is the one of the fraction it was trained with.
    held_back_fraction = RequireHeldBackSplit(command, *model, path, "--held-back: model ",
                                              "; it has no held-back split");
    const size_t total = examples.size();
    examples = SplitByKey(std::move(examples), kHeldBackSalt, *held_back_fraction).selected;
    if (examples.empty()) {
      Fail(command, "--held-back: none of the " + std::to_string(total) +
                        " examples fall in the model's held-back split (" +
                        Fixed(*held_back_fraction, 2) + " of the data)");
    }
  }
  if (examples.empty()) Fail(command, "no examples to evaluate");
  const double threshold = options.threshold.value_or(DecisionThreshold(*model));
  const BinaryMetrics metrics = Evaluate(Score(*pipeline, *model, examples), threshold);
  if (options.json_output) {
    json out = MetricsJson(metrics, UndefinedFigures::kNull);
    out["model"] = path;
    out["model_version"] = model->info().version;
    out["examples"] = examples.size();
    out["duplicates_dropped"] = dedup.duplicates + dedup.conflicts;
    if (held_back_fraction) out["held_back_fraction"] = *held_back_fraction;
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "model " << model->info().version << " (" << path << "); " << examples.size()
              << " unique examples";
    if (held_back_fraction) {
      std::cout << " (held-back split, " << Fixed(*held_back_fraction, 2) << " of the data)";
    }
    std::cout << "\n";
    PrintMetricsText("evaluation", metrics);
  }
}

// --- models --------------------------------------------------------------------------------

void RunModelsList(const std::string& store) {
  CheckStoreIsADirectory("models list", store);
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
  CheckStoreIsADirectory(command, store);
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
      ->capture_default_str()
      ->check(FiniteNumberIn(0, 1, /*min_exclusive=*/true, /*max_exclusive=*/true));
  command
      ->add_option("--held-back-fraction", options->held_back_fraction,
                   "Share of each corpus never trained on (fixed split; 0 trains on all)")
      ->capture_default_str()
      ->check(FiniteNumberIn(0, 1, /*min_exclusive=*/false, /*max_exclusive=*/true));
  command->add_option("--subsample", options->mix.subsample,
                      "SOURCE=N: keep at most N examples of a source (or source prefix)");
  command->add_flag("!--no-search", options->search, "Train the first grid entry only");
  command->add_flag("!--no-linear", options->linear,
                    "fastText alone, without the linear model (a format 1 model, for comparison)");
  command
      ->add_option("--search-budget", options->search_budget_seconds,
                   "Safety cap on the hyperparameter search, seconds (at most a day)")
      ->capture_default_str()
      ->check(FiniteNumberIn(0, kMaxSearchBudgetSeconds));
  command->add_option("--metrics-out", options->metrics_out,
                      "Metrics JSON file (default: <model>.metrics.json, or in the version)");
  command->callback([options] { RunTrain(*options); });
}

void AddEvalCommand(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  auto protocol = std::make_shared<ProtocolOptions>();
  CLI::App* command = app.add_subcommand(
      "eval",
      "Evaluate a model on labeled DATA files; without them, run the evaluation protocol "
      "(leave-one-video-out, TubeSpam, held-back) over --data");
  command->add_option("--model", options->model, "Model file or store")->capture_default_str();
  // Named DATA, not data: --data is the protocol's directory.
  command->add_option("DATA", options->data,
                      "Labeled data files (none: the evaluation protocol over --data)");
  command->add_flag("--json", options->json_output, "One JSON object instead of text");
  CLI::Option* threshold =
      command
          ->add_option("--threshold", options->threshold_value,
                       "With DATA: decision threshold in [0, 1] (default: the model's)")
          ->check(FiniteNumberIn(0, 1));
  CLI::Option* held_back = command->add_flag(
      "--held-back", options->held_back_only,
      "With DATA: evaluate only the model's held-back split (the share it never trained on)");
  const std::vector<CLI::Option*> protocol_only = AddProtocolOptions(*command, *protocol);
  command->callback([options, protocol, threshold, held_back, protocol_only] {
    const std::string name = "eval";
    if (!options->data.empty()) {
      for (const CLI::Option* option : protocol_only) {
        if (option->count() > 0) {
          Fail(name, option->get_name() +
                         " is an option of the evaluation protocol (eval without DATA files); "
                         "it cannot be given with DATA files");
        }
      }
      if (threshold->count() > 0) options->threshold = options->threshold_value;
      RunEval(*options);
      return;
    }
    for (const CLI::Option* option : {threshold, held_back}) {
      if (option->count() > 0) {
        Fail(name, option->get_name() +
                       " needs DATA files; without them eval runs the evaluation protocol (its "
                       "held-back part is --only held-back)");
      }
    }
    protocol->model = options->model;
    protocol->json_output = options->json_output;
    RunEvalProtocol(name, *protocol);
  });
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
