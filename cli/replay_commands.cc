// Guarding what is served: `replay` and `retrain`.
//
// `replay` runs the labeled regression cases (tests/regression/cases.jsonl) through model and
// rules and fails on any case whose verdict flipped. `retrain` trains a candidate on the base
// corpus plus moderators' feedback and publishes it only if it passes the gate (or with
// --force): on the fixed held-back split (cli/model_lifecycle.h) it is not worse than the
// current model beyond the tolerances, and it flips no more regression cases than the current
// model does (none, when the store has no current model).
//
// Every failure prints one line "spamguardctl <cmd>: <what>" to stderr and throws
// CLI::RuntimeError(1) (cli/commands.h).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/model_lifecycle.h"
#include "cli/model_publishing.h"
#include "cli/option_values.h"
#include "model/comment_classifier.h"
#include "model/dataset.h"
#include "model/evaluation.h"
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

constexpr char kDefaultDataDir[] = "var";
constexpr char kDefaultRules[] = "rules/default.yaml";
constexpr char kDefaultCases[] = "tests/regression/cases.jsonl";
// Every repeat of a feedback example is a line of the training file: the weight is bounded so
// that a typo cannot write gigabytes per report.
constexpr int kMaxFeedbackWeight = 100;
// The default training corpora, relative to the repository root (see data/README.md).
const std::vector<std::string> kDefaultCorpora = {
    "data/youtube-spam/youtube-spam.tsv", "data/sms-spam/sms-spam.tsv", "data/tg-spam/tg-spam.tsv",
    "data/smokedetector-titles/smokedetector-titles.tsv"};

// --- replay --------------------------------------------------------------------------------

struct ReplayCase {
  std::string name;
  Comment comment;
  std::vector<Verdict> expected;
};

Result<Verdict> ExpectedVerdict(const std::string& name) {
  if (const std::optional<Verdict> verdict = VerdictFromName(name)) return *verdict;
  return Status::InvalidArgument("unknown verdict '" + name + "'");
}

// One JSON object per line: the JSONL training fields (content, author_*, ..., label) plus
// "name" and "expect" (a verdict name or a list of acceptable verdict names).
Result<std::vector<ReplayCase>> LoadCases(const std::string& path) {
  // An ifstream opens a directory and reads nothing from it: "no cases" would be misleading.
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return Status::InvalidArgument(path + " is a directory, not a cases file");
  }
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open cases file " + path);
  std::vector<ReplayCase> cases;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    // A byte order mark some editors put at the start of a file is not part of the case.
    if (number == 1 && line.rfind(kUtf8ByteOrderMark, 0) == 0)
      line.erase(0, kUtf8ByteOrderMark.size());
    if (line.empty() || line[0] == '#') continue;
    const std::string where = path + ":" + std::to_string(number);
    json object;
    Result<LabeledExample> parsed = ParseLabeledJsonLine(line, where, "cases", &object);
    if (!parsed.ok()) return parsed.status();
    ReplayCase replay;
    replay.name = where;
    if (const auto name = object.find("name"); name != object.end()) {
      if (!name->is_string()) {
        return Status::InvalidArgument(where + ": \"name\" must be a string");
      }
      replay.name = name->get<std::string>();
    }
    replay.comment = std::move(parsed->comment);
    const auto expect = object.find("expect");
    if (expect == object.end()) return Status::InvalidArgument(where + ": missing \"expect\"");
    const std::string expect_shape =
        where + ": \"expect\" must be a verdict name or a non-empty list of them";
    std::vector<std::string> names;
    if (expect->is_string()) {
      names.push_back(expect->get<std::string>());
    } else if (expect->is_array()) {
      for (const json& item : *expect) {
        if (!item.is_string()) return Status::InvalidArgument(expect_shape);
        names.push_back(item.get<std::string>());
      }
    }
    if (names.empty()) return Status::InvalidArgument(expect_shape);
    for (const std::string& name : names) {
      Result<Verdict> verdict = ExpectedVerdict(name);
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

// Ends `command` when a case names a site the rule pack has no policy for: like `check
// --site`, a typo would otherwise replay the case under the default policy. (Without a pack
// no policy applies, and a case's site only reaches the model.)
void FailOnUnknownCaseSites(const std::string& command, const std::vector<ReplayCase>& cases,
                            const RuleSet* rules) {
  if (rules == nullptr) return;
  for (const ReplayCase& replay : cases) {
    const std::string& site = replay.comment.site_id;
    if (!site.empty() && !rules->HasSitePolicy(site)) {
      Fail(command, "case '" + replay.name + "' names site '" + site + "', and " + rules->path() +
                        " has no policy for it (no entry under 'sites:')");
    }
  }
}

void RunReplay(const ReplayOptions& options) {
  const std::string command = "replay";
  const std::shared_ptr<const TextPipeline> pipeline = CreatePipeline(command);
  const std::string path = Check(command, ResolveModelPath(options.model));
  const std::shared_ptr<const SpamModel> model = LoadModel(command, path);
  const std::shared_ptr<const RuleSet> rules =
      LoadRules(command, options.no_rules ? "" : options.rules, *pipeline);
  const std::vector<ReplayCase> cases = Check(command, LoadCases(options.cases));
  FailOnUnknownCaseSites(command, cases, rules.get());
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
  std::string since;  // feedback reported at or after (cli/option_values.h)
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
  std::string current_path;
  json current_manifest;
  if (Result<std::string> version = CurrentVersion(options.model); version.ok()) {
    current_path = Check(command, ResolveModelVersion(options.model, *version));
    current = LoadModel(command, current_path);
    std::ifstream in(fs::path(options.model) / *version / "manifest.json");
    if (in) current_manifest = json::parse(in, nullptr, false);
  }
  TrainRequest request;
  request.trainer.search = options.search;
  if (current) {
    FastTextParameters parameters;
    double unused = 0.5;
    ParseParametersJson(current->info().parameters_json, parameters, request.trainer.quantize,
                        &unused, &request.trainer.linear);
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

  // Base corpus and its fixed held-back split (the gate's test set), of the fraction the
  // current model was trained without: the gate must judge it on comments it never saw. The
  // candidate is held back the same share, and records it.
  double held_back_fraction = kDefaultHeldBackFraction;
  if (current) {
    held_back_fraction = RequireHeldBackSplit(
        command, *current, current_path, "the current model ",
        ": the gate has no held-back split to compare on (publish a model trained with a "
        "held-back split first)");
  }
  request.trainer.held_back_fraction = held_back_fraction;
  const std::vector<SubsampleRule> rules = options.mix.Rules(command);
  Corpus base = LoadCorpus(command, *pipeline, options.base, rules, options.mix.seed);
  Split held_back = SplitByKey(std::move(base.examples), kHeldBackSalt, held_back_fraction);

  // Feedback: newest first so that the latest report on a comment wins; from the store
  // under --data-dir and from any --feedback files.
  std::vector<LabeledExample> feedback;
  server::FeedbackFilter filter;
  if (!options.since.empty()) {
    filter.since_ms = Check(command, ParseSinceOption(options.since, UnixNowMs()));
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
    example.repeat = options.feedback_weight;
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

  // The gate's rules and cases, read before minutes of training rather than after.
  const std::shared_ptr<const RuleSet> rule_set =
      LoadRules(command, options.no_rules ? "" : options.rules, *pipeline);
  const std::vector<ReplayCase> cases = Check(command, LoadCases(options.cases));
  FailOnUnknownCaseSites(command, cases, rule_set.get());

  // The candidate, trained into the store's staging directory.
  std::error_code error;
  fs::create_directories(options.model, error);
  if (error) Fail(command, "cannot create model store " + options.model + ": " + error.message());
  StagingGuard staging(Check(command, CreateStagingDirectory(options.model)));
  const std::string candidate_path = (fs::path(staging.path()) / kModelFileName).string();
  const double loaded_seconds = SecondsSince(start);
  Result<TrainingReport> trained = TrainFromExamples(*pipeline, pool, request, candidate_path);
  // TrainFromExamples turns the pool into model inputs, then trains (trained->total_seconds).
  const double features_seconds =
      SecondsSince(start) - loaded_seconds - (trained.ok() ? trained->total_seconds : 0.0);
  if (!trained.ok()) Fail(command, trained.status().ToString());
  const std::shared_ptr<const SpamModel> candidate = LoadModel(command, candidate_path);

  // Gate: held-back metrics and regression replay, candidate vs current.
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
    const DefinedFigures defined = DefinedFiguresOf(j.metrics.confusion);
    std::cout << std::left << std::setw(22) << name << std::right << std::setw(10)
              << FigureText(j.metrics.f1, defined.f1) << std::setw(10)
              << FigureText(j.metrics.ham_false_positive_rate, defined.ham_false_positive_rate)
              << std::setw(10) << FigureText(j.metrics.mcc, defined.mcc) << std::setw(10)
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
  const json manifest = {{"version", trained->info.version},
                         {"created_at", trained->info.trained_at},
                         {"source_revision", GitRevision()},
                         {"command", "retrain"},
                         {"inputs", inputs},
                         {"subsample", RulesJson(rules)},
                         {"default_mix", options.mix.default_mix},
                         {"seed", options.mix.seed},
                         {"held_back_fraction", held_back_fraction},
                         {"feedback",
                          {{"data_dir", options.data_dir},
                           {"files", options.feedback_files},
                           {"examples", feedback.size()},
                           {"weight", options.feedback_weight},
                           {"sha256", Sha256Hex(feedback_hash_input)}}},
                         {"parameters", json::parse(trained->info.parameters_json)},
                         {"previous_version", current ? current->info().version : ""},
                         {"forced", options.force && !worse.empty()},
                         {"model", StagedModelFingerprint(candidate_path)}};
  Check(command,
        Publish(options.model, staging.Release(), trained->info.version, metrics, manifest, true));
  std::cout << "published " << trained->info.version << " as current ("
            << Fixed(SecondsSince(start), 1) << " s)\n";
}

}  // namespace

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
  command->add_option("--since", options->since,
                      "Only feedback reported at/after: Unix ms, YYYY-MM-DD, "
                      "YYYY-MM-DDTHH:MM:SSZ, or an age like 24h / 7d");
  command->add_option("--site", options->site, "Only feedback of this site");
  command
      ->add_option("--feedback-weight", options->feedback_weight,
                   "Times each feedback example is repeated in training (1 to " +
                       std::to_string(kMaxFeedbackWeight) + ")")
      ->capture_default_str()
      ->check(CLI::Range(1, kMaxFeedbackWeight));
  command->add_flag("--default-mix", options->mix.default_mix, "Apply the default subsampling");
  command->add_option("--subsample", options->mix.subsample, "SOURCE=N");
  command->add_option("--seed", options->mix.seed, "Seed (default: the current model's)")
      ->each([options](const std::string&) { options->seed_set = true; });
  command->add_flag("--search", options->search, "Run the hyperparameter search");
  command->add_option("--cases", options->cases, "Regression cases")->capture_default_str();
  command->add_option("--rules", options->rules, "Rule pack for the replay")->capture_default_str();
  command->add_flag("--no-rules", options->no_rules, "Replay with the model only");
  command->add_flag("--force", options->force, "Publish even if the gate refuses (logged)");
  // A NaN tolerance would switch the gate off (every comparison with NaN is false), and an
  // infinite or negative one is no tolerance: each is a finite number within the metric's
  // range (MCC spans [-1, 1], the others [0, 1]).
  command
      ->add_option("--tolerance-f1", options->tolerance.f1,
                   "How much lower the candidate's F1 may be")
      ->capture_default_str()
      ->check(FiniteNumberIn(0, 1));
  command
      ->add_option("--tolerance-ham-fpr", options->tolerance.ham_fpr,
                   "How much higher the candidate's ham false-positive rate may be")
      ->capture_default_str()
      ->check(FiniteNumberIn(0, 1));
  command
      ->add_option("--tolerance-mcc", options->tolerance.mcc,
                   "How much lower the candidate's MCC may be")
      ->capture_default_str()
      ->check(FiniteNumberIn(0, 2));
  command
      ->add_option("--tolerance-ece", options->tolerance.calibration_error,
                   "How much higher the candidate's calibration error may be")
      ->capture_default_str()
      ->check(FiniteNumberIn(0, 1));
  command->callback([options] { RunRetrain(*options); });
}

}  // namespace spamguard::cli
