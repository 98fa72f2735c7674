#include "model/fasttext_line_index.h"

#include <fasttext/fasttext.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/tiny_fasttext.h"

namespace spamguard {
namespace {

namespace fs = std::filesystem;

// Texts of the SMS corpus (raw, mixed case, punctuation, some non-ASCII), which give the
// models a real vocabulary and the comparison real lines.
std::vector<std::string> CorpusTexts() {
  std::ifstream in(SPAMGUARD_SOURCE_DIR "/data/sms-spam/sms-spam.tsv");
  std::vector<std::string> texts;
  std::string row;
  std::getline(in, row);  // header
  while (std::getline(in, row)) {
    const size_t first = row.find('\t');
    const size_t second = row.find('\t', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    texts.push_back(row.substr(0, first) + '\t' + row.substr(first + 1, second - first - 1));
  }
  return texts;
}

// Lines that exercise getLine()'s edges: every separator, an embedded newline (reading stops
// there), a literal end-of-sentence token, label tokens, empty lines, multi-byte letters,
// bytes that are not UTF-8, and a line far longer than any comment.
std::vector<std::string> EdgeLines() {
  std::vector<std::string> lines = {
      "",
      "   ",
      "call now",
      "call\tnow\rfree\vprize\fwinner",
      std::string("nul\0separated words", 19),
      "first part\nnever read",
      "\nnothing before the newline",
      "before </s> after",
      "__label__spam is a label token, __label__unknown too",
      "привет мир عربي 中文 emoji 😀 café naïve",
      "\xff\xfe broken \xc3 utf8 \x80\x80 bytes",
      "a b c d e f g h i j",
  };
  std::string long_line;
  for (int i = 0; i < 3000; ++i) long_line += "word" + std::to_string(i % 97) + " free ";
  lines.push_back(long_line);
  return lines;
}

// Random lines for a seeded comparison: corpus words, random bytes (any of 0-255,
// separators and newlines included), end-of-sentence and label tokens, long tokens.
std::vector<std::string> RandomLines(const std::vector<std::string>& texts, size_t count) {
  std::mt19937 random(20261126);
  std::vector<std::string> words;
  for (size_t i = 0; i < texts.size(); i += 7) {
    std::istringstream in(texts[i]);
    for (std::string word; in >> word;) words.push_back(word);
  }
  std::vector<std::string> lines;
  for (size_t l = 0; l < count; ++l) {
    std::string line;
    const int pieces = static_cast<int>(random() % 40);
    for (int p = 0; p < pieces; ++p) {
      switch (random() % 8) {
        case 0:
          line.push_back(static_cast<char>(random() % 256));
          break;
        case 1:
          line += random() % 2 ? "</s>" : "__label__spam";
          break;
        case 2:
          line += std::string(1 + random() % 300, static_cast<char>('a' + random() % 26));
          break;
        case 3:
          line.push_back(" \t\r\v\f"[random() % 5]);
          break;
        default:
          line += words[random() % words.size()];
          line.push_back(' ');
      }
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

struct ModelSettings {
  const char* name;
  int minn;
  int maxn;
  int word_ngrams;
  int cutoff;  // quantize keeping this many rows; 0: not quantized
};

void PrintTo(const ModelSettings& settings, std::ostream* out) { *out << settings.name; }

class FastTextLineIndexTest : public ::testing::TestWithParam<ModelSettings> {
 protected:
  void SetUp() override {
    texts_ = CorpusTexts();
    ASSERT_GT(texts_.size(), 5000u);
    directory_ = fs::temp_directory_path() /
                 ("fasttext_line_index_test_" + std::to_string(::getpid()) + "_" + GetParam().name);
    fs::create_directories(directory_);
    const std::string input = (directory_ / "train.txt").string();
    {
      std::ofstream out(input);
      for (size_t i = 0; i < texts_.size(); i += 2) {
        const size_t tab = texts_[i].find('\t');
        out << "__label__" << texts_[i].substr(0, tab) << ' ' << texts_[i].substr(tab + 1) << '\n';
      }
    }
    fasttext::Args args = testing::TinyFastTextArgs(input, (directory_ / "model").string());
    args.minCount = 2;
    args.bucket = 50000;
    args.minn = GetParam().minn;
    args.maxn = GetParam().maxn;
    args.wordNgrams = GetParam().word_ngrams;
    args.dim = 8;
    args.epoch = 1;
    fasttext::FastText trained;
    trained.train(args);
    if (GetParam().cutoff > 0) {
      fasttext::Args quantize = args;
      quantize.cutoff = GetParam().cutoff;  // prunes the vocabulary and n-gram buckets
      quantize.dsub = 2;
      quantize.retrain = false;
      trained.quantize(quantize);
    }
    // Served models are read from a file: compare on one that went through save and load.
    const std::string saved = (directory_ / "saved.model").string();
    trained.saveModel(saved);
    model_ = std::make_unique<fasttext::FastText>();
    model_->loadModel(saved);
    index_ = FastTextLineIndex::Build(*model_->getDictionary());
  }
  void TearDown() override { fs::remove_all(directory_); }

  // The rows fastText's own getLine() gives `line`, read as predict() reads it.
  std::vector<int32_t> RowsFromGetLine(const std::string& line) const {
    std::istringstream in(line + "\n");
    std::vector<int32_t> words;
    std::vector<int32_t> labels;
    model_->getDictionary()->getLine(in, words, labels);
    return words;
  }

  std::vector<std::string> texts_;
  fs::path directory_;
  std::unique_ptr<fasttext::FastText> model_;
  FastTextLineIndex index_;
};

TEST_P(FastTextLineIndexTest, RowsEqualGetLineOnEveryCorpusText) {
  std::vector<int32_t> rows;
  size_t compared = 0;
  for (const std::string& text : texts_) {
    const std::string line = text.substr(text.find('\t') + 1);
    index_.Ids(line, rows);
    ASSERT_EQ(rows, RowsFromGetLine(line)) << line;
    ++compared;
  }
  EXPECT_EQ(compared, texts_.size());
}

TEST_P(FastTextLineIndexTest, RowsEqualGetLineOnEdgeLines) {
  std::vector<int32_t> rows;
  for (const std::string& line : EdgeLines()) {
    index_.Ids(line, rows);
    EXPECT_EQ(rows, RowsFromGetLine(line)) << line.substr(0, 80);
  }
}

TEST_P(FastTextLineIndexTest, RowsEqualGetLineOnSeededRandomLines) {
  std::vector<int32_t> rows;
  for (const std::string& line : RandomLines(texts_, 2000)) {
    index_.Ids(line, rows);
    ASSERT_EQ(rows, RowsFromGetLine(line)) << line.substr(0, 80);
  }
}

TEST_P(FastTextLineIndexTest, AnEmptyLineHasTheEndOfSentenceRowsWhenTheModelKeptThem) {
  std::vector<int32_t> rows;
  index_.Ids("", rows);
  EXPECT_EQ(rows, RowsFromGetLine(""));
  const int32_t end_of_sentence = model_->getDictionary()->getId("</s>");
  if (GetParam().cutoff > 0 && end_of_sentence < 0) GTEST_SKIP() << "pruned by quantization";
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.front(), end_of_sentence);
}

TEST(FastTextLineIndexHash, MatchesFastTextsHashIncludingBytesAbove127) {
  fasttext::Args args;
  const fasttext::Dictionary dictionary(std::make_shared<fasttext::Args>(args));
  for (const std::string text : {"", "a", "call now", "café", "\xff\x80", "привет"}) {
    EXPECT_EQ(FastTextLineIndex::Hash(text), dictionary.hash(text)) << text;
  }
}

TEST(FastTextLineIndexDefault, AnUnbuiltIndexGivesNoRows) {
  std::vector<int32_t> rows = {1, 2, 3};
  FastTextLineIndex().Ids("call now", rows);
  EXPECT_TRUE(rows.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Models, FastTextLineIndexTest,
    ::testing::Values(ModelSettings{"char3to5_bigrams", 3, 5, 2, 0},
                      ModelSettings{"char3to5_bigrams_quantized", 3, 5, 2, 2000},
                      ModelSettings{"char1to3_trigrams", 1, 3, 3, 0},
                      ModelSettings{"char1to3_trigrams_quantized", 1, 3, 3, 2000},
                      ModelSettings{"char3to5_bigrams_cutoff256", 3, 5, 2, 256},
                      ModelSettings{"words_only", 0, 0, 1, 0},
                      ModelSettings{"words_bigrams_quantized", 0, 0, 2, 2000}),
    [](const ::testing::TestParamInfo<ModelSettings>& info) { return info.param.name; });

}  // namespace
}  // namespace spamguard
