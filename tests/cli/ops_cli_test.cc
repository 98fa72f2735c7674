// spamguardctl's operating commands (check, status, reload, rules test|check), run as
// processes the way an operator runs them.
//
// The local model is the repository's published one (SPAMGUARD_SOURCE_DIR/models, which
// `make test` builds first); without it the suite trains a small one from the YouTube
// corpus with `spamguardctl train`, and fails with a message saying so if that fails too.
#include <signal.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/model_store.h"
#include "tests/support/test_process.h"

namespace spamguard {
namespace {

using ::spamguard::testing::FreeLoopbackPort;
using ::spamguard::testing::RunProcess;
using ::spamguard::testing::RunResult;
using ::spamguard::testing::TempDir;
using ::spamguard::testing::TestProcess;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kSeedSpam[] =
    "Qurani Dua For Love back and All life problem Solution \xE2\x80\x94 We will Solve your All "
    "type of problem: Love, Marriage, Family, Relationship, Ex Love back Etc. Call and "
    "Whatsapp Now +91 9829286600";
constexpr char kSeedHam[] =
    "I agree. One positive thing that has happened so far is that I'm feeling less stressed. "
    "I can focus on my work this weekend. :) Thanks Manuel.";
constexpr char kPhone[] = "+91 9829286600";

const std::string kSourceDir = SPAMGUARD_SOURCE_DIR;
const std::string kDefaultRules = kSourceDir + "/rules/default.yaml";

// A pack whose two rules both fire on the seed spam, with spans that do not touch, so the
// marked output is predictable whatever the shipped pack contains.
constexpr char kSmallPack[] = R"(version: 1
name: ops-cli-test
policy:
  hold: 0.5
  spam: 0.8
  discard: 0.98
rules:
  - id: phone-number
    description: The comment contains a phone number.
    kind: phone-count
    min: 1
    score: 0.5
  - id: love-back
    description: Promises to bring a lost love back.
    kind: regex
    patterns:
      - 'love\W+back'
    score: 2.0
)";

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

RunResult Ctl(const std::vector<std::string>& args) { return RunProcess(SPAMGUARDCTL_BIN, args); }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// Each line of the file as its `line` number, from `check --json` output.
std::vector<int> CheckedLineNumbers(const std::string& json_lines) {
  std::vector<int> numbers;
  for (const std::string& line : Lines(json_lines)) {
    numbers.push_back(nlohmann::json::parse(line).at("line").get<int>());
  }
  return numbers;
}

// Every failure is exactly one line on stderr, prefixed with the command, and a non-zero
// exit.
void ExpectOneLineError(const RunResult& result, const std::string& prefix) {
  EXPECT_NE(result.exit_code, 0) << result.stdout_text;
  EXPECT_THAT(result.stderr_text, StartsWith(prefix));
  EXPECT_EQ(Lines(result.stderr_text).size(), 1u) << result.stderr_text;
}

// The reason with this code in a `check --json` object, or null.
nlohmann::json FindReason(const nlohmann::json& check, const std::string& code) {
  for (const nlohmann::json& reason : check.at("reasons")) {
    if (reason.at("code") == code) return reason;
  }
  return nullptr;
}

class OpsCliTest : public ::testing::Test {
 protected:
  // Finds or trains the model once for the whole suite.
  static void SetUpTestSuite() {
    Result<std::string> published = ResolveModelPath(kSourceDir + "/models");
    if (published.ok()) {
      model_path_ = new std::string(published.value());
      return;
    }
    training_dir_ = new TempDir();
    const std::string store = training_dir_->File("models");
    const RunResult trained = Ctl({"train", "--model", store, "--publish", "--no-search",
                                   kSourceDir + "/data/youtube-spam/youtube-spam.tsv"});
    Result<std::string> trained_path = ResolveModelPath(store);
    if (trained.exit_code == 0 && trained_path.ok()) {
      model_path_ = new std::string(trained_path.value());
    } else {
      setup_error_ = new std::string("no model: " + kSourceDir + "/models has none (" +
                                     published.status().ToString() +
                                     ", run `make model`) and `spamguardctl train` into " + store +
                                     " failed: " + trained.stderr_text);
    }
  }
  static void TearDownTestSuite() {
    delete model_path_;
    delete setup_error_;
    delete training_dir_;
    model_path_ = nullptr;
    setup_error_ = nullptr;
    training_dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_EQ(setup_error_, nullptr) << *setup_error_;
    WriteFile(small_pack(), kSmallPack);
  }

  static const std::string& model() { return *model_path_; }
  std::string small_pack() const { return dir_.File("small.yaml"); }

  TempDir dir_;

 private:
  static std::string* model_path_;
  static std::string* setup_error_;
  static TempDir* training_dir_;
};

std::string* OpsCliTest::model_path_ = nullptr;
std::string* OpsCliTest::setup_error_ = nullptr;
TempDir* OpsCliTest::training_dir_ = nullptr;

// --- check, local ----------------------------------------------------------------------------

TEST_F(OpsCliTest, LocalCheckMarksTheSpansOfEveryReasonInTheComment) {
  const RunResult result = Ctl({"check", "--model", model(), "--rules", small_pack(), kSeedSpam});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  EXPECT_THAT(result.stdout_text, HasSubstr("Now [[+91 9829286600]]"));
  EXPECT_THAT(result.stdout_text, HasSubstr("Dua For [[Love back]] and"));
  EXPECT_THAT(result.stdout_text, HasSubstr("Ex [[Love back]] Etc."));
  // Not a terminal: no ANSI escapes.
  EXPECT_THAT(result.stdout_text, ::testing::Not(HasSubstr("\x1b[")));
}

TEST_F(OpsCliTest, LocalCheckListsReasonsStrongestFirstWithScoreCodeAndDescription) {
  const RunResult result = Ctl({"check", "--model", model(), "--rules", small_pack(), kSeedSpam});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  const size_t love = result.stdout_text.find("+2.00  love-back");
  const size_t phone = result.stdout_text.find("+0.50  phone-number");
  ASSERT_NE(love, std::string::npos) << result.stdout_text;
  ASSERT_NE(phone, std::string::npos) << result.stdout_text;
  EXPECT_LT(love, phone);
  EXPECT_THAT(result.stdout_text,
              HasSubstr("The comment contains a phone number.  \"+91 9829286600\""));
}

TEST_F(OpsCliTest, LocalCheckWithTheShippedPackCatchesTheSeedSpamWithThePhoneSpan) {
  const RunResult result =
      Ctl({"check", "--model", model(), "--rules", kDefaultRules, "--json", kSeedSpam});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  const nlohmann::json check = nlohmann::json::parse(result.stdout_text);
  EXPECT_THAT(check.at("verdict").get<std::string>(), ::testing::AnyOf("spam", "discard"));
  const nlohmann::json phone = FindReason(check, "phone-number");
  ASSERT_FALSE(phone.is_null()) << result.stdout_text;
  ASSERT_EQ(phone.at("spans").size(), 1u);
  const std::string seed = kSeedSpam;
  const uint32_t begin = static_cast<uint32_t>(seed.find(kPhone));
  EXPECT_EQ(phone.at("spans")[0].at("begin"), begin);
  EXPECT_EQ(phone.at("spans")[0].at("end"), begin + std::string(kPhone).size());
  EXPECT_EQ(phone.at("spans")[0].at("text"), kPhone);
}

TEST_F(OpsCliTest, SpansAreByteOffsetsAndRenderWholeCharactersInMultibyteText) {
  // Cyrillic, an emoji and fullwidth digits before and inside the marked stretches.
  const std::string text =
      "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xF0\x9F\x92\x98 love back "
      "\xE2\x80\x94 call +91 9829286600 \xE2\x9C\x93";
  const RunResult result =
      Ctl({"check", "--model", model(), "--rules", small_pack(), "--json", text});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  const nlohmann::json check = nlohmann::json::parse(result.stdout_text);
  const nlohmann::json love = FindReason(check, "love-back");
  ASSERT_FALSE(love.is_null()) << result.stdout_text;
  EXPECT_EQ(love.at("spans")[0].at("begin"), text.find("love back"));
  EXPECT_EQ(love.at("spans")[0].at("text"), "love back");
  const nlohmann::json phone = FindReason(check, "phone-number");
  ASSERT_FALSE(phone.is_null()) << result.stdout_text;
  EXPECT_EQ(phone.at("spans")[0].at("text"), kPhone);

  const RunResult human = Ctl({"check", "--model", model(), "--rules", small_pack(), text});
  ASSERT_EQ(human.exit_code, 0) << human.stderr_text;
  // The rules' spans; the model reason marks its own words too ("call" among them or not,
  // as the model weighs them), so the text between the two is not fixed.
  EXPECT_THAT(human.stdout_text, HasSubstr("\xF0\x9F\x92\x98 [[love back]] \xE2\x80\x94 "));
  EXPECT_THAT(human.stdout_text, HasSubstr(" [[+91 9829286600]] \xE2\x9C\x93"));
}

TEST_F(OpsCliTest, FileCheckPrintsOneJsonObjectPerNonBlankLineNamingTheLine) {
  const std::string input = dir_.File("comments.txt");
  WriteFile(input, std::string(kSeedSpam) + "\n\n" + kSeedHam + "\n");
  const RunResult result =
      Ctl({"check", "--model", model(), "--rules", kDefaultRules, "--json", "--file", input});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  const std::vector<std::string> lines = Lines(result.stdout_text);
  ASSERT_EQ(lines.size(), 2u) << result.stdout_text;
  const nlohmann::json spam = nlohmann::json::parse(lines[0]);
  const nlohmann::json ham = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(spam.at("line"), 1);
  EXPECT_EQ(spam.at("text"), kSeedSpam);
  EXPECT_EQ(ham.at("line"), 3);
  EXPECT_EQ(ham.at("text"), kSeedHam);
  EXPECT_EQ(ham.at("verdict"), "ham");
}

// A local check refuses what a server would refuse, line by line, the same way.
TEST_F(OpsCliTest, LocalFileCheckNamesLinesItCannotCheckAndChecksTheOthers) {
  const std::string input = dir_.File("mixed.txt");
  WriteFile(input, std::string(kSeedHam) + "\n" + std::string(70000, 'a') + "\nbad \xC3\x28\n" +
                       kSeedHam + "\n");
  const RunResult result =
      Ctl({"check", "--model", model(), "--rules", small_pack(), "--json", "--file", input});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(CheckedLineNumbers(result.stdout_text), (std::vector<int>{1, 4}));
  const std::vector<std::string> errors = Lines(result.stderr_text);
  ASSERT_EQ(errors.size(), 3u) << result.stderr_text;
  EXPECT_EQ(errors[0], "spamguardctl check: " + input +
                           ":2: comment.content is 70000 bytes; the limit is 65536 (not checked)");
  EXPECT_EQ(errors[1], "spamguardctl check: " + input + ":3: not valid UTF-8 (not checked)");
  EXPECT_THAT(errors[2], StartsWith("spamguardctl check: 2 of 4 comments could not be checked"));
}

// --- check errors ----------------------------------------------------------------------------

TEST_F(OpsCliTest, MissingModelFileIsAOneLineError) {
  const RunResult result =
      Ctl({"check", "--model", dir_.File("absent.spgm"), "--rules", small_pack(), kSeedHam});
  ExpectOneLineError(result, "spamguardctl check: ");
  EXPECT_THAT(result.stderr_text, HasSubstr("absent.spgm"));
}

TEST_F(OpsCliTest, RefusedRulePackIsAOneLineErrorForCheck) {
  WriteFile(dir_.File("broken.yaml"), "version: 1\nrules:\n  - id: [unclosed\n");
  const RunResult result =
      Ctl({"check", "--model", model(), "--rules", dir_.File("broken.yaml"), kSeedHam});
  ExpectOneLineError(result, "spamguardctl check: ");
  EXPECT_THAT(result.stderr_text, HasSubstr("broken.yaml"));
}

TEST_F(OpsCliTest, CheckWithoutTextIsAOneLineError) {
  ExpectOneLineError(Ctl({"check", "--model", model()}), "spamguardctl check: ");
}

// `--file` skips blank lines because an empty comment cannot be checked; a blank TEXT is
// refused for the same reason (it used to be classified as HAM), in both modes.
TEST_F(OpsCliTest, BlankTextIsRefusedAsAnEmptyComment) {
  for (const std::string text : {"   ", " \t\n "}) {
    const RunResult local = Ctl({"check", "--model", model(), "--rules", small_pack(), text});
    ExpectOneLineError(local, "spamguardctl check: TEXT is blank");
    const RunResult remote = Ctl({"check", "--server", "127.0.0.1:1", "--timeout", "2", text});
    ExpectOneLineError(remote, "spamguardctl check: TEXT is blank");
  }
}

// A local check takes what a server with the default limits would take.
TEST_F(OpsCliTest, LocalCheckRefusesTextOverTheDefaultContentLimit) {
  const RunResult result = Ctl({"check", "--model", model(), std::string(70000, 'a')});
  ExpectOneLineError(
      result, "spamguardctl check: TEXT: comment.content is 70000 bytes; the limit is 65536");
}

// A misspelt --site used to be checked under the default policy without a word.
TEST_F(OpsCliTest, LocalCheckRefusesASiteThePackHasNoPolicyFor) {
  const RunResult result = Ctl(
      {"check", "--model", model(), "--rules", small_pack(), "--site", "no-such-site", kSeedHam});
  ExpectOneLineError(result, "spamguardctl check: ");
  EXPECT_THAT(result.stderr_text, HasSubstr("has no policy for site 'no-such-site'"));

  const RunResult no_rules =
      Ctl({"check", "--model", model(), "--no-rules", "--site", "no-such-site", kSeedHam});
  ExpectOneLineError(no_rules, "spamguardctl check: --site 'no-such-site'");
}

TEST_F(OpsCliTest, UnreachableServerIsAOneLineErrorWithTheGrpcCode) {
  const std::string address = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
  const RunResult status = Ctl({"status", "--server", address, "--timeout", "2"});
  ExpectOneLineError(status, "spamguardctl status: ");
  EXPECT_THAT(status.stderr_text, ::testing::ContainsRegex("^spamguardctl status: "
                                                           "(UNAVAILABLE|DEADLINE_EXCEEDED): "));
  const RunResult check = Ctl({"check", "--server", address, "--timeout", "2", kSeedHam});
  ExpectOneLineError(check, "spamguardctl check: ");
  const RunResult reload = Ctl({"reload", "--server", address, "--timeout", "2"});
  ExpectOneLineError(reload, "spamguardctl reload: ");
}

// --- against a running server ------------------------------------------------------------

class OpsCliServerTest : public OpsCliTest {
 protected:
  void SetUp() override {
    OpsCliTest::SetUp();
    if (HasFatalFailure()) return;
    address_ = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
    server_ = std::make_unique<TestProcess>(
        SPAMGUARD_SERVER_BIN,
        std::vector<std::string>{"--listen", address_, "--model", model(), "--rules", kDefaultRules,
                                 "--data-dir", dir_.File("var")});
    ASSERT_TRUE(server_->WaitUntilServing(address_)) << server_->Stderr();
  }
  void TearDown() override {
    if (server_ && server_->Running()) {
      server_->Signal(SIGTERM);
      server_->WaitForExit();
    }
  }

  std::string address_;
  std::unique_ptr<TestProcess> server_;
};

TEST_F(OpsCliServerTest, ServerCheckCatchesTheSeedSpamAndMarksThePhoneNumber) {
  const RunResult result = Ctl({"check", "--server", address_, kSeedSpam});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  EXPECT_THAT(result.stdout_text, ::testing::ContainsRegex("^(SPAM|DISCARD)  spam probability"));
  EXPECT_THAT(result.stdout_text, HasSubstr("+91 9829286600]]"));
  EXPECT_THAT(result.stdout_text, HasSubstr("check "));  // the server's check id

  const RunResult json = Ctl({"check", "--server", address_, "--json", kSeedSpam});
  ASSERT_EQ(json.exit_code, 0) << json.stderr_text;
  const nlohmann::json check = nlohmann::json::parse(json.stdout_text);
  const nlohmann::json phone = FindReason(check, "phone-number");
  ASSERT_FALSE(phone.is_null()) << json.stdout_text;
  EXPECT_EQ(phone.at("spans")[0].at("text"), kPhone);
}

TEST_F(OpsCliServerTest, ServerFileCheckStreamsAnswersInInputOrder) {
  const std::string input = dir_.File("queue.txt");
  WriteFile(input,
            std::string(kSeedHam) + "\n" + kSeedSpam + "\n" + kSeedHam + "\n" + kSeedSpam + "\n");
  const RunResult result =
      Ctl({"check", "--server", address_, "--json", "--test", "--file", input});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  const std::vector<std::string> lines = Lines(result.stdout_text);
  ASSERT_EQ(lines.size(), 4u) << result.stdout_text;
  for (int i = 0; i < 4; ++i) {
    const nlohmann::json check = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(check.at("line"), i + 1);
    if (i % 2 == 0) {
      EXPECT_EQ(check.at("verdict"), "ham") << lines[i];
    } else {
      EXPECT_NE(check.at("verdict"), "ham") << lines[i];
    }
  }
}

// A line over the server's 64 KiB content limit is refused by the server; the message names
// FILE:LINE, and the other lines are still checked; the exit is non-zero.
TEST_F(OpsCliServerTest, ServerFileCheckNamesAnOversizedLineAndChecksTheOthers) {
  const std::string input = dir_.File("oversized.txt");
  WriteFile(input, std::string(kSeedHam) + "\n" + std::string(70000, 'a') + "\n" + kSeedHam + "\n");
  const RunResult result =
      Ctl({"check", "--server", address_, "--json", "--test", "--file", input});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(CheckedLineNumbers(result.stdout_text), (std::vector<int>{1, 3}));
  const std::vector<std::string> errors = Lines(result.stderr_text);
  ASSERT_EQ(errors.size(), 2u) << result.stderr_text;
  EXPECT_EQ(errors[0], "spamguardctl check: " + input +
                           ":2: INVALID_ARGUMENT: comment.content is 70000 bytes; the limit is "
                           "65536 (not checked)");
  EXPECT_THAT(errors[1], StartsWith("spamguardctl check: 1 of 3 comments could not be checked"));
}

// A check of FILE's four lines in which line 2 was too large for the server's messages and
// every other line was checked.
void ExpectOnlyLineTwoRefusedAsTooLarge(const RunResult& result, const std::string& file) {
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(CheckedLineNumbers(result.stdout_text), (std::vector<int>{1, 3, 4}));
  const std::vector<std::string> errors = Lines(result.stderr_text);
  ASSERT_EQ(errors.size(), 2u) << result.stderr_text;
  EXPECT_THAT(errors[0], StartsWith("spamguardctl check: " + file +
                                    ":2: RESOURCE_EXHAUSTED: Received message larger than max"));
  EXPECT_THAT(errors[0], EndsWith("(not checked)"));
  EXPECT_THAT(errors[1], StartsWith("spamguardctl check: 1 of 4 comments could not be checked"));
}

// A line over the server's 256 KiB message limit is refused by gRPC itself, which ends the
// whole call it is on: such a line goes alone, so the lines after it are still checked.
TEST_F(OpsCliServerTest, ServerFileCheckNamesALineOverTheMessageLimitAndChecksTheOthers) {
  const std::string input = dir_.File("huge.txt");
  WriteFile(input, std::string(kSeedHam) + "\n" + std::string(300000, 'a') + "\n" + kSeedHam +
                       "\n" + kSeedSpam + "\n");
  const RunResult result =
      Ctl({"check", "--server", address_, "--json", "--test", "--file", input});
  ExpectOnlyLineTwoRefusedAsTooLarge(result, input);
}

// `check --server ADDRESS --json --test --file FILE` of `lines`, with a server started on the
// config file `config_yaml` and stopped after; FILE is dir.File("lines.txt").
RunResult CheckFileOnServerWithConfig(const TempDir& dir, const std::string& model,
                                      const std::string& config_yaml, const std::string& lines) {
  const std::string config = dir.File("server.yaml");
  WriteFile(config, config_yaml);
  const std::string address = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
  TestProcess server(SPAMGUARD_SERVER_BIN,
                     {"--config", config, "--listen", address, "--model", model, "--rules",
                      kDefaultRules, "--data-dir", dir.File("var")});
  EXPECT_TRUE(server.WaitUntilServing(address)) << server.Stderr();
  const std::string input = dir.File("lines.txt");
  WriteFile(input, lines);
  RunResult result = Ctl({"check", "--server", address, "--json", "--test", "--file", input});
  server.Signal(SIGTERM);
  server.WaitForExit();
  return result;
}

// A server configured with a lower limit refuses a line the client sent: the refusal is
// mapped from the stream's request index to FILE:LINE, and a new stream checks the rest.
TEST_F(OpsCliTest, ServerFileCheckNamesTheLineTheServerRefusedAndChecksTheRest) {
  const RunResult result =
      CheckFileOnServerWithConfig(dir_, model(), "limits:\n  content_bytes: 200\n",
                                  std::string(kSeedHam) + "\n" + std::string(300, 'a') + "\n\n" +
                                      kSeedHam + "\n" + kSeedHam + "\n");
  const std::string input = dir_.File("lines.txt");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(CheckedLineNumbers(result.stdout_text), (std::vector<int>{1, 4, 5}));
  const std::vector<std::string> errors = Lines(result.stderr_text);
  ASSERT_EQ(errors.size(), 2u) << result.stderr_text;
  EXPECT_EQ(errors[0], "spamguardctl check: " + input +
                           ":2: INVALID_ARGUMENT: comment.content is 300 bytes; the limit is 200 "
                           "(not checked)");
  EXPECT_THAT(errors[1], StartsWith("spamguardctl check: 1 of 4 comments could not be checked"));
}

// A server whose message limit is below the client's first guess (64 KiB) ends the stream
// at a larger line; the client takes the limit gRPC names, sends that line alone, and goes on.
TEST_F(OpsCliTest, ServerFileCheckLearnsASmallerMessageLimitAndChecksTheRest) {
  const RunResult result = CheckFileOnServerWithConfig(
      dir_, model(), "limits:\n  content_bytes: 4096\n  message_bytes: 8192\n",
      std::string(kSeedHam) + "\n" + std::string(10000, 'a') + "\n" + kSeedHam + "\n" + kSeedSpam +
          "\n");
  const std::string input = dir_.File("lines.txt");
  ExpectOnlyLineTwoRefusedAsTooLarge(result, input);
}

TEST_F(OpsCliServerTest, LocalAndServerChecksAgree) {
  const RunResult local =
      Ctl({"check", "--model", model(), "--rules", kDefaultRules, "--json", kSeedSpam});
  const RunResult remote = Ctl({"check", "--server", address_, "--json", "--test", kSeedSpam});
  ASSERT_EQ(local.exit_code, 0) << local.stderr_text;
  ASSERT_EQ(remote.exit_code, 0) << remote.stderr_text;
  const nlohmann::json a = nlohmann::json::parse(local.stdout_text);
  const nlohmann::json b = nlohmann::json::parse(remote.stdout_text);
  EXPECT_EQ(a.at("verdict"), b.at("verdict"));
  EXPECT_NEAR(a.at("spam_probability").get<double>(), b.at("spam_probability").get<double>(), 1e-6);
  EXPECT_EQ(a.at("reasons"), b.at("reasons"));
}

// --permalink reaches the own-site-links rule, locally and through the server's request.
TEST_F(OpsCliServerTest, PermalinkMakesALinkToAnotherPostOfTheBlogItsOwn) {
  const std::string text =
      "This pairs well with your earlier post https://www.gardenjournal.example/2025/04/blight/";
  const std::string permalink = "https://www.gardenjournal.example/2026/11/winter-beds/";
  for (const bool remote : {false, true}) {
    std::vector<std::string> args = {"check", "--json", text};
    if (remote) {
      args.insert(args.end(), {"--server", address_, "--test"});
    } else {
      args.insert(args.end(), {"--model", model(), "--rules", kDefaultRules});
    }
    const RunResult without = Ctl(args);
    ASSERT_EQ(without.exit_code, 0) << without.stderr_text;
    EXPECT_TRUE(FindReason(nlohmann::json::parse(without.stdout_text), "own-site-links").is_null())
        << without.stdout_text;
    args.insert(args.end(), {"--permalink", permalink});
    const RunResult with = Ctl(args);
    ASSERT_EQ(with.exit_code, 0) << with.stderr_text;
    const nlohmann::json own =
        FindReason(nlohmann::json::parse(with.stdout_text), "own-site-links");
    ASSERT_FALSE(own.is_null()) << (remote ? "server: " : "local: ") << with.stdout_text;
    EXPECT_LT(own.at("score").get<double>(), 0);
    ASSERT_EQ(own.at("spans").size(), 1u);
    EXPECT_EQ(own.at("spans")[0].at("text"), "https://www.gardenjournal.example/2025/04/blight/");
  }
}

TEST_F(OpsCliServerTest, StatusShowsTheServingVersionsAsTableAndJson) {
  const RunResult checked = Ctl({"check", "--server", address_, "--json", kSeedSpam});
  ASSERT_EQ(checked.exit_code, 0) << checked.stderr_text;
  const nlohmann::json check = nlohmann::json::parse(checked.stdout_text);

  const RunResult table = Ctl({"status", "--server", address_});
  ASSERT_EQ(table.exit_code, 0) << table.stderr_text;
  EXPECT_THAT(table.stdout_text,
              HasSubstr("model     " + check.at("model_version").get<std::string>()));
  EXPECT_THAT(table.stdout_text,
              HasSubstr("rules     " + check.at("rules_version").get<std::string>()));

  const RunResult json = Ctl({"status", "--server", address_, "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.stderr_text;
  const nlohmann::json status = nlohmann::json::parse(json.stdout_text);
  EXPECT_EQ(status.at("model_version"), check.at("model_version"));
  EXPECT_EQ(status.at("rules_version"), check.at("rules_version"));
  const nlohmann::json& counts = status.at("checks");
  EXPECT_EQ(counts.at("ham").get<int>() + counts.at("hold").get<int>() +
                counts.at("spam").get<int>() + counts.at("discard").get<int>(),
            1);
  // One quiet check: nothing refused or abandoned, and the table says so too.
  EXPECT_EQ(counts.at("refused_overload").get<int>(), 0);
  EXPECT_EQ(counts.at("abandoned_in_queue").get<int>(), 0);
  EXPECT_THAT(table.stdout_text, HasSubstr("  overload refused 0  abandoned in queue 0"));
  EXPECT_EQ(status.at("feedback").at("check_records_dropped").get<int>(), 0);
  EXPECT_THAT(table.stdout_text, HasSubstr("  dropped 0 check records"));
}

TEST_F(OpsCliServerTest, ReloadReportsTheVersionsNowServing) {
  const RunResult result = Ctl({"reload", "--server", address_, "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  const nlohmann::json reloaded = nlohmann::json::parse(result.stdout_text);
  const RunResult status = Ctl({"status", "--server", address_, "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.stderr_text;
  EXPECT_EQ(reloaded.at("model_version"),
            nlohmann::json::parse(status.stdout_text).at("model_version"));
}

TEST_F(OpsCliServerTest, ReloadOfAnUnknownVersionIsAOneLineGrpcError) {
  const RunResult result =
      Ctl({"reload", "--server", address_, "--version", "no-such-version-0000"});
  ExpectOneLineError(result, "spamguardctl reload: ");
  EXPECT_THAT(result.stderr_text, ::testing::ContainsRegex("^spamguardctl reload: [A-Z_]+: "));
}

// --- rules -----------------------------------------------------------------------------------

TEST_F(OpsCliTest, RulesTestCountsEachRulesHitsOnSpamAndHam) {
  const std::string data = dir_.File("labeled.tsv");
  WriteFile(data, std::string("label\ttext\tsource\n") +
                      "spam\tGet your love back now, call +91 9829286600\tblog\n"
                      "spam\tEx love back specialist\tblog\n"
                      "ham\tCall me at +33 1 42 68 53 00 about the meetup\tblog\n"
                      "ham\tI love this song\tblog\n");
  const RunResult result = Ctl({"rules", "test", "--rules", small_pack(), "--json", data});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  const nlohmann::json report = nlohmann::json::parse(result.stdout_text);
  std::map<std::string, nlohmann::json> rules;
  for (const nlohmann::json& rule : report.at("rules")) rules[rule.at("id")] = rule;
  ASSERT_EQ(rules.count("love-back"), 1u) << result.stdout_text;
  ASSERT_EQ(rules.count("phone-number"), 1u) << result.stdout_text;
  EXPECT_EQ(rules["love-back"].at("spam_hits"), 2);
  EXPECT_EQ(rules["love-back"].at("ham_hits"), 0);
  EXPECT_EQ(rules["phone-number"].at("spam_hits"), 1);
  EXPECT_EQ(rules["phone-number"].at("ham_hits"), 1);
  EXPECT_DOUBLE_EQ(rules["phone-number"].at("ham_hit_rate").get<double>(), 0.5);
  // Rules alone: love-back + phone (2.5) reaches logit(0.8) = 1.39; love-back alone (2.0)
  // does too; the ham phone number (0.5) does not.
  EXPECT_EQ(report.at("pack").at("spam_caught"), 2);
  EXPECT_EQ(report.at("pack").at("ham_flagged"), 0);
}

TEST_F(OpsCliTest, RulesTestTableNamesEveryRuleAndThePackFigures) {
  const std::string data = dir_.File("labeled.tsv");
  WriteFile(data, "label\ttext\nspam\tbring my love back\nham\tcall +33 1 42 68 53 00 today\n");
  const RunResult result = Ctl({"rules", "test", "--rules", small_pack(), data});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  EXPECT_THAT(result.stdout_text, ::testing::ContainsRegex("phone-number +phone-count +\\+0\\.50 "
                                                           "+0 +0\\.00% +1 +100\\.00%"));
  EXPECT_THAT(result.stdout_text, ::testing::ContainsRegex("love-back +regex +\\+2\\.00 +1 "
                                                           "+100\\.00% +0 +0\\.00%"));
  EXPECT_THAT(result.stdout_text, HasSubstr("ham flagged: 0.00% (0 of 1)"));
  EXPECT_THAT(result.stdout_text, HasSubstr("spam caught: 100.00% (1 of 1)"));
}

// A data file can hold what check refuses: a terminal escape, a C1 control and bytes that
// are not UTF-8 (0x9B alone is CSI to a terminal in 8-bit mode). The ham examples show each
// escaped, and the rest of the text as it is.
TEST_F(OpsCliTest, RulesTestExamplesEscapeControlsAndBytesThatAreNotUtf8) {
  const std::string data = dir_.File("labeled.tsv");
  WriteFile(data,
            "label\ttext\nspam\tbring my love back\n"
            "ham\tcall +33 1 42 68 53 00 \x1b[31m caf\xE9 \xC2\x9B \x9B end\n");
  const RunResult result = Ctl({"rules", "test", "--rules", small_pack(), "--examples", "1", data});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  EXPECT_THAT(result.stdout_text,
              HasSubstr("    ham: call +33 1 42 68 53 00 \\x1b[31m caf\\xe9 \\u009b \\x9b end\n"))
      << result.stdout_text;
}

// A source with one class used to print "ham flagged 0.00% (0 of 0)", which reads as a result.
TEST_F(OpsCliTest, RulesTestGivesNoFigureForAClassTheDataLacks) {
  const std::string data = dir_.File("labeled.tsv");
  WriteFile(data,
            "label\ttext\tsource\nspam\tbring my love back\tbad\n"
            "spam\tnice post\tbad\n");
  RunResult result = Ctl({"rules", "test", "--rules", small_pack(), data});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  EXPECT_THAT(result.stdout_text, HasSubstr("ham flagged: n/a (0 of 0)"));
  EXPECT_THAT(result.stdout_text, HasSubstr("    bad: spam caught 50.00% (1 of 2)\n"));
  EXPECT_THAT(result.stdout_text, ::testing::ContainsRegex("love-back +regex +\\+2\\.00 +1 "
                                                           "+50\\.00% +0 +n/a"));
  result = Ctl({"rules", "test", "--rules", small_pack(), "--json", data});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  const nlohmann::json report = nlohmann::json::parse(result.stdout_text);
  EXPECT_TRUE(report.at("pack").at("ham_flagged_rate").is_null()) << result.stdout_text;
  EXPECT_DOUBLE_EQ(report.at("pack").at("spam_caught_rate").get<double>(), 0.5);
}

// A misspelt --site used to report the default policy's figures under that site's name.
TEST_F(OpsCliTest, RulesTestRefusesASiteThePackHasNoPolicyFor) {
  const std::string data = dir_.File("labeled.tsv");
  WriteFile(data, "label\ttext\nspam\tbring my love back\nham\tnice post\n");
  const RunResult result =
      Ctl({"rules", "test", "--rules", small_pack(), "--site", "no-such-site", data});
  ExpectOneLineError(result, "spamguardctl rules test: ");
  EXPECT_THAT(result.stderr_text, HasSubstr("has no policy for site 'no-such-site'"));
}

// CLI::NonNegativeNumber's message printed the largest double, 300 digits long.
TEST_F(OpsCliTest, RulesTestRefusesANegativeExamplesCountWithAReadableRange) {
  const std::string data = dir_.File("labeled.tsv");
  WriteFile(data, "label\ttext\nspam\tbring my love back\nham\tnice post\n");
  for (const std::string examples : {"-1", "1.5", "10001"}) {
    const RunResult result =
        Ctl({"rules", "test", "--rules", small_pack(), "--examples", examples, data});
    EXPECT_NE(result.exit_code, 0);
    EXPECT_THAT(result.stderr_text, HasSubstr("a whole number in [0, 10000], got '" + examples));
    EXPECT_LT(result.stderr_text.size(), 300u) << result.stderr_text;
  }
  const RunResult ten_thousand =
      Ctl({"rules", "test", "--rules", small_pack(), "--examples", "10000", data});
  EXPECT_EQ(ten_thousand.exit_code, 0) << ten_thousand.stderr_text;
}

TEST_F(OpsCliTest, RulesTestRejectsABadLabelNamingTheLine) {
  const std::string data = dir_.File("bad.tsv");
  WriteFile(data, "label\ttext\nspam\tfine\nmaybe\tnot fine\n");
  const RunResult result = Ctl({"rules", "test", "--rules", small_pack(), data});
  ExpectOneLineError(result, "spamguardctl rules test: ");
  EXPECT_THAT(result.stderr_text, HasSubstr("bad.tsv:3"));
}

TEST_F(OpsCliTest, RulesCheckReportsVersionActiveRulesPerKindAndSkippedPatterns) {
  const std::string pack = dir_.File("skips.yaml");
  WriteFile(pack, std::string(kSmallPack) +
                      "  - id: lookbehind\n"
                      "    description: Uses a construct RE2 does not support.\n"
                      "    kind: regex\n"
                      "    patterns:\n"
                      "      - 'spam'\n"
                      "      - '(?<=buy )now'\n"  // line 24 of the file
                      "    score: 1.0\n");
  const RunResult result = Ctl({"rules", "check", "--rules", pack});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  EXPECT_THAT(result.stdout_text, ::testing::ContainsRegex("version [0-9a-f]+, 3 active rules"));
  EXPECT_THAT(result.stdout_text, ::testing::ContainsRegex("\n  phone-count +1\n"));
  EXPECT_THAT(result.stdout_text, ::testing::ContainsRegex("\n  regex +2\n"));
  EXPECT_THAT(result.stdout_text, HasSubstr("1 pattern skipped:\n  " + pack + ":24:"));

  ExpectOneLineError(Ctl({"rules", "check", "--strict", "--rules", pack}),
                     "spamguardctl rules check: ");
}

TEST_F(OpsCliTest, RulesCheckRefusesABrokenPackNamingFileAndLine) {
  const std::string pack = dir_.File("broken.yaml");
  WriteFile(pack,
            "version: 1\n"
            "rules:\n"
            "  - id: fine\n"
            "    description: ok\n"
            "    kind: regex\n"
            "    patterns: ['x']\n"
            "    score: 1\n"
            "  - id: wrong\n"
            "    description: not a kind\n"
            "    kind: no-such-kind\n"  // line 10
            "    score: 1\n");
  const RunResult result = Ctl({"rules", "check", "--rules", pack});
  ExpectOneLineError(result, "spamguardctl rules check: ");
  EXPECT_THAT(result.stderr_text, HasSubstr(pack + ":"));
  EXPECT_THAT(result.stderr_text, ::testing::ContainsRegex("broken\\.yaml:(8|10):"));
}

TEST_F(OpsCliTest, RulesCheckAcceptsTheShippedPack) {
  const RunResult result = Ctl({"rules", "check", "--rules", kDefaultRules, "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
  const nlohmann::json report = nlohmann::json::parse(result.stdout_text);
  EXPECT_GT(report.at("active_rules").get<int>(), 0);
  EXPECT_FALSE(report.at("version").get<std::string>().empty());
}

}  // namespace
}  // namespace spamguard
