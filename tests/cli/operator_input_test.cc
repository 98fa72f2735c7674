// What spamguardctl does with operator input that is out of range, malformed or dangerous:
// it refuses it with a message (or reads it the documented way), and never aborts. Run as
// processes, on tiny fixtures: a synthetic corpus and a feedback store written through the
// C++ API with an injected clock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/unix_time.h"
#include "server/feedback_store.h"
#include "tests/support/synthetic_corpus.h"
#include "tests/support/test_process.h"

namespace spamguard {
namespace {

namespace fs = std::filesystem;
using ::spamguard::testing::RunProcess;
using ::spamguard::testing::RunResult;
using ::spamguard::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
const std::string kDefaultRules = std::string(SPAMGUARD_SOURCE_DIR) + "/rules/default.yaml";

RunResult Ctl(const std::vector<std::string>& args) {
  return RunProcess(SPAMGUARDCTL_BIN, args, std::chrono::seconds(300));
}

// spamguardctl with TMPDIR set (through env(1), as RunProcess keeps the environment).
RunResult CtlWithTmpdir(const std::string& tmpdir, std::vector<std::string> args) {
  args.insert(args.begin(), {"TMPDIR=" + tmpdir, SPAMGUARDCTL_BIN});
  return RunProcess("/usr/bin/env", args, std::chrono::seconds(300));
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t CountLines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// A failure is one line on stderr starting with `prefix`, and a non-zero exit (not an abort).
void ExpectOneLineError(const RunResult& result, const std::string& prefix) {
  EXPECT_NE(result.exit_code, 0) << result.stdout_text;
  EXPECT_LT(result.exit_code, 128) << "killed by a signal: " << result.stderr_text;
  EXPECT_THAT(result.stderr_text, StartsWith(prefix));
  EXPECT_EQ(CountLines(result.stderr_text), 1u) << result.stderr_text;
}

// A command-line value CLI11 refused: non-zero exit, and the option named on stderr.
void ExpectRefusedOption(const RunResult& result, const std::string& option) {
  EXPECT_NE(result.exit_code, 0) << result.stdout_text;
  EXPECT_LT(result.exit_code, 128) << "killed by a signal: " << result.stderr_text;
  EXPECT_THAT(result.stderr_text, HasSubstr(option));
}

const std::vector<std::string> kVideos = {"psy", "katyperry", "lmfao", "eminem", "shakira"};

// The synthetic corpus with its rows spread over the five YouTube videos (as their sources),
// so that the same file serves as a tiny YouTube collection.
std::string CorpusTsv() {
  std::string tsv = "label\ttext\tsource\n";
  size_t i = 0;
  for (const auto& [label, text] : testing::SyntheticCorpusRows()) {
    tsv += label + "\t" + text + "\tyoutube-" + kVideos[i++ % kVideos.size()] + "\n";
  }
  return tsv;
}

constexpr char kCases[] =
    R"({"name":"spam","content":"Get your ex love back fast, call and whatsapp now +91 9829286600","label":"spam","expect":["spam","discard","hold","ham"]})"
    "\n";

class OperatorInputTest : public ::testing::Test {
 protected:
  // One model store for the suite, trained on the tiny corpus (its settings are what
  // eval-protocol and retrain start from).
  static void SetUpTestSuite() {
    suite_dir_ = new TempDir();
    WriteFile(suite_dir_->File("corpus.tsv"), CorpusTsv());
    const RunResult trained = Ctl({"train", "--model", suite_dir_->File("models"), "--publish",
                                   "--no-search", suite_dir_->File("corpus.tsv")});
    if (trained.exit_code != 0) train_error_ = new std::string(trained.stderr_text);
  }
  static void TearDownTestSuite() {
    delete suite_dir_;
    delete train_error_;
    suite_dir_ = nullptr;
    train_error_ = nullptr;
  }

  void SetUp() override {
    ASSERT_EQ(train_error_, nullptr) << "training the suite's model failed: " << *train_error_;
    WriteFile(cases(), kCases);
  }

  static std::string model_store() { return suite_dir_->File("models"); }
  static std::string corpus() { return suite_dir_->File("corpus.tsv"); }
  std::string cases() const { return dir_.File("cases.jsonl"); }
  std::string data_dir() const { return dir_.File("var"); }

  // A feedback store under data_dir() with one report 30 days old and one an hour old.
  void WriteFeedbackStore() {
    const int64_t now_ms = UnixNowMs();
    std::atomic<int64_t> clock_ms{now_ms - 30 * kDayMs};
    server::FeedbackStoreOptions options;
    options.data_dir = data_dir();
    options.now_ms = [&clock_ms] { return clock_ms.load(); };
    Result<std::unique_ptr<server::FeedbackStore>> store = server::FeedbackStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    int n = 0;
    for (const int64_t reported_at : {now_ms - 30 * kDayMs, now_ms - 3600 * 1000}) {
      clock_ms = reported_at;
      server::FeedbackSubmission submission;
      submission.request.emplace();
      submission.request->mutable_comment()->set_content(
          "Contact me on telegram for cheap followers, offer " + std::to_string(++n));
      submission.label = server::FeedbackLabel::kSpam;
      std::promise<Result<server::FeedbackOutcome>> done;
      (*store)->Submit(std::move(submission),
                       [&done](Result<server::FeedbackOutcome> r) { done.set_value(r); });
      const Result<server::FeedbackOutcome> outcome = done.get_future().get();
      ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    }
  }

  // `feedback stats --json` total for the store, or -1 when the command failed.
  int64_t StoredTotal(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"feedback", "stats", "--data-dir", data_dir(), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const RunResult stats = Ctl(args);
    EXPECT_EQ(stats.exit_code, 0) << stats.stderr_text;
    if (stats.exit_code != 0) return -1;
    return nlohmann::json::parse(stats.stdout_text).at("total").get<int64_t>();
  }

  // A tiny data/ directory for eval-protocol: the corpus as the YouTube collection, and a
  // few rows each for the other corpora.
  std::string TinyDataDirectory() {
    const fs::path data = dir_.File("data");
    for (const char* corpus : {"youtube-spam", "sms-spam", "tg-spam", "smokedetector-titles"}) {
      fs::create_directories(data / corpus);
    }
    WriteFile((data / "youtube-spam/youtube-spam.tsv").string(), CorpusTsv());
    WriteFile((data / "sms-spam/sms-spam.tsv").string(),
              "label\ttext\nspam\tWIN a prize now, text WIN to 80086\nham\tSee you at eight\n");
    WriteFile((data / "tg-spam/tg-spam.tsv").string(),
              "label\ttext\nspam\tEarn crypto daily, join the channel\nham\tWho is coming?\n");
    WriteFile((data / "smokedetector-titles/smokedetector-titles.tsv").string(),
              "label\ttext\nspam\tBest keto pills buy now\nham\tHow do I parse JSON in C++?\n");
    return data.string();
  }

  TempDir dir_;

 private:
  static TempDir* suite_dir_;
  static std::string* train_error_;
};

TempDir* OperatorInputTest::suite_dir_ = nullptr;
std::string* OperatorInputTest::train_error_ = nullptr;

// --- feedback --since ----------------------------------------------------------------------

TEST_F(OperatorInputTest, FeedbackSinceAnAgeReachingBefore1970CountsEveryReport) {
  WriteFeedbackStore();
  // Too many digits for any integer type, and a count of days whose milliseconds overflow.
  EXPECT_EQ(StoredTotal({"--since", "99999999999999999999d"}), 2);
  EXPECT_EQ(StoredTotal({"--since", "999999999999999d"}), 2);
  EXPECT_EQ(StoredTotal({"--since", "7d"}), 1);
  EXPECT_EQ(StoredTotal({"--since", "60d"}), 2);
}

TEST_F(OperatorInputTest, FeedbackSinceRefusesTextAfterAValidPrefix) {
  WriteFeedbackStore();
  for (const std::string since : {"7x", "7dd", "2026-11-01junk", "-5d", "99999999999999999999"}) {
    const RunResult stats = Ctl({"feedback", "stats", "--data-dir", data_dir(), "--since", since});
    ExpectOneLineError(stats, "spamguardctl feedback stats: --since '" + since + "'");
  }
}

// strptime takes any day 1..31 and timegm carried 2026-02-31 over into 2026-03-03.
TEST_F(OperatorInputTest, FeedbackSinceRefusesADateOrTimeThatDoesNotExist) {
  WriteFeedbackStore();
  // 23:59:60 is a leap second strptime takes; Unix time has none, so it became the next day.
  for (const std::string since :
       {"2026-02-31", "2025-02-29", "2026-04-31", "2026-11-01T23:59:60Z"}) {
    const RunResult stats = Ctl({"feedback", "stats", "--data-dir", data_dir(), "--since", since});
    ExpectOneLineError(
        stats, "spamguardctl feedback stats: --since '" + since + "' is not a real date or time");
  }
  EXPECT_GE(StoredTotal({"--since", "2024-02-29"}), 0);  // a leap day is a real date
  EXPECT_GE(StoredTotal({"--since", "2026-12-31T23:59:59Z"}), 0);
}

// --- feedback export -o ------------------------------------------------------------------

TEST_F(OperatorInputTest, FeedbackExportRefusesToWriteOverTheStoreOrIntoTheDataDirectory) {
  WriteFeedbackStore();
  const std::string store = data_dir() + "/feedback.db";
  const std::string link = dir_.File("link-to-store.jsonl");
  fs::create_symlink(store, link);
  for (const std::string& output :
       {store, store + "-wal", store + "-shm", data_dir() + "/export.jsonl", link,
        data_dir() + "/../var/feedback.db"}) {
    const RunResult exported = Ctl({"feedback", "export", "--data-dir", data_dir(), "-o", output});
    ExpectOneLineError(exported, "spamguardctl feedback export: refusing to write " + output);
  }
  EXPECT_EQ(StoredTotal(), 2);  // the store is intact
}

TEST_F(OperatorInputTest, FeedbackExportReplacesTheOutputWholeAndLeavesNoTemporaryFile) {
  WriteFeedbackStore();
  const fs::path out_dir = dir_.File("out");
  fs::create_directories(out_dir);
  const std::string output = (out_dir / "feedback.jsonl").string();
  WriteFile(output, "an older export\n");
  const RunResult exported = Ctl({"feedback", "export", "--data-dir", data_dir(), "-o", output});
  ASSERT_EQ(exported.exit_code, 0) << exported.stderr_text;
  const std::string written = ReadFile(output);
  EXPECT_EQ(CountLines(written), 2u) << written;
  EXPECT_THAT(written, Not(HasSubstr("an older export")));
  EXPECT_EQ(std::distance(fs::directory_iterator(out_dir), fs::directory_iterator()), 1);
}

// --- retrain -------------------------------------------------------------------------------

TEST_F(OperatorInputTest, RetrainSinceRefusesTextAfterAValidPrefix) {
  for (const std::string since : {"7x", "2026-11-27junk", "12abc"}) {
    const RunResult retrain =
        Ctl({"retrain", "--model", dir_.File("store"), "--base", corpus(), "--data-dir", data_dir(),
             "--cases", cases(), "--no-rules", "--since", since});
    ExpectOneLineError(retrain, "spamguardctl retrain: ");
    EXPECT_THAT(retrain.stderr_text, HasSubstr("--since '" + since + "'"));
  }
}

TEST_F(OperatorInputTest, RetrainSinceTakesAnAgeAsTheFeedbackCommandsDo) {
  WriteFeedbackStore();
  const RunResult retrain =
      Ctl({"retrain", "--model", dir_.File("store"), "--base", corpus(), "--data-dir", data_dir(),
           "--cases", cases(), "--no-rules", "--since", "7d"});
  // Whether the gate publishes does not matter here: only which reports were read.
  EXPECT_THAT(retrain.stdout_text, HasSubstr(" 1 stored reports read"))
      << retrain.stdout_text << retrain.stderr_text;
}

TEST_F(OperatorInputTest, RetrainRefusesToleranceThatAreNotFiniteOrAreNegative) {
  for (const std::string flag :
       {"--tolerance-f1", "--tolerance-ham-fpr", "--tolerance-mcc", "--tolerance-ece"}) {
    for (const std::string value : {"nan", "inf", "-0.01", "1e300"}) {
      const RunResult retrain =
          Ctl({"retrain", "--model", dir_.File("store"), "--base", corpus(), "--data-dir",
               data_dir(), "--cases", cases(), "--no-rules", flag, value});
      ExpectRefusedOption(retrain, flag);
      EXPECT_FALSE(fs::exists(dir_.File("store"))) << flag << " " << value;
    }
  }
}

TEST_F(OperatorInputTest, RetrainRefusesAFeedbackWeightOutsideOneToAHundred) {
  for (const std::string weight : {"0", "-3", "101", "1000000"}) {
    const RunResult retrain =
        Ctl({"retrain", "--model", dir_.File("store"), "--base", corpus(), "--data-dir", data_dir(),
             "--cases", cases(), "--no-rules", "--feedback-weight", weight});
    ExpectRefusedOption(retrain, "--feedback-weight");
    EXPECT_FALSE(fs::exists(dir_.File("store"))) << weight;
  }
}

// --- replay cases --------------------------------------------------------------------------

TEST_F(OperatorInputTest, ReplayReadsACasesFileThatStartsWithAByteOrderMark) {
  WriteFile(cases(), std::string("\xEF\xBB\xBF") + kCases);
  const RunResult replay =
      Ctl({"replay", "--model", model_store(), "--cases", cases(), "--no-rules"});
  EXPECT_EQ(replay.exit_code, 0) << replay.stderr_text;
  EXPECT_THAT(replay.stdout_text, HasSubstr("replay: 1 cases, 0 flips"));
}

TEST_F(OperatorInputTest, ReplayNamesABadCaseByFileAndLineOnce) {
  WriteFile(cases(),
            std::string(kCases) + R"({"content":"x","label":"maybe","expect":"ham"})" + "\n");
  const RunResult replay =
      Ctl({"replay", "--model", model_store(), "--cases", cases(), "--no-rules"});
  ExpectOneLineError(replay, "spamguardctl replay: ");
  EXPECT_THAT(replay.stderr_text, HasSubstr(cases() + ":2: label must be spam or ham"));
}

// A name or an expectation of the wrong JSON type is refused by name and line, not reported
// as an internal error or skipped.
TEST_F(OperatorInputTest, ReplayRefusesANameOrExpectationOfTheWrongType) {
  const std::pair<const char*, const char*> bad[] = {
      {R"({"name":5,"content":"x","label":"ham","expect":"ham"})", ":1: \"name\" must be a string"},
      {R"({"content":"x","label":"ham","expect":7})",
       ":1: \"expect\" must be a verdict name or a non-empty list of them"},
      {R"({"content":"x","label":"ham","expect":["ham",3]})",
       ":1: \"expect\" must be a verdict name or a non-empty list of them"},
      {R"({"content":"x","label":"ham","expect":[]})",
       ":1: \"expect\" must be a verdict name or a non-empty list of them"},
      {R"({"content":"x","label":"ham"})", ":1: missing \"expect\""},
  };
  for (const auto& [line, message] : bad) {
    WriteFile(cases(), std::string(line) + "\n");
    const RunResult replay =
        Ctl({"replay", "--model", model_store(), "--cases", cases(), "--no-rules"});
    ExpectOneLineError(replay, "spamguardctl replay: ");
    EXPECT_THAT(replay.stderr_text, HasSubstr(cases() + message)) << line;
  }
}

// A case's site_id picks a policy of the pack, as `check --site` does: a typo must not
// replay the case under the default policy. The retrain gate refuses it before training.
TEST_F(OperatorInputTest, ReplayAndRetrainRefuseACaseNamingASiteThePackLacks) {
  WriteFile(
      cases(),
      R"({"name":"typo","content":"great post","label":"ham","expect":["ham","hold","spam","discard"],"site_id":"blgo"})"
      "\n");
  const std::string why = "case 'typo' names site 'blgo', and " + kDefaultRules +
                          " has no policy for it (no entry under 'sites:')";
  const RunResult replay =
      Ctl({"replay", "--model", model_store(), "--cases", cases(), "--rules", kDefaultRules});
  ExpectOneLineError(replay, "spamguardctl replay: ");
  EXPECT_THAT(replay.stderr_text, HasSubstr(why));
  const RunResult retrain =
      Ctl({"retrain", "--model", dir_.File("store"), "--base", corpus(), "--data-dir", data_dir(),
           "--cases", cases(), "--rules", kDefaultRules});
  ExpectOneLineError(retrain, "spamguardctl retrain: ");
  EXPECT_THAT(retrain.stderr_text, HasSubstr(why));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("store") + "/current"));
  // Without a pack no policy applies: the case replays on the model alone.
  const RunResult model_only =
      Ctl({"replay", "--model", model_store(), "--cases", cases(), "--no-rules"});
  EXPECT_EQ(model_only.exit_code, 0) << model_only.stderr_text;
}

TEST_F(OperatorInputTest, ReplayRefusesADirectoryAsTheCasesFileNamingIt) {
  const std::string directory = std::filesystem::path(cases()).parent_path().string();
  const RunResult replay =
      Ctl({"replay", "--model", model_store(), "--cases", directory, "--no-rules"});
  ExpectOneLineError(replay, "spamguardctl replay: ");
  EXPECT_THAT(replay.stderr_text, HasSubstr(directory + " is a directory, not a cases file"));
}

// --- eval-protocol -------------------------------------------------------------------------

TEST_F(OperatorInputTest, EvalProtocolRefusesJobsBelowOne) {
  // (No model there: were the value accepted, the run would fail on the model instead.)
  const std::string absent = dir_.File("no-model");
  for (const std::string jobs : {"0", "-5"}) {
    ExpectRefusedOption(Ctl({"eval-protocol", "--model", absent, "--jobs", jobs}), "--jobs");
  }
}

TEST_F(OperatorInputTest, EvalProtocolRefusesAnUnknownPartName) {
  const std::string absent = dir_.File("no-model");
  ExpectRefusedOption(Ctl({"eval-protocol", "--model", absent, "--only", "lovoo"}), "--only");
  ExpectRefusedOption(Ctl({"eval-protocol", "--model", absent, "--only", "lovo", "--only", "x"}),
                      "--only");
}

TEST_F(OperatorInputTest, EvalProtocolStartsNoMoreThreadsThanSplitsAndCleansUp) {
  const std::string data = TinyDataDirectory();
  const fs::path tmpdir = dir_.File("tmp");
  fs::create_directories(tmpdir);
  const RunResult protocol =
      CtlWithTmpdir(tmpdir.string(), {"eval-protocol", "--model", model_store(), "--data", data,
                                      "--only", "lovo", "--jobs", "100000", "--json"});
  ASSERT_EQ(protocol.exit_code, 0) << protocol.stderr_text;
  const nlohmann::json out = nlohmann::json::parse(protocol.stdout_text);
  EXPECT_EQ(out.at("splits").size(), kVideos.size());
  EXPECT_TRUE(fs::is_empty(tmpdir)) << "the scratch directory was left behind";
}

TEST_F(OperatorInputTest, EvalProtocolWithoutATemporaryDirectoryIsAOneLineError) {
  const std::string data = TinyDataDirectory();
  const RunResult protocol =
      CtlWithTmpdir(dir_.File("no-such-dir"),
                    {"eval-protocol", "--model", model_store(), "--data", data, "--only", "lovo"});
  ExpectOneLineError(protocol, "spamguardctl eval-protocol: ");
  EXPECT_THAT(protocol.stderr_text, HasSubstr("temporary directory"));
}

TEST_F(OperatorInputTest, EvalProtocolRefusesAScoresDirectoryItCannotCreateBeforeTraining) {
  const std::string data = TinyDataDirectory();
  const std::string file = dir_.File("a-file");
  WriteFile(file, "not a directory\n");
  for (const std::string& target : {file, file + "/below"}) {
    const RunResult protocol = Ctl({"eval-protocol", "--model", model_store(), "--data", data,
                                    "--only", "lovo", "--scores-out", target});
    ExpectOneLineError(protocol, "spamguardctl eval-protocol: --scores-out " + target);
    EXPECT_THAT(protocol.stderr_text, Not(HasSubstr("F1")));  // no split was trained
  }
  EXPECT_EQ(ReadFile(file), "not a directory\n");
}

// --- the catch-all -------------------------------------------------------------------------

TEST_F(OperatorInputTest, AnUnexpectedExceptionIsAOneLineInternalErrorNotAnAbort) {
  // A store whose current manifest lists its inputs as strings, not objects: reading it
  // throws inside retrain.
  const fs::path store = dir_.File("store");
  fs::copy(model_store(), store, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  const fs::path manifest = store / fs::read_symlink(store / "current") / "manifest.json";
  nlohmann::json parsed = nlohmann::json::parse(ReadFile(manifest.string()));
  parsed["inputs"] = {"not an object"};
  WriteFile(manifest.string(), parsed.dump());
  const RunResult retrain = Ctl({"retrain", "--model", store.string(), "--data-dir", data_dir(),
                                 "--cases", cases(), "--no-rules"});
  EXPECT_EQ(retrain.exit_code, 1) << retrain.stderr_text;
  ExpectOneLineError(retrain, "spamguardctl retrain: internal error: ");
}

// --- RPC timeouts --------------------------------------------------------------------------

TEST_F(OperatorInputTest, TimeoutMustBeAFinitePositiveNumberOfAtMostADay) {
  const std::string address = "127.0.0.1:" + std::to_string(spamguard::testing::FreeLoopbackPort());
  for (const std::string timeout : {"nan", "inf", "1e300", "86401", "0", "-1"}) {
    ExpectRefusedOption(Ctl({"status", "--server", address, "--timeout", timeout}), "--timeout");
    ExpectRefusedOption(Ctl({"check", "--server", address, "--timeout", timeout, "a comment"}),
                        "--timeout");
    ExpectRefusedOption(Ctl({"reload", "--server", address, "--timeout", timeout}), "--timeout");
  }
}

// gRPC took the port modulo 65536: ":116535" reached a server on port 50999.
TEST_F(OperatorInputTest, ServerMustBeAHostAndAPortFromOneTo65535) {
  for (const std::string server :
       {"127.0.0.1:116535", "127.0.0.1:65536", "127.0.0.1:0", "127.0.0.1", ":50051", "",
        "127.0.0.1:+80", "::1:50051", "127.0.0.1:80x"}) {
    ExpectRefusedOption(Ctl({"status", "--server", server}), "--server");
    ExpectRefusedOption(Ctl({"check", "--server", server, "a comment"}), "--server");
    ExpectRefusedOption(Ctl({"reload", "--server", server}), "--server");
  }
  // A well-formed address with nothing listening is a connection error, not a usage error.
  const std::string closed = std::to_string(spamguard::testing::FreeLoopbackPort());
  for (const std::string& server : {"127.0.0.1:" + closed, "[::1]:" + closed}) {
    const RunResult status = Ctl({"status", "--server", server, "--timeout", "1"});
    EXPECT_EQ(status.exit_code, 1) << server << status.stderr_text;
    EXPECT_NE(status.stderr_text.find("UNAVAILABLE"), std::string::npos) << status.stderr_text;
  }
}

}  // namespace
}  // namespace spamguard
