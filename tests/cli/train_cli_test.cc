// spamguardctl's model life cycle run as processes: train -> eval -> check -> replay,
// retrain's gate refusing label-flipped feedback, --force, models list and rollback.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/model_file.h"
#include "tests/support/synthetic_corpus.h"
#include "tests/support/test_process.h"

namespace spamguard {
namespace {

namespace fs = std::filesystem;
using ::spamguard::testing::RunProcess;
using ::spamguard::testing::RunResult;
using ::spamguard::testing::TempDir;

RunResult Ctl(const std::vector<std::string>& args) {
  return RunProcess(SPAMGUARDCTL_BIN, args, std::chrono::seconds(300));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class TrainCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = dir_.File("corpus.tsv");
    std::ofstream out(corpus_);
    out << "label\ttext\tsource\n";
    for (const auto& [label, text] : testing::SyntheticCorpusRows())
      out << label << '\t' << text << "\tsynthetic\n";
    out.close();
    cases_ = dir_.File("cases.jsonl");
    std::ofstream cases(cases_);
    cases
        << R"({"name":"spam","content":"Get your ex love back fast, call and whatsapp now +91 9829286600","label":"spam","expect":["spam","discard"]})"
        << "\n"
        << R"({"name":"ham","content":"Great article, thanks for writing it, well done as always.","label":"ham","expect":"ham"})"
        << "\n";
  }

  std::string store() const { return dir_.File("models"); }

  // Trains and publishes the first version; returns its name.
  std::string TrainFirstVersion() {
    const RunResult trained = Ctl({"train", "--model", store(), "--publish", "--no-search",
                                   "--held-back-fraction", "0.2", corpus_});
    EXPECT_EQ(trained.exit_code, 0) << trained.stderr_text;
    return fs::read_symlink(fs::path(store()) / "current").string();
  }

  TempDir dir_;
  std::string corpus_;
  std::string cases_;
};

TEST_F(TrainCliTest, TrainPublishesAVersionWithMetricsAndManifest) {
  const std::string version = TrainFirstVersion();
  ASSERT_FALSE(version.empty());
  const fs::path directory = fs::path(store()) / version;
  EXPECT_TRUE(fs::is_regular_file(directory / "model.spgm"));
  EXPECT_LE(fs::file_size(directory / "model.spgm"), 5u * 1024 * 1024);
  const auto metrics = nlohmann::json::parse(ReadFile((directory / "metrics.json").string()));
  EXPECT_GT(metrics["held_back"]["f1"].get<double>(), 0.8);
  const auto manifest = nlohmann::json::parse(ReadFile((directory / "manifest.json").string()));
  ASSERT_EQ(manifest["inputs"].size(), 1u);
  EXPECT_EQ(manifest["inputs"][0]["path"], corpus_);
  EXPECT_EQ(manifest["inputs"][0]["sha256"].get<std::string>().size(), 64u);
  EXPECT_TRUE(manifest.contains("source_revision"));
  EXPECT_EQ(manifest["version"], version);
  // The model as the manifest beside it finds it, not the staging path it was trained into.
  EXPECT_EQ(manifest["model"]["path"], "model.spgm");
  EXPECT_EQ(manifest["model"]["bytes"].get<uintmax_t>(), fs::file_size(directory / "model.spgm"));
}

TEST_F(TrainCliTest, TrainEvalCheckAndReplayOnASmallCorpus) {
  const std::string model = dir_.File("model.spgm");
  const RunResult trained = Ctl({"train", "--model", model, "--no-search", corpus_});
  ASSERT_EQ(trained.exit_code, 0) << trained.stderr_text;
  EXPECT_TRUE(fs::is_regular_file(model + ".metrics.json"));

  const RunResult eval = Ctl({"eval", "--model", model, "--json", corpus_});
  ASSERT_EQ(eval.exit_code, 0) << eval.stderr_text;
  const auto figures = nlohmann::json::parse(eval.stdout_text);
  EXPECT_GT(figures["f1"].get<double>(), 0.9);
  EXPECT_LT(figures["ham_false_positive_rate"].get<double>(), 0.1);
  EXPECT_EQ(figures["examples"].get<int>(), 72);
  for (const char* key :
       {"precision", "recall", "mcc", "roc_auc", "calibration_error", "confusion"}) {
    EXPECT_TRUE(figures.contains(key)) << key;
  }

  const RunResult text_eval = Ctl({"eval", "--model", model, corpus_});
  ASSERT_EQ(text_eval.exit_code, 0) << text_eval.stderr_text;
  EXPECT_NE(text_eval.stdout_text.find("MCC"), std::string::npos);

  const RunResult check = Ctl({"check", "--model", model, "--no-rules", "--json",
                               "Cheap followers and likes, DM me on telegram for details"});
  ASSERT_EQ(check.exit_code, 0) << check.stderr_text;
  const auto verdict = nlohmann::json::parse(check.stdout_text);
  EXPECT_GT(verdict["spam_probability"].get<double>(), 0.5);

  const RunResult replay = Ctl({"replay", "--model", model, "--no-rules", "--cases", cases_});
  EXPECT_EQ(replay.exit_code, 0) << replay.stdout_text << replay.stderr_text;
  EXPECT_NE(replay.stdout_text.find("2 cases, 0 flips"), std::string::npos) << replay.stdout_text;
}

TEST_F(TrainCliTest, TrainPairsALinearModelWithFastTextUnlessToldNot) {
  const std::string paired = dir_.File("paired.spgm");
  const RunResult with_linear = Ctl({"train", "--model", paired, "--no-search", corpus_});
  ASSERT_EQ(with_linear.exit_code, 0) << with_linear.stderr_text;
  EXPECT_NE(with_linear.stdout_text.find("linear model: c="), std::string::npos)
      << with_linear.stdout_text;
  EXPECT_EQ(testing::ModelFormatVersion(ReadFile(paired)), 2u);

  const std::string alone = dir_.File("alone.spgm");
  const RunResult without = Ctl({"train", "--model", alone, "--no-search", "--no-linear", corpus_});
  ASSERT_EQ(without.exit_code, 0) << without.stderr_text;
  EXPECT_NE(without.stdout_text.find("linear model: off"), std::string::npos)
      << without.stdout_text;
  EXPECT_EQ(testing::ModelFormatVersion(ReadFile(alone)), 1u);
  const auto linear = nlohmann::json::parse(std::ifstream(alone + ".metrics.json"))["linear"];
  EXPECT_EQ(linear["parameters"], "off") << linear.dump();
  EXPECT_EQ(linear["features"], 0) << linear.dump();

  // Both score; the paired one differently.
  const RunResult paired_check =
      Ctl({"check", "--model", paired, "--no-rules", "--json", "buy cheap followers now"});
  const RunResult alone_check =
      Ctl({"check", "--model", alone, "--no-rules", "--json", "buy cheap followers now"});
  ASSERT_EQ(paired_check.exit_code, 0) << paired_check.stderr_text;
  ASSERT_EQ(alone_check.exit_code, 0) << alone_check.stderr_text;
  EXPECT_NE(nlohmann::json::parse(paired_check.stdout_text)["spam_probability"],
            nlohmann::json::parse(alone_check.stdout_text)["spam_probability"]);
}

TEST_F(TrainCliTest, EvalPrintsFiguresThatNeedTheMissingClassAsNotApplicable) {
  const std::string model = dir_.File("model.spgm");
  ASSERT_EQ(Ctl({"train", "--model", model, "--no-search", corpus_}).exit_code, 0);
  const std::string ham_only = dir_.File("ham-only.tsv");
  {
    std::ofstream out(ham_only);
    out << "label\ttext\n";
    for (const auto& [label, text] : testing::SyntheticCorpusRows()) {
      if (label == "ham") out << label << '\t' << text << '\n';
    }
  }
  const RunResult json_eval = Ctl({"eval", "--model", model, "--json", ham_only});
  ASSERT_EQ(json_eval.exit_code, 0) << json_eval.stderr_text;
  const auto figures = nlohmann::json::parse(json_eval.stdout_text);
  for (const char* key : {"precision", "recall", "f1", "mcc", "roc_auc"}) {
    EXPECT_TRUE(figures[key].is_null()) << key << ": " << figures[key];
  }
  EXPECT_TRUE(figures["ham_false_positive_rate"].is_number());
  EXPECT_TRUE(figures["accuracy"].is_number());

  const RunResult text_eval = Ctl({"eval", "--model", model, ham_only});
  ASSERT_EQ(text_eval.exit_code, 0) << text_eval.stderr_text;
  for (const char* line :
       {"precision  n/a", "recall     n/a", "F1         n/a", "MCC        n/a", "ROC-AUC    n/a"}) {
    EXPECT_NE(text_eval.stdout_text.find(line), std::string::npos) << line << "\n"
                                                                   << text_eval.stdout_text;
  }
  EXPECT_EQ(text_eval.stdout_text.find("ham FPR    n/a"), std::string::npos);
}

// A synthetic data/ tree for eval-protocol: the small corpus spread over the five videos,
// and two distinct comments in each of the other three corpora.
struct ProtocolData {
  std::map<std::string, int> spam_per_video, ham_per_video, ham_with_article;
  int youtube_examples = 0;
  int other_examples = 0;
};
ProtocolData WriteProtocolData(const fs::path& data) {
  for (const char* corpus : {"youtube-spam", "sms-spam", "tg-spam", "smokedetector-titles"}) {
    fs::create_directories(data / corpus);
  }
  const std::vector<std::string> videos = {"psy", "katyperry", "lmfao", "eminem", "shakira"};
  ProtocolData counts;
  std::ofstream youtube(data / "youtube-spam/youtube-spam.tsv");
  youtube << "label\ttext\tsource\n";
  const auto rows = testing::SyntheticCorpusRows();
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string& video = videos[i % videos.size()];
    const auto& [label, text] = rows[i];
    youtube << label << '\t' << text << "\tyoutube-" << video << '\n';
    ++(label == "spam" ? counts.spam_per_video : counts.ham_per_video)[video];
    if (label == "ham" && text.find("article") != std::string::npos) {
      ++counts.ham_with_article[video];
    }
    ++counts.youtube_examples;
  }
  for (const char* corpus : {"sms-spam", "tg-spam", "smokedetector-titles"}) {
    std::ofstream other(data / corpus / (std::string(corpus) + ".tsv"));
    other << "label\ttext\tsource\n"
          << "ham\tSee you at lunch tomorrow at the usual place in " << corpus << "\tother\n"
          << "spam\tWIN a free cruise in " << corpus << ", text WIN to 80082 now\tother\n";
    counts.other_examples += 2;
  }
  return counts;
}

// eval-protocol --only lovo --json with `options` added: its output, or an empty object (and a
// test failure) when the run fails.
nlohmann::json LovoProtocolJson(const std::string& model, const fs::path& data,
                                const std::vector<std::string>& options) {
  std::vector<std::string> args = {"eval-protocol", "--model", model,  "--data",
                                   data.string(),   "--only",  "lovo", "--json"};
  args.insert(args.end(), options.begin(), options.end());
  const RunResult run = Ctl(args);
  EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
  if (run.exit_code != 0) return nlohmann::json::object();
  return nlohmann::json::parse(run.stdout_text);
}

// "psy" for the split named "lovo/psy".
std::string VideoOf(const nlohmann::json& split) {
  return split["name"].get<std::string>().substr(std::string("lovo/").size());
}

size_t LineCount(const fs::path& path) {
  std::ifstream in(path);
  size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

// eval-protocol's leave-one-video-out: one split per video, each tested on exactly that
// video's comments; --rules scores the same test splits through the rule pack as well, and a
// rule that fires only on ham shows up as false positives there; --youtube-only leaves the
// other corpora out of the training splits.
TEST_F(TrainCliTest, EvalProtocolLeavesEachVideoOutScoresWithRulesAndCanTrainOnYoutubeOnly) {
  const std::string model = dir_.File("model.spgm");
  const RunResult trained = Ctl({"train", "--model", model, "--no-search", corpus_});
  ASSERT_EQ(trained.exit_code, 0) << trained.stderr_text;
  const fs::path data = dir_.File("data");
  ProtocolData counts = WriteProtocolData(data);
  const std::string pack = dir_.File("rules.yaml");
  std::ofstream(pack) << "version: 1\nrules:\n"
                      << "  - id: article-word\n"
                      << "    description: Says 'article' (a rule that only hits ham here).\n"
                      << "    kind: regex\n"
                      << "    patterns: ['article']\n"
                      << "    score: 9\n";

  const nlohmann::json out = LovoProtocolJson(model, data, {"--rules", pack});
  ASSERT_EQ(out["splits"].size(), 5u) << out;
  for (const auto& split : out["splits"]) {
    const std::string video = VideoOf(split);
    const auto& model_only = split["confusion"];
    EXPECT_EQ(model_only["true_positives"].get<int>() + model_only["false_negatives"].get<int>(),
              counts.spam_per_video[video])
        << video;
    EXPECT_EQ(model_only["false_positives"].get<int>() + model_only["true_negatives"].get<int>(),
              counts.ham_per_video[video])
        << video;
    ASSERT_TRUE(split.contains("with_rules")) << video;
    // +9 log-odds puts every ham that says "article" over the threshold, whatever the model.
    EXPECT_GE(split["with_rules"]["confusion"]["false_positives"].get<int>(),
              counts.ham_with_article[video])
        << video;
  }
  EXPECT_TRUE(out.contains("lovo_mean"));
  EXPECT_TRUE(out.contains("lovo_mean_with_rules"));
  EXPECT_GT(out["lovo_mean_with_rules"]["ham_false_positive_rate"].get<double>(),
            out["lovo_mean"]["ham_false_positive_rate"].get<double>());

  // The training splits as written by --dump-splits, with and without the other corpora.
  for (const bool youtube_only : {false, true}) {
    const std::string splits = dir_.File(youtube_only ? "splits-youtube" : "splits-all");
    std::vector<std::string> args = {"eval-protocol", "--model",       model,
                                     "--data",        data.string(),   "--only",
                                     "lovo",          "--dump-splits", splits};
    if (youtube_only) args.push_back("--youtube-only");
    const RunResult dumped = Ctl(args);
    ASSERT_EQ(dumped.exit_code, 0) << dumped.stderr_text;
    for (const auto& [video, spam] : counts.spam_per_video) {
      const int held_out = spam + counts.ham_per_video[video];
      const size_t expected = static_cast<size_t>(counts.youtube_examples - held_out +
                                                  (youtube_only ? 0 : counts.other_examples));
      EXPECT_EQ(LineCount(fs::path(splits) / "lovo" / (video + ".train.txt")), expected)
          << video << (youtube_only ? " (--youtube-only)" : "");
      EXPECT_EQ(LineCount(fs::path(splits) / "lovo" / (video + ".test.txt")),
                static_cast<size_t>(held_out))
          << video;
    }
  }
}

// eval-protocol --scores-out: every test comment of every split, each with the probability
// and the verdict that make up the split's confusion matrix.
TEST_F(TrainCliTest, EvalProtocolScoresOutWritesEveryTestCommentWithItsProbability) {
  const std::string model = dir_.File("model.spgm");
  ASSERT_EQ(Ctl({"train", "--model", model, "--no-search", corpus_}).exit_code, 0);
  const fs::path data = dir_.File("data");
  ProtocolData counts = WriteProtocolData(data);
  const fs::path scores = dir_.File("scores");
  const nlohmann::json out = LovoProtocolJson(model, data, {"--scores-out", scores.string()});
  ASSERT_EQ(out["splits"].size(), 5u) << out;
  for (const auto& split : out["splits"]) {
    const std::string video = VideoOf(split);
    const auto& model_only = split["confusion"];
    const std::vector<std::string> rows = Lines(scores / "lovo" / (video + ".tsv"));
    ASSERT_EQ(rows.size(), 1u + counts.spam_per_video[video] + counts.ham_per_video[video])
        << video;
    EXPECT_EQ(rows[0], "label\tspam_probability\tpredicted\tsource\ttext");
    int spam_rows = 0, predicted_spam = 0;
    for (size_t i = 1; i < rows.size(); ++i) {
      std::vector<std::string> fields;
      std::stringstream row(rows[i]);
      for (std::string field; std::getline(row, field, '\t');) fields.push_back(field);
      ASSERT_EQ(fields.size(), 5u) << rows[i];
      const double probability = std::stod(fields[1]);
      EXPECT_TRUE(probability >= 0 && probability <= 1) << rows[i];
      spam_rows += fields[0] == "spam";
      predicted_spam += fields[2] == "spam";
      EXPECT_EQ(fields[3], "youtube-" + video);
      EXPECT_FALSE(fields[4].empty()) << rows[i];  // the comment
    }
    EXPECT_EQ(spam_rows, counts.spam_per_video[video]) << video;
    EXPECT_EQ(predicted_spam,
              model_only["true_positives"].get<int>() + model_only["false_positives"].get<int>())
        << video;
  }
}

TEST_F(TrainCliTest, ReplayFailsAndPrintsEveryFlip) {
  const std::string model = dir_.File("model.spgm");
  ASSERT_EQ(Ctl({"train", "--model", model, "--no-search", corpus_}).exit_code, 0);
  const std::string wrong = dir_.File("wrong.jsonl");
  std::ofstream(wrong)
      << R"({"name":"ham-expected-spam","content":"Great article, thanks for writing it, well done as always.","label":"ham","expect":["spam"]})"
      << "\n";
  const RunResult replay = Ctl({"replay", "--model", model, "--no-rules", "--cases", wrong});
  EXPECT_NE(replay.exit_code, 0);
  EXPECT_NE(replay.stdout_text.find("FLIP ham-expected-spam: expected spam, got ham"),
            std::string::npos)
      << replay.stdout_text;
  EXPECT_NE(replay.stdout_text.find("model"), std::string::npos);  // the model reason
}

TEST_F(TrainCliTest, RetrainRefusesACandidateTrainedOnLabelFlippedFeedback) {
  const std::string first = TrainFirstVersion();
  // Feedback that reports every corpus text with the wrong label.
  const std::string feedback = dir_.File("flipped.jsonl");
  {
    std::ofstream out(feedback);
    for (const auto& [label, text] : testing::SyntheticCorpusRows()) {
      out << nlohmann::json{{"content", text}, {"label", label == "spam" ? "ham" : "spam"}}.dump()
          << "\n";
    }
  }
  const RunResult retrain =
      Ctl({"retrain", "--model", store(), "--data-dir", dir_.File("var"), "--base", corpus_,
           "--feedback", feedback, "--cases", cases_, "--no-rules"});
  EXPECT_NE(retrain.exit_code, 0) << retrain.stdout_text;
  EXPECT_NE(retrain.stderr_text.find("candidate refused"), std::string::npos)
      << retrain.stderr_text;
  EXPECT_NE(retrain.stdout_text.find("candidate"), std::string::npos);  // the comparison table
  EXPECT_NE(retrain.stdout_text.find("current"), std::string::npos);
  EXPECT_EQ(fs::read_symlink(fs::path(store()) / "current").string(), first);
  size_t versions = 0;
  for (const auto& entry : fs::directory_iterator(store())) {
    versions += entry.is_directory() && !entry.is_symlink() ? 1 : 0;
  }
  EXPECT_EQ(versions, 1u);  // nothing published, no staging left behind

  // --force publishes anyway and says so.
  const RunResult forced =
      Ctl({"retrain", "--model", store(), "--data-dir", dir_.File("var"), "--base", corpus_,
           "--feedback", feedback, "--cases", cases_, "--no-rules", "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.stderr_text;
  EXPECT_NE(forced.stderr_text.find("--force"), std::string::npos);
  const std::string second = fs::read_symlink(fs::path(store()) / "current").string();
  EXPECT_NE(second, first);
  const auto manifest = nlohmann::json::parse(ReadFile(store() + "/" + second + "/manifest.json"));
  EXPECT_TRUE(manifest["forced"].get<bool>());
  EXPECT_EQ(manifest["previous_version"], first);
}

TEST_F(TrainCliTest, RetrainWithAgreeingFeedbackPublishesAndRollbackRestores) {
  const std::string first = TrainFirstVersion();
  const std::string feedback = dir_.File("agreeing.jsonl");
  std::ofstream(feedback) << nlohmann::json{{"content",
                                             "Cheap watches, whatsapp me now +1 555 0100"},
                                            {"label", "spam"}}
                                 .dump()
                          << "\n";
  const RunResult retrain =
      Ctl({"retrain", "--model", store(), "--data-dir", dir_.File("var"), "--base", corpus_,
           "--feedback", feedback, "--cases", cases_, "--no-rules"});
  ASSERT_EQ(retrain.exit_code, 0) << retrain.stdout_text << retrain.stderr_text;
  const std::string second = fs::read_symlink(fs::path(store()) / "current").string();
  ASSERT_NE(second, first);
  const auto manifest = nlohmann::json::parse(ReadFile(store() + "/" + second + "/manifest.json"));
  EXPECT_EQ(manifest["model"]["path"], "model.spgm");
  EXPECT_DOUBLE_EQ(manifest["held_back_fraction"].get<double>(), 0.2);  // the current model's

  const RunResult list = Ctl({"models", "list", "--model", store()});
  ASSERT_EQ(list.exit_code, 0) << list.stderr_text;
  EXPECT_NE(list.stdout_text.find(first), std::string::npos);
  EXPECT_NE(list.stdout_text.find("*  " + second), std::string::npos) << list.stdout_text;

  const RunResult rollback = Ctl({"models", "rollback", first, "--model", store()});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.stderr_text;
  EXPECT_EQ(fs::read_symlink(fs::path(store()) / "current").string(), first);

  const RunResult bad = Ctl({"models", "rollback", "no-such-version", "--model", store()});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ(std::count(bad.stderr_text.begin(), bad.stderr_text.end(), '\n'), 1);
  EXPECT_EQ(fs::read_symlink(fs::path(store()) / "current").string(), first);
}

TEST_F(TrainCliTest, ErrorsAreOneLineAndNonZero) {
  const RunResult missing = Ctl({"train", "--model", dir_.File("m.spgm"), dir_.File("absent.tsv")});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_EQ(missing.stderr_text.rfind("spamguardctl train: ", 0), 0u) << missing.stderr_text;
  EXPECT_EQ(std::count(missing.stderr_text.begin(), missing.stderr_text.end(), '\n'), 1);

  const RunResult eval = Ctl({"eval", "--model", dir_.File("nothing"), corpus_});
  EXPECT_NE(eval.exit_code, 0);
  EXPECT_EQ(eval.stderr_text.rfind("spamguardctl eval: ", 0), 0u) << eval.stderr_text;

  const RunResult subsample =
      Ctl({"train", "--model", dir_.File("m.spgm"), "--subsample", "x", corpus_});
  EXPECT_NE(subsample.exit_code, 0);
  EXPECT_NE(subsample.stderr_text.find("SOURCE=N"), std::string::npos) << subsample.stderr_text;
}

// Every name in `directory`, for "nothing was left behind" checks.
std::vector<std::string> Names(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// One line on stderr, "spamguardctl <command>: ...", containing `words`; exit code 1 (not a
// crash).
void ExpectRefused(const RunResult& run, const std::string& command, const std::string& words) {
  EXPECT_EQ(run.exit_code, 1) << run.stderr_text;
  EXPECT_EQ(run.stderr_text.rfind("spamguardctl " + command + ": ", 0), 0u) << run.stderr_text;
  EXPECT_EQ(std::count(run.stderr_text.begin(), run.stderr_text.end(), '\n'), 1) << run.stderr_text;
  EXPECT_NE(run.stderr_text.find(words), std::string::npos) << run.stderr_text;
}

TEST_F(TrainCliTest, EvalWithoutDataFilesRunsTheEvaluationProtocol) {
  const std::string model = dir_.File("model.spgm");
  ASSERT_EQ(Ctl({"train", "--model", model, "--no-search", corpus_}).exit_code, 0);
  // The protocol's own error: it looks for its corpora under --data.
  ExpectRefused(Ctl({"eval", "--model", model, "--data", dir_.File("no-data")}), "eval",
                "no-data/sms-spam/sms-spam.tsv");
  const fs::path data = dir_.File("data");
  WriteProtocolData(data);
  const std::string splits = dir_.File("splits");
  const RunResult dumped = Ctl({"eval", "--model", model, "--data", data.string(), "--only", "lovo",
                                "--dump-splits", splits});
  ASSERT_EQ(dumped.exit_code, 0) << dumped.stderr_text;
  EXPECT_NE(dumped.stdout_text.find("wrote 5 splits"), std::string::npos) << dumped.stdout_text;
  EXPECT_TRUE(fs::is_regular_file(fs::path(splits) / "lovo" / "psy.test.txt"));
  // eval-protocol, which scripts call, is the same command.
  const std::string alias_splits = dir_.File("alias-splits");
  const RunResult alias = Ctl({"eval-protocol", "--model", model, "--data", data.string(), "--only",
                               "lovo", "--dump-splits", alias_splits});
  ASSERT_EQ(alias.exit_code, 0) << alias.stderr_text;
  EXPECT_EQ(ReadFile(alias_splits + "/lovo/psy.train.txt"),
            ReadFile(splits + "/lovo/psy.train.txt"));
}

// A synthetic data/ tree for the TubeSpam split: ten spam and ten ham comments per video,
// one a day, written newest first (as LMFAO's file is). Psy's spam of day 8 (a test comment)
// repeats its spam of day 1 (a training one); Katy Perry's oldest ham copies Psy's newest ham,
// and one SMS spam Psy's newest spam.
std::string TubeSpamText(const std::string& video, bool spam, int index) {
  static const char* const kWords[] = {"alpha",   "bravo", "charlie", "delta", "echo",
                                       "foxtrot", "golf",  "hotel",   "india", "juliett"};
  if (video == "psy" && spam && index == 8) return TubeSpamText(video, spam, 1);
  if (video == "katyperry" && !spam && index == 0) return TubeSpamText("psy", false, 9);
  return (spam ? "subscribe to my channel " : "what a lovely song ") + video + " " + kWords[index];
}
void WriteTubeSpamData(const fs::path& data) {
  const std::map<std::string, std::string> files = {{"psy", "Youtube01-Psy.csv"},
                                                    {"katyperry", "Youtube02-KatyPerry.csv"},
                                                    {"lmfao", "Youtube03-LMFAO.csv"},
                                                    {"eminem", "Youtube04-Eminem.csv"},
                                                    {"shakira", "Youtube05-Shakira.csv"}};
  fs::create_directories(data / "youtube-spam/original");
  std::ofstream strict(data / "youtube-spam/youtube-spam.strict-csv.tsv");
  strict << "label\ttext\tsource\n";
  for (const auto& [video, file] : files) {
    std::ofstream csv(data / "youtube-spam/original" / file);
    csv << "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n";
    for (int day = 9; day >= 0; --day) {
      for (const bool spam : {true, false}) {
        const std::string text = TubeSpamText(video, spam, day);
        csv << video << day << spam << ",someone,2014-01-1" << day << "T10:00:00,\"" << text
            << "\"," << (spam ? 1 : 0) << "\n";
        strict << (spam ? "spam" : "ham") << '\t' << text << "\tyoutube-" << video << '\n';
      }
    }
  }
  for (const char* corpus : {"sms-spam", "tg-spam", "smokedetector-titles"}) {
    fs::create_directories(data / corpus);
    std::ofstream other(data / corpus / (std::string(corpus) + ".tsv"));
    other << "label\ttext\tsource\n"
          << "ham\tSee you at lunch tomorrow at the usual place in " << corpus << "\tother\n";
    if (std::string(corpus) == "sms-spam") {
      other << "spam\t" << TubeSpamText("psy", true, 9) << "\tsms\n";
    }
  }
}

// eval's TubeSpam split, read from --dump-splits: per video and class the newest 30% by DATE
// is the test set; training is the video's oldest 70% as it is (a text the video repeats
// later stays), plus the other videos and corpora without any text of the test set; each
// line's corpus is written beside it.
TEST_F(TrainCliTest, TubeSpamSplitTestsTheNewestThirtyPercentAndKeepsTheVideosOwnHistory) {
  const std::string model = dir_.File("model.spgm");
  ASSERT_EQ(Ctl({"train", "--model", model, "--no-search", corpus_}).exit_code, 0);
  const fs::path data = dir_.File("data");
  WriteTubeSpamData(data);
  const fs::path splits = dir_.File("splits");
  const RunResult dumped = Ctl({"eval", "--model", model, "--data", data.string(), "--only",
                                "tubespam", "--dump-splits", splits.string()});
  ASSERT_EQ(dumped.exit_code, 0) << dumped.stderr_text;

  const std::vector<std::string> test = Lines(splits / "tubespam/psy.test.txt");
  const std::vector<std::string> test_sources = Lines(splits / "tubespam/psy.test.source");
  ASSERT_EQ(test.size(), 6u);  // days 7, 8, 9 of each class
  EXPECT_EQ(test_sources, std::vector<std::string>(6, "youtube-psy"));
  // The test line (label and model input) that carries `text`, or "" when none does.
  const auto line_of = [&test](const std::string& text) {
    for (const std::string& line : test) {
      if (line.find(text) != std::string::npos) return line;
    }
    return std::string();
  };
  for (const bool spam : {true, false}) {
    for (int day = 0; day < 10; ++day) {
      if (spam && (day == 1 || day == 8)) continue;  // one text, checked below
      EXPECT_EQ(!line_of(TubeSpamText("psy", spam, day)).empty(), day >= 7)
          << (spam ? "spam" : "ham") << " of day " << day;
    }
  }

  const std::vector<std::string> train = Lines(splits / "tubespam/psy.train.txt");
  const std::vector<std::string> train_sources = Lines(splits / "tubespam/psy.train.source");
  ASSERT_EQ(train.size(), train_sources.size());
  EXPECT_EQ(std::count(train_sources.begin(), train_sources.end(), "youtube-psy"), 14);
  EXPECT_EQ(std::count(train_sources.begin(), train_sources.end(), "youtube-katyperry"), 19);
  EXPECT_EQ(std::count(train_sources.begin(), train_sources.end(), "sms"), 0);
  const auto count_in_train = [&train](const std::string& line) {
    return std::count(train.begin(), train.end(), line);
  };
  // Psy's own repeated spam trains; the copies from elsewhere of its test comments do not.
  ASSERT_FALSE(line_of(TubeSpamText("psy", true, 8)).empty());
  EXPECT_EQ(count_in_train(line_of(TubeSpamText("psy", true, 8))), 1);
  for (const bool spam : {false, true}) {
    const std::string copied = line_of(TubeSpamText("psy", spam, 9));
    ASSERT_FALSE(copied.empty());
    EXPECT_EQ(count_in_train(copied), 0) << copied;
  }
}

TEST_F(TrainCliTest, EvalRefusesProtocolOptionsWithDataFilesAndDataOptionsWithout) {
  // Refused before the model is loaded, so no model is needed.
  const std::string model = dir_.File("no-model");
  const std::vector<std::vector<std::string>> protocol_options = {
      {"--only", "lovo"},
      {"--jobs", "1"},
      {"--data", dir_.path()},
      {"--rules", "x.yaml"},
      {"--youtube-only"},
      {"--dump-splits", dir_.File("s")},
      {"--scores-out", dir_.File("scores")}};
  for (const std::vector<std::string>& option : protocol_options) {
    std::vector<std::string> args = {"eval", "--model", model, corpus_};
    args.insert(args.end(), option.begin(), option.end());
    ExpectRefused(Ctl(args), "eval",
                  option[0] + " is an option of the evaluation protocol (eval without DATA files)");
  }
  ExpectRefused(Ctl({"eval", "--model", model, "--threshold", "0.5"}), "eval",
                "--threshold needs DATA files");
  ExpectRefused(Ctl({"eval", "--model", model, "--held-back"}), "eval",
                "--held-back needs DATA files");
}

TEST_F(TrainCliTest, TrainRefusesToWriteTheModelOverItsInput) {
  const std::string before = ReadFile(corpus_);
  ExpectRefused(Ctl({"train", "--no-search", "--model", corpus_, corpus_}), "train",
                "is the input file");
  // The same file under another name.
  fs::create_symlink(corpus_, dir_.File("alias.tsv"));
  ExpectRefused(Ctl({"train", "--no-search", "--model", dir_.File("alias.tsv"), corpus_}), "train",
                "is the input file");
  ExpectRefused(Ctl({"train", "--no-search", "--model", dir_.File("m.spgm"), "--metrics-out",
                     corpus_, corpus_}),
                "train", "is the input file");
  EXPECT_EQ(ReadFile(corpus_), before);
}

TEST_F(TrainCliTest, TrainRefusesAFileThatIsNotAModelButReplacesAModel) {
  const std::string notes = dir_.File("notes.txt");
  std::ofstream(notes) << "my notes, not a model\n";
  ExpectRefused(Ctl({"train", "--no-search", "--model", notes, corpus_}), "train",
                "is not a Spamguard model");
  EXPECT_EQ(ReadFile(notes), "my notes, not a model\n");

  const std::string model = dir_.File("model.spgm");
  ASSERT_EQ(Ctl({"train", "--no-search", "--model", model, corpus_}).exit_code, 0);
  const RunResult again = Ctl({"train", "--no-search", "--model", model, corpus_});
  EXPECT_EQ(again.exit_code, 0) << again.stderr_text;
}

TEST_F(TrainCliTest, TrainRefusesADirectoryBeforeTrainingAndLeavesNoTemporary) {
  const std::string directory = dir_.File("a-directory");
  fs::create_directories(directory);
  const RunResult run = Ctl({"train", "--no-search", "--model", directory, corpus_});
  ExpectRefused(run, "train", "is a directory");
  EXPECT_EQ(run.stderr_text.find("loaded"), std::string::npos);  // refused before loading
  EXPECT_EQ(Names(dir_.path()),
            (std::vector<std::string>{"a-directory", "cases.jsonl", "corpus.tsv"}));
}

TEST_F(TrainCliTest, TrainRefusesToWriteIntoAPublishedVersion) {
  const std::string version = TrainFirstVersion();
  const fs::path served = fs::path(store()) / version / "model.spgm";
  const std::string before = ReadFile(served.string());
  for (const fs::path& target : {fs::path(store()) / "current" / "model.spgm", served,
                                 fs::path(store()) / version / "other.spgm"}) {
    ExpectRefused(Ctl({"train", "--no-search", "--model", target.string(), corpus_}), "train",
                  "published version");
  }
  ExpectRefused(Ctl({"train", "--no-search", "--model", store(), "--publish", "--metrics-out",
                     (fs::path(store()) / "current" / "metrics.json").string(), corpus_}),
                "train", "published version");
  EXPECT_EQ(ReadFile(served.string()), before);
  EXPECT_EQ(Names(fs::path(store()) / version),
            (std::vector<std::string>{"manifest.json", "metrics.json", "model.spgm"}));
  // The store is still what `models list` shows: one version, current.
  const RunResult eval = Ctl({"eval", "--model", store(), corpus_});
  EXPECT_EQ(eval.exit_code, 0) << eval.stderr_text;
}

TEST_F(TrainCliTest, PublishWithAnUnwritableMetricsOutPublishesNothing) {
  const std::string version = TrainFirstVersion();
  const std::vector<std::string> before = Names(store());
  ExpectRefused(Ctl({"train", "--no-search", "--model", store(), "--publish", "--metrics-out",
                     dir_.File("nonexistent/m.json"), corpus_}),
                "train", "m.json");
  EXPECT_EQ(fs::read_symlink(fs::path(store()) / "current").string(), version);
  EXPECT_EQ(Names(store()), before);  // no new version, no staging directory
}

TEST_F(TrainCliTest, AnUnusableTmpdirIsAOneLineErrorNotACrash) {
  const std::string file = dir_.File("a-file");
  std::ofstream(file) << "x";
  for (const std::string& tmpdir : {dir_.File("nonexistent"), file}) {
    // Through env(1): the test harness itself needs a working TMPDIR.
    const RunResult run =
        RunProcess("/usr/bin/env", {"TMPDIR=" + tmpdir, SPAMGUARDCTL_BIN, "train", "--no-search",
                                    "--model", dir_.File("m.spgm"), corpus_});
    EXPECT_EQ(run.exit_code, 1) << run.stderr_text;
    // After the progress lines, the one error line.
    const std::string last =
        run.stderr_text.substr(run.stderr_text.rfind('\n', run.stderr_text.size() - 2) + 1);
    EXPECT_EQ(last.rfind("spamguardctl train: ", 0), 0u) << run.stderr_text;
    EXPECT_NE(last.find(tmpdir), std::string::npos) << run.stderr_text;
  }
  EXPECT_FALSE(fs::exists(dir_.File("m.spgm")));
}

TEST_F(TrainCliTest, ModelsRefuseAStoreThatIsAFileAsNotADirectory) {
  ExpectRefused(Ctl({"models", "list", "--model", corpus_}), "models list",
                corpus_ + " is not a directory (a model store)");
  ExpectRefused(Ctl({"models", "rollback", "20260101-000000-00000000", "--model", corpus_}),
                "models rollback", corpus_ + " is not a directory (a model store)");
}

TEST_F(TrainCliTest, ModelsListAndRollbackIgnoreStagingDirectories) {
  const std::string version = TrainFirstVersion();
  // What a killed `train --publish` leaves behind: a complete model in a staging directory.
  fs::copy(fs::path(store()) / version, fs::path(store()) / ".staging-Ab3dE6gH9jK1");
  const RunResult list = Ctl({"models", "list", "--model", store()});
  ASSERT_EQ(list.exit_code, 0) << list.stderr_text;
  EXPECT_EQ(list.stdout_text.find(".staging"), std::string::npos) << list.stdout_text;
  ExpectRefused(Ctl({"models", "rollback", ".staging-Ab3dE6gH9jK1", "--model", store()}),
                "models rollback", "not a model version name");
  EXPECT_EQ(fs::read_symlink(fs::path(store()) / "current").string(), version);
}

// A model file whose metadata was rewritten with `edit` and a matching metadata checksum (the
// format of model/spam_model.h): what a buggy or hostile tool could produce.
std::string CraftModel(const std::string& model, const std::string& path,
                       const std::function<void(nlohmann::json&)>& edit) {
  std::ofstream(path, std::ios::binary)
      << testing::EditModelMetadata(ReadFile(model), edit, /*reseal=*/true);
  return path;
}

TEST_F(TrainCliTest, EvalRefusesAModelWithMistypedParameters) {
  const std::string model = dir_.File("model.spgm");
  ASSERT_EQ(Ctl({"train", "--no-search", "--model", model, corpus_}).exit_code, 0);
  const std::string threshold = CraftModel(model, dir_.File("threshold.spgm"), [](auto& j) {
    j["parameters"]["decision_threshold"] = "high";
  });
  ExpectRefused(Ctl({"eval", "--model", threshold, corpus_}), "eval",
                "parameters.decision_threshold");
  const std::string dim = CraftModel(model, dir_.File("dim.spgm"),
                                     [](auto& j) { j["parameters"]["fasttext"]["dim"] = "32"; });
  ExpectRefused(Ctl({"eval", "--model", dim, corpus_}), "eval", "parameters.fasttext.dim");
  // The untouched metadata rewritten the same way still evaluates.
  const std::string same = CraftModel(model, dir_.File("same.spgm"), [](auto&) {});
  const RunResult eval = Ctl({"eval", "--model", same, corpus_});
  EXPECT_EQ(eval.exit_code, 0) << eval.stderr_text;
}

// Refused by an option's validator or by the command: a non-zero exit that is not a crash,
// and a message naming the option.
void ExpectRefusedOption(const RunResult& run, const std::string& option) {
  EXPECT_NE(run.exit_code, 0) << run.stdout_text;
  EXPECT_LT(run.exit_code, 128) << "killed by a signal: " << run.stderr_text;
  EXPECT_NE(run.stderr_text.find(option), std::string::npos) << run.stderr_text;
}

// The examples a train run held back, from its metrics file.
int HeldBackCount(const std::string& metrics_path) {
  const auto metrics = nlohmann::json::parse(ReadFile(metrics_path));
  const auto& total = metrics["data"]["held_back"]["total"];
  return total["spam"].get<int>() + total["ham"].get<int>();
}

TEST_F(TrainCliTest, EvalHeldBackUsesTheFractionTheModelWasTrainedWith) {
  const std::string model = dir_.File("share.spgm");
  ASSERT_EQ(Ctl({"train", "--no-search", "--held-back-fraction", "0.3", "--model", model, corpus_})
                .exit_code,
            0);
  const RunResult eval = Ctl({"eval", "--model", model, "--held-back", "--json", corpus_});
  ASSERT_EQ(eval.exit_code, 0) << eval.stderr_text;
  const auto figures = nlohmann::json::parse(eval.stdout_text);
  EXPECT_DOUBLE_EQ(figures["held_back_fraction"].get<double>(), 0.3);
  EXPECT_EQ(figures["examples"].get<int>(), HeldBackCount(model + ".metrics.json"));
  EXPECT_EQ(eval.stderr_text, "");
}

TEST_F(TrainCliTest, EvalHeldBackRefusesAModelTrainedOnAllItsData) {
  const std::string model = dir_.File("all.spgm");
  ASSERT_EQ(Ctl({"train", "--no-search", "--held-back-fraction", "0", "--model", model, corpus_})
                .exit_code,
            0);
  ExpectRefused(Ctl({"eval", "--model", model, "--held-back", corpus_}), "eval",
                "--held-back-fraction 0");
  // The protocol's held-back part refuses it before training any split.
  const fs::path data = dir_.File("data");
  WriteProtocolData(data);
  const RunResult protocol = Ctl({"eval", "--model", model, "--data", data.string()});
  ExpectRefused(protocol, "eval", "--held-back-fraction 0");
}

TEST_F(TrainCliTest, EvalHeldBackAssumesTheOldDefaultForAModelThatRecordsNoFraction) {
  const std::string model = dir_.File("model.spgm");
  ASSERT_EQ(Ctl({"train", "--no-search", "--model", model, corpus_}).exit_code, 0);
  const std::string old = CraftModel(model, dir_.File("old.spgm"),
                                     [](auto& j) { j["parameters"].erase("held_back_fraction"); });
  const RunResult eval = Ctl({"eval", "--model", old, "--held-back", "--json", corpus_});
  ASSERT_EQ(eval.exit_code, 0) << eval.stderr_text;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(eval.stdout_text)["held_back_fraction"].get<double>(),
                   0.2);
  EXPECT_EQ(nlohmann::json::parse(eval.stdout_text)["examples"].get<int>(),
            HeldBackCount(model + ".metrics.json"));
  EXPECT_NE(eval.stderr_text.find("records no held-back fraction"), std::string::npos)
      << eval.stderr_text;
}

TEST_F(TrainCliTest, EvalHeldBackSaysWhenNoExampleFallsInTheSplit) {
  const std::string model = dir_.File("model.spgm");
  ASSERT_EQ(Ctl({"train", "--no-search", "--model", model, corpus_}).exit_code, 0);
  const std::string tiny = CraftModel(model, dir_.File("tiny.spgm"), [](auto& j) {
    j["parameters"]["held_back_fraction"] = 0.0001;
  });
  ExpectRefused(Ctl({"eval", "--model", tiny, "--held-back", corpus_}), "eval",
                "none of the 72 examples fall in the model's held-back split");
}

TEST_F(TrainCliTest, RetrainRefusesWhenTheCurrentModelHasNoHeldBackSplit) {
  ASSERT_EQ(Ctl({"train", "--model", store(), "--publish", "--no-search", "--held-back-fraction",
                 "0", corpus_})
                .exit_code,
            0);
  ExpectRefused(Ctl({"retrain", "--model", store(), "--data-dir", dir_.File("var"), "--base",
                     corpus_, "--cases", cases_, "--no-rules"}),
                "retrain", "no held-back split to compare on");
}

TEST_F(TrainCliTest, FractionsAndThresholdsMustBeFiniteAndInRange) {
  const std::string model = dir_.File("model.spgm");
  for (const char* value : {"nan", "-nan", "inf", "1", "-0.1"}) {
    ExpectRefusedOption(
        Ctl({"train", "--no-search", "--held-back-fraction", value, "--model", model, corpus_}),
        "--held-back-fraction");
  }
  for (const char* value : {"nan", "inf", "0", "1"}) {
    ExpectRefusedOption(
        Ctl({"train", "--no-search", "--validation-fraction", value, "--model", model, corpus_}),
        "--validation-fraction");
  }
  for (const char* value : {"nan", "inf", "-inf", "-1", "1e9"}) {
    ExpectRefusedOption(
        Ctl({"train", "--no-search", "--search-budget", value, "--model", model, corpus_}),
        "--search-budget");
  }
  EXPECT_FALSE(fs::exists(model));
  ASSERT_EQ(Ctl({"train", "--no-search", "--model", model, corpus_}).exit_code, 0);
  for (const char* value : {"nan", "inf", "-inf", "5", "-0.5"}) {
    ExpectRefusedOption(Ctl({"eval", "--model", model, "--threshold", value, corpus_}),
                        "--threshold");
  }
  for (const char* value : {"0", "1", "0.3"}) {
    const RunResult eval = Ctl({"eval", "--model", model, "--json", "--threshold", value, corpus_});
    ASSERT_EQ(eval.exit_code, 0) << value << eval.stderr_text;
    EXPECT_DOUBLE_EQ(nlohmann::json::parse(eval.stdout_text)["threshold"].get<double>(),
                     std::stod(value));
  }
}

// The committed regression cases against the default model and rule pack (`make test`
// builds the model before running the tests).
TEST(RegressionReplayTest, DefaultModelPassesTheCommittedCases) {
  const fs::path root = SPAMGUARD_SOURCE_DIR;
  if (!fs::exists(root / "models" / "current" / "model.spgm")) {
    GTEST_SKIP() << "no default model in " << root / "models"
                 << " (run `make model`)";
  }
  const RunResult replay = Ctl({"replay", "--model", (root / "models").string(), "--cases",
                                (root / "tests/regression/cases.jsonl").string(), "--rules",
                                (root / "rules/default.yaml").string()});
  EXPECT_EQ(replay.exit_code, 0) << replay.stdout_text << replay.stderr_text;
}

}  // namespace
}  // namespace spamguard
