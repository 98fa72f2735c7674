// The evaluation protocol, `eval` without DATA files (and its alias `eval-protocol`): the
// published evaluation protocols, run with the settings of a stored model. Leave-one-video-out
// (LOVO) and TubeSpam (the oldest 70% of each class of a video trains, the newest 30% tests) train
// one model per split, `--jobs` at a time; held-back scores the stored model itself on the fixed
// held-back split of each corpus (cli/model_lifecycle.h). With --rules, every test split is scored
// a second time through model + rule pack, as the server does.
//
// Every failure prints one line "spamguardctl <eval or eval-protocol>: <what>" to stderr and
// throws CLI::RuntimeError(1) (cli/commands.h).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/model_lifecycle.h"
#include "model/comment_classifier.h"
#include "model/dataset.h"
#include "model/evaluation.h"
#include "model/fasttext_classifier.h"
#include "model/model_store.h"
#include "model/rule_set.h"
#include "model/spam_model.h"
#include "model/trainer.h"

namespace spamguard::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

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
  fs::path source_path = path;
  source_path.replace_extension(".source");
  std::ofstream sources(source_path, std::ios::trunc);
  for (const LabeledExample& example : examples) {
    out << (example.spam ? FastTextClassifier::kSpamLabel : FastTextClassifier::kHamLabel) << ' '
        << pipeline.ModelInput(example.comment, kFeatureSchemaVersion) << '\n';
    sources << example.source << '\n';
  }
  out.flush();
  sources.flush();
  if (!out) Fail(command, "cannot write " + path.string());
  if (!sources) Fail(command, "cannot write " + source_path.string());
}

// --scores-out: the split's test examples with the probability its model gave each, one TSV
// row per example in test order; tabs and line breaks inside a comment become spaces.
Status WriteScores(const fs::path& path, const std::vector<LabeledExample>& examples,
                   const std::vector<ScoredExample>& scored, double threshold) {
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error)
    return Status::IoError("cannot create " + path.parent_path().string() + ": " + error.message());
  std::ofstream out(path, std::ios::trunc);
  out << "label\tspam_probability\tpredicted\tsource\ttext\n";
  for (size_t i = 0; i < examples.size() && i < scored.size(); ++i) {
    std::string text = examples[i].comment.content;
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
    out << (examples[i].spam ? "spam" : "ham") << '\t' << Fixed(scored[i].probability, 6) << '\t'
        << (scored[i].probability >= threshold ? "spam" : "ham") << '\t' << examples[i].source
        << '\t' << text << '\n';
  }
  out.flush();
  if (!out) return Status::IoError("cannot write " + path.string());
  return Status::Ok();
}

// A fresh private directory under the system's temporary directory ($TMPDIR, else /tmp),
// named unpredictably (mkdtemp) so that concurrent runs and other users cannot collide with
// it; removed with everything in it by Remove() or, on any other way out (a Fail), by the
// destructor.
class ScratchDirectory {
 public:
  ScratchDirectory() = default;
  ~ScratchDirectory() { Remove(); }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  Status Create() {
    std::error_code error;
    const fs::path temp = fs::temp_directory_path(error);
    if (error) return Status::IoError("no temporary directory: " + error.message());
    std::string name = (temp / "spamguard-protocol-XXXXXX").string();
    if (::mkdtemp(name.data()) == nullptr) {
      return Status::IoError("cannot create a scratch directory " + name + ": " +
                             std::strerror(errno));
    }
    path_ = name;
    return Status::Ok();
  }
  const fs::path& path() const { return path_; }
  // Best effort: a scratch directory that cannot be removed is not worth failing a run for.
  void Remove() {
    if (path_.empty()) return;
    std::error_code ignored;
    fs::remove_all(path_, ignored);
    path_.clear();
  }

 private:
  fs::path path_;
};

}  // namespace

void RunEvalProtocol(const std::string& command, const ProtocolOptions& options) {
  const auto wants = [&options](const std::string& part) {
    return options.only.empty() ||
           std::find(options.only.begin(), options.only.end(), part) != options.only.end();
  };
  const std::shared_ptr<const TextPipeline> pipeline = CreatePipeline(command);
  const std::string model_path = Check(command, ResolveModelPath(options.model));
  const std::shared_ptr<const SpamModel> model = LoadModel(command, model_path);
  const std::shared_ptr<const RuleSet> rules = LoadRules(command, options.rules, *pipeline);
  // Refused before minutes of training: held-back scores the stored model on the split of the
  // fraction it was trained with, and a model trained on everything has none.
  double held_back_fraction = 0;
  if (wants("held-back") && options.dump_splits.empty()) {
    held_back_fraction =
        RequireHeldBackSplit(command, *model, model_path, "held-back: model ",
                             "; it has no held-back split (--only lovo tubespam runs the rest)");
  }
  // Also refused before the training, not after it: a --scores-out that is not a directory
  // this process can create and write files in (a probe file is written and removed).
  if (!options.scores_out.empty()) {
    const std::string refused =
        "--scores-out " + options.scores_out + " is not a directory that can be written";
    std::error_code error;
    fs::create_directories(options.scores_out, error);
    if (error) Fail(command, refused + ": " + error.message());
    if (!fs::is_directory(options.scores_out)) Fail(command, refused + ": not a directory");
    const fs::path probe = fs::path(options.scores_out) / ".spamguard-write-probe";
    const bool writable = static_cast<bool>(std::ofstream(probe) << "probe\n");
    fs::remove(probe, error);
    if (!writable) Fail(command, refused + ": cannot create a file in it");
  }

  // The default model's trainer settings, without search, for every protocol model.
  TrainRequest request;
  request.trainer.search = false;
  request.trainer.grid = {FastTextParameters{}};
  double unused_threshold = 0.5;
  ParseParametersJson(model->info().parameters_json, request.trainer.grid[0],
                      request.trainer.quantize, &unused_threshold, &request.trainer.linear);
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

  // What LOVO and TubeSpam models train on besides the YouTube collection.
  const std::vector<LabeledExample> no_examples;
  const std::vector<LabeledExample>& extra_training =
      options.youtube_only ? no_examples : others.examples;

  std::vector<ProtocolSplit> splits;
  if (wants("lovo")) {
    Corpus youtube = LoadCorpus(
        command, *pipeline, {(data / "youtube-spam/youtube-spam.tsv").string()}, {}, request.seed);
    for (const std::string& video : kVideos) {
      ProtocolSplit split;
      split.name = "lovo/" + video;
      std::vector<LabeledExample> train = extra_training;
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
      // The published protocol trains on the video's oldest 70% as it is, texts repeated in
      // the newest 30% included (a campaign that keeps posting the same comment). What the
      // split adds (the other videos, the other corpora) loses every text of the test 30%.
      std::vector<LabeledExample> added;
      for (const std::string& other : kVideos) {
        if (other == video) continue;
        const std::vector<LabeledExample>& other_rows = by_video["youtube-" + other];
        added.insert(added.end(), other_rows.begin(), other_rows.end());
      }
      added.insert(added.end(), extra_training.begin(), extra_training.end());
      added = WithoutTestTexts(std::move(added), split.test);
      split.train.insert(split.train.end(), added.begin(), added.end());
      DedupReport ignored = Deduplicate(*pipeline->normalizer(), split.train);
      (void)ignored;
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
  ScratchDirectory scratch_directory;
  if (!splits.empty()) {
    const Status created = scratch_directory.Create();
    if (!created.ok()) Fail(command, created.message());
  }
  const fs::path& scratch = scratch_directory.path();
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
      // An exception must not leave a worker thread (that would terminate the process): it
      // becomes the split's error, reported with the others below.
      try {
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
        const std::vector<ScoredExample> scored = Score(*pipeline, **split_model, split.test);
        result.metrics = Evaluate(scored, trained->decision_threshold);
        if (!options.scores_out.empty()) {
          const Status written = WriteScores(fs::path(options.scores_out) / (split.name + ".tsv"),
                                             split.test, scored, trained->decision_threshold);
          if (!written.ok()) {
            result.error = written.ToString();
            continue;
          }
        }
        if (rules) {
          const CommentClassifier classifier(pipeline, *split_model, rules, nullptr);
          result.with_rules =
              Evaluate(ScoreWithRules(classifier, split.test), trained->decision_threshold);
        }
      } catch (const std::exception& error) {
        result.error = std::string("internal error: ") + error.what();
        continue;
      }
      result.seconds = SecondsSince(start);
      std::lock_guard<std::mutex> lock(progress);
      std::cerr << command << ": " << split.name << " F1 " << Fixed(result.metrics.f1) << " ("
                << Fixed(result.seconds, 1) << " s)\n";
    }
  };
  // More threads than splits would only wait; and one thread per --jobs could exhaust the
  // system's threads. A thread that cannot start leaves its splits to the others.
  const size_t thread_count = std::min(static_cast<size_t>(options.jobs), splits.size());
  std::vector<std::thread> workers;
  std::string thread_error;
  for (size_t j = 0; j < thread_count; ++j) {
    try {
      workers.emplace_back(worker);
    } catch (const std::system_error& error) {
      thread_error = error.what();
      break;
    }
  }
  if (workers.empty() && thread_count > 0) {
    Fail(command, "cannot start a training thread: " + thread_error);
  }
  for (std::thread& t : workers) t.join();
  scratch_directory.Remove();
  for (const Evaluated& result : results) {
    if (!result.error.empty()) Fail(command, result.name + ": " + result.error);
  }

  if (wants("held-back")) {
    // The stored model itself, on the held-back share of each corpus it never trained on.
    Corpus youtube = LoadCorpus(
        command, *pipeline, {(data / "youtube-spam/youtube-spam.tsv").string()}, {}, request.seed);
    std::vector<LabeledExample> all = youtube.examples;
    all.insert(all.end(), others.examples.begin(), others.examples.end());
    std::vector<LabeledExample> held =
        SplitByKey(std::move(all), kHeldBackSalt, held_back_fraction).selected;
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
      const std::vector<ScoredExample> scored = Score(*pipeline, *model, examples);
      result.metrics = Evaluate(scored, threshold);
      if (!options.scores_out.empty()) {
        Check(command, WriteScores(fs::path(options.scores_out) / (name + ".tsv"), examples, scored,
                                   threshold));
      }
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
      json split = MetricsJson(r.metrics, UndefinedFigures::kNull);
      split["name"] = r.name;
      split["train_examples"] = r.train_examples;
      split["seconds"] = r.seconds;
      const std::string video = r.name.substr(r.name.find('/') + 1);
      if (r.name.rfind("tubespam/", 0) == 0) split["published_mcc"] = kPublishedMcc.at(video);
      if (r.with_rules) split["with_rules"] = MetricsJson(*r.with_rules, UndefinedFigures::kNull);
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
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
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
    const DefinedFigures defined = DefinedFiguresOf(c);
    std::cout << std::left << std::setw(30) << name << std::right << std::setw(6)
              << c.true_positives + c.false_negatives << std::setw(6)
              << c.false_positives + c.true_negatives << std::setw(8) << Fixed(m.accuracy, 3)
              << std::setw(8) << FigureText(m.precision, defined.precision, 3) << std::setw(8)
              << FigureText(m.recall, defined.recall, 3) << std::setw(8)
              << FigureText(m.f1, defined.f1, 3) << std::setw(8)
              << FigureText(m.mcc, defined.mcc, 3) << std::setw(9)
              << FigureText(m.ham_false_positive_rate, defined.ham_false_positive_rate, 3);
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

std::vector<CLI::Option*> AddProtocolOptions(CLI::App& command, ProtocolOptions& options) {
  return {
      command.add_option("--data", options.data, "The data/ directory (the protocol's corpora)")
          ->capture_default_str(),
      command.add_option("--only", options.only, "Subset: lovo, tubespam, held-back")
          ->check(CLI::IsMember({"lovo", "tubespam", "held-back"})),
      command
          .add_option("--jobs", options.jobs,
                      "Splits trained at once (at least 1; more than the splits run as many)")
          ->capture_default_str()
          ->check(CLI::Range(1, std::numeric_limits<int>::max())),
      command.add_option(
          "--dump-splits", options.dump_splits,
          "Write each split's train/test model inputs (fastText format) here and stop"),
      command.add_option("--rules", options.rules,
                         "Also score each test split with this rule pack on top of the split's "
                         "model (combined as the server combines them; at the split's threshold)"),
      command.add_flag("--youtube-only", options.youtube_only,
                       "Train LOVO and TubeSpam models on the YouTube collection alone"),
      command.add_option("--scores-out", options.scores_out,
                         "Also write each test split's examples with their spam probability "
                         "here, one TSV per split (DIR/lovo/psy.tsv, ...)"),
  };
}

void AddEvalProtocolCommand(CLI::App& app) {
  auto options = std::make_shared<ProtocolOptions>();
  CLI::App* command =
      app.add_subcommand("eval-protocol",
                         "The same as eval without DATA files: leave-one-video-out, TubeSpam and "
                         "held-back evaluation (kept for scripts)");
  command->add_option("--model", options->model, "Model store or file whose settings are used")
      ->capture_default_str();
  command->add_flag("--json", options->json_output, "JSON instead of a table");
  AddProtocolOptions(*command, *options);
  command->callback([options] { RunEvalProtocol("eval-protocol", *options); });
}

}  // namespace spamguard::cli
