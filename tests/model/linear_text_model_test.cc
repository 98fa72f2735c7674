#include "model/linear_text_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "tests/support/synthetic_corpus.h"

namespace spamguard {
namespace {

// A small corpus in FeatureBuilder form: spam about phones and pills, ham about posts and songs.
std::vector<LinearExample> Corpus() {
  static const char* const kSpam[] = {
      "call whatsapp now love back solution __phone__",
      "cheap pills buy now __url__ __domain_pills.example__",
      "love back specialist call now __phone__",
      "buy cheap watches now __url__",
  };
  static const char* const kHam[] = {
      "thanks for the thoughtful post i agree with you",
      "great song i listen to it every day",
      "i agree the post is thoughtful and well written",
      "this song reminds me of my childhood thanks",
  };
  std::vector<LinearExample> examples;
  for (int round = 0; round < 5; ++round) {
    for (const char* line : kSpam) examples.push_back({line, true});
    for (const char* line : kHam) examples.push_back({line, false});
  }
  return examples;
}

LinearTextModel Trained(const LinearParameters& parameters = {},
                        const std::vector<LinearExample>& examples = Corpus()) {
  Result<LinearTextModel> model = LinearTextModel::Train(examples, parameters);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? std::move(*model) : LinearTextModel();
}

// Corpus() and 300 lines of plain ham, which make its spam words rare: each under 5% of the
// lines, as SpamWords needs to name a word (in Corpus() alone every word is in 12% or more).
LinearTextModel TrainedWithRareSpamWords() {
  static const std::vector<std::string> kFiller = testing::FillerHamTexts(300);  // viewed below
  std::vector<LinearExample> examples = Corpus();
  for (const std::string& line : kFiller) examples.push_back({line, false});
  return Trained({}, examples);
}

TEST(LinearTextModelTest, SeparatesSpamLikeFromHamLikeText) {
  const LinearTextModel model = Trained();
  EXPECT_GT(model.feature_count(), 0u);
  EXPECT_GT(model.Margin("call now love back __phone__"), 0);
  EXPECT_GT(model.Margin("cheap pills now"), 0);
  EXPECT_LT(model.Margin("thanks i agree with the post"), 0);
  EXPECT_LT(model.Margin("great song every day"), 0);
}

TEST(LinearTextModelTest, CharacterNgramsReachMisspelledWords) {
  const LinearTextModel model = Trained();
  // Neither word is in the vocabulary; their character n-grams ("whats", "pill") are.
  EXPECT_GT(model.Margin("whatsap pillz"), 0);
  EXPECT_LT(model.Margin("thoughtfull childhod"), 0);
}

TEST(LinearTextModelTest, ALineWithoutKnownFeaturesScoresTheBiasAlone) {
  const LinearTextModel model = Trained();
  EXPECT_DOUBLE_EQ(model.Margin(""), model.Margin("qqq"));
  EXPECT_DOUBLE_EQ(model.Margin("   "), model.Margin(""));
}

TEST(LinearTextModelTest, UnseenContextTokensAreDroppedWhole) {
  const LinearTextModel model = Trained();
  // "__authordomain_...__" is a context token no training line has: its character n-grams
  // ("__", "in_") are in the vocabulary but must not count.
  EXPECT_DOUBLE_EQ(model.Margin("great song __authordomain_example.org__"),
                   model.Margin("great song"));
  // An entity token that is not context is scored as a word.
  EXPECT_NE(model.Margin("great song __url__"), model.Margin("great song"));
}

TEST(LinearTextModelTest, GeneratedTokensHaveNoCharacterNgrams) {
  const LinearTextModel model = Trained();
  // "__urls__" is no word of the vocabulary; written by a commenter, "urls" would reach the
  // n-grams of "__url__"; as a generated token it says nothing.
  EXPECT_DOUBLE_EQ(model.Margin("great song __urls__"), model.Margin("great song"));
  EXPECT_NE(model.Margin("great song urls"), model.Margin("great song"));
}

TEST(LinearTextModelTest, SpamWordsAreTheTokensThatAddMostToTheMargin) {
  const LinearTextModel model = TrainedWithRareSpamWords();
  const std::vector<WordShare> words = model.SpamWords("great song call whatsapp now", 5);
  ASSERT_FALSE(words.empty());
  for (const WordShare& word : words) {
    EXPECT_GT(word.share, 0) << word.word;
    EXPECT_TRUE(word.word == "call" || word.word == "whatsapp" || word.word == "now") << word.word;
  }
  for (size_t i = 1; i < words.size(); ++i) EXPECT_GE(words[i - 1].share, words[i].share);
  EXPECT_EQ(model.SpamWords("great song call whatsapp now", 1).size(), 1u);
  EXPECT_TRUE(model.SpamWords("thanks i agree with the post", 3).empty());
}

TEST(LinearTextModelTest, SpamWordSharesAddUpToTheMarginWithoutTheBias) {
  const LinearTextModel model = TrainedWithRareSpamWords();
  const double bias = model.Margin("");
  // Both tokens lean toward spam, so both shares are returned; the pair's share is split.
  const std::vector<WordShare> words = model.SpamWords("call whatsapp", 2);
  ASSERT_EQ(words.size(), 2u);
  EXPECT_NEAR(words[0].share + words[1].share, model.Margin("call whatsapp") - bias, 1e-6);
  const std::vector<WordShare> one = model.SpamWords("whatsapp", 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_NEAR(one[0].share, model.Margin("whatsapp") - bias, 1e-6);
}

TEST(LinearTextModelTest, ALineScoreKeepsItsOwnMarginAndWordsAfterOtherLinesAreScored) {
  const LinearTextModel model = TrainedWithRareSpamWords();
  const LinearTextModel::LineScore spam = model.Score("call whatsapp");
  const LinearTextModel::LineScore ham = model.Score("great song thanks");
  EXPECT_DOUBLE_EQ(spam.margin(), model.Margin("call whatsapp"));
  EXPECT_DOUBLE_EQ(ham.margin(), model.Margin("great song thanks"));
  const std::vector<WordShare> words = model.SpamWords(spam, 2);
  ASSERT_EQ(words.size(), 2u);
  EXPECT_NEAR(words[0].share + words[1].share, spam.margin() - model.Margin(""), 1e-6);
  EXPECT_TRUE(model.SpamWords(ham, 3).empty());
}

TEST(LinearTextModelTest, SpamWordsMergeRepeatsAndLeaveOutGeneratedTokens) {
  const LinearTextModel model = TrainedWithRareSpamWords();
  const std::vector<WordShare> words = model.SpamWords("pills pills __url__ __phone__", 5);
  ASSERT_EQ(words.size(), 1u);
  EXPECT_EQ(words[0].word, "pills");
}

// "100pills" reaches the model as "__num__pills", whose character n-grams are those of
// "pills": a moderator was shown "__num__pills", a word the comment does not have.
TEST(LinearTextModelTest, SpamWordsLeaveOutANumberTokenGluedToLetters) {
  const LinearTextModel model = TrainedWithRareSpamWords();
  EXPECT_GT(model.Margin("__num__pills"), model.Margin(""));
  EXPECT_TRUE(model.SpamWords("__num__pills", 3).empty());
  const std::vector<WordShare> words = model.SpamWords("__num__pills pills", 3);
  ASSERT_EQ(words.size(), 1u);
  EXPECT_EQ(words[0].word, "pills");
}

TEST(LinearTextModelTest, SpamWordsLeaveOutWordsThatAreInManyLines) {
  // In Corpus() alone "call" is in 10 of 40 lines; with the filler in 10 of 340.
  const LinearTextModel common = Trained();
  const LinearTextModel rare = TrainedWithRareSpamWords();
  EXPECT_GT(common.Margin("call"), common.Margin(""));  // it still counts toward spam
  EXPECT_TRUE(common.SpamWords("call", 3).empty());
  const std::vector<WordShare> named = rare.SpamWords("call", 3);
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].word, "call");
}

TEST(LinearTextModelTest, TrainingIsDeterministic) {
  EXPECT_EQ(Trained().Serialize(), Trained().Serialize());
}

TEST(LinearTextModelTest, SerializedModelScoresTheSame) {
  const LinearTextModel model = Trained();
  Result<LinearTextModel> parsed = LinearTextModel::Parse(model.Serialize());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->feature_count(), model.feature_count());
  for (const char* line : {"call now __phone__", "great song", "whatsap pillz", ""}) {
    EXPECT_DOUBLE_EQ(parsed->Margin(line), model.Margin(line)) << line;
  }
  EXPECT_EQ(parsed->Serialize(), model.Serialize());
}

TEST(LinearTextModelTest, MinimumDocumentFrequencyPrunesRareNgrams) {
  LinearParameters keep_all;
  keep_all.min_document_frequency = 1;
  LinearParameters only_common;
  only_common.min_document_frequency = 6;  // every line occurs 5 times
  EXPECT_GT(Trained(keep_all).feature_count(), Trained(only_common).feature_count());
  EXPECT_GT(Trained(only_common).feature_count(), 0u);
}

TEST(LinearTextModelTest, CopiesWeighTrainingButCountOnceForDocumentFrequency) {
  std::vector<LinearExample> examples = Corpus();
  const size_t plain = Trained().feature_count();
  // One new line repeated: its words would clear min_df = 2 if each copy counted.
  examples.push_back({"zebra quokka", true, 5});
  Result<LinearTextModel> once = LinearTextModel::Train(examples, {});
  ASSERT_TRUE(once.ok()) << once.status().ToString();
  EXPECT_DOUBLE_EQ(once->Margin("zebra quokka"), once->Margin(""));
  // The same line as five separate examples does count five times.
  examples.pop_back();
  for (int i = 0; i < 5; ++i) examples.push_back({"zebra quokka", true});
  Result<LinearTextModel> five = LinearTextModel::Train(examples, {});
  ASSERT_TRUE(five.ok()) << five.status().ToString();
  EXPECT_GT(five->feature_count(), plain);
  EXPECT_GT(five->Margin("zebra quokka"), five->Margin(""));
  // Copies still weigh the training: a known ham line copied as spam moves its margin.
  std::vector<LinearExample> weighted = Corpus();
  weighted.push_back({"great song i listen to it every day", true, 40});
  Result<LinearTextModel> pulled = LinearTextModel::Train(weighted, {});
  ASSERT_TRUE(pulled.ok()) << pulled.status().ToString();
  EXPECT_GT(pulled->Margin("great song i listen to it every day"),
            Trained().Margin("great song i listen to it every day"));
}

TEST(LinearTextModelTest, TrainRefusesOneClassAndBadParameters) {
  std::vector<LinearExample> spam_only = {{"call now", true}, {"buy now", true}};
  Result<LinearTextModel> one_class = LinearTextModel::Train(spam_only, {});
  ASSERT_FALSE(one_class.ok());
  EXPECT_EQ(one_class.status().code(), Status::Code::kInvalidArgument);

  for (auto change : std::vector<void (*)(LinearParameters&)>{
           [](LinearParameters& p) { p.c = 0; },
           [](LinearParameters& p) { p.c = std::numeric_limits<double>::infinity(); },
           [](LinearParameters& p) { p.minn = 0; }, [](LinearParameters& p) { p.maxn = 1; },
           [](LinearParameters& p) { p.maxn = 17; },
           [](LinearParameters& p) { p.min_document_frequency = 0; }}) {
    LinearParameters parameters;
    change(parameters);
    Result<LinearTextModel> model = LinearTextModel::Train(Corpus(), parameters);
    ASSERT_FALSE(model.ok()) << parameters.ToString();
    EXPECT_EQ(model.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(model.status().message().find("out of range"), std::string::npos);
  }
}

// Serialize()'s bytes with `edit` applied.
std::string Edited(void (*edit)(std::string&)) {
  std::string bytes = Trained().Serialize();
  edit(bytes);
  return bytes;
}

void ExpectCorruption(const std::string& bytes, const std::string& words) {
  Result<LinearTextModel> model = LinearTextModel::Parse(bytes);
  ASSERT_FALSE(model.ok()) << words;
  EXPECT_EQ(model.status().code(), Status::Code::kCorruption);
  EXPECT_NE(model.status().message().find(words), std::string::npos) << model.status().ToString();
}

TEST(LinearTextModelTest, ParseRefusesDamagedBytes) {
  ExpectCorruption("", "shorter than its header");
  ExpectCorruption(Edited([](std::string& b) { b.pop_back(); }), "truncated or padded");
  ExpectCorruption(Edited([](std::string& b) { b.push_back('x'); }), "truncated or padded");
  ExpectCorruption(Edited([](std::string& b) { b[0] = 9; }), "format version 9");
  ExpectCorruption(Edited([](std::string& b) { b[4] = 0; }), "n-gram lengths");
  ExpectCorruption(Edited([](std::string& b) { b[8] = 40; }), "n-gram lengths");
  ExpectCorruption(Edited([](std::string& b) { b[15] = 0x10; }), "more than 67108864");
  // The bias (float64 at byte 16) set to NaN.
  ExpectCorruption(Edited([](std::string& b) {
                     const double nan = std::nan("");
                     std::memcpy(b.data() + 16, &nan, sizeof(nan));
                   }),
                   "bias is not finite");
  // The second feature's key equal to the first's.
  ExpectCorruption(
      Edited([](std::string& b) { std::memcpy(b.data() + 24 + 16, b.data() + 24, 8); }),
      "not strictly increasing at 1");
  // The first feature's weight (float32 at 24 + 12) set to infinity.
  ExpectCorruption(Edited([](std::string& b) {
                     const float infinity = INFINITY;
                     std::memcpy(b.data() + 24 + 12, &infinity, sizeof(infinity));
                   }),
                   "feature 0 has a non-finite weight");
}

}  // namespace
}  // namespace spamguard
