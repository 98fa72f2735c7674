#include "model/features.h"

#include <gtest/gtest.h>

#include <string>

#include "model/comment_classifier.h"

namespace spamguard {
namespace {

class FeaturesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::shared_ptr<const TextPipeline>> created = TextPipeline::Create();
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    pipeline_ = *created;
  }
  static void TearDownTestSuite() { pipeline_.reset(); }

  static std::string Line(const std::string& content) {
    Comment comment;
    comment.content = content;
    return pipeline_->ModelInput(comment, kFeatureSchemaVersion);
  }
  static bool HasToken(const std::string& line, const std::string& token) {
    return (" " + line + " ").find(" " + token + " ") != std::string::npos;
  }

  static inline std::shared_ptr<const TextPipeline> pipeline_;
};

TEST_F(FeaturesTest, LinksBecomePlaceholdersThatKeepTheDomain) {
  const std::string line = Line("see https://www.example.co.uk/some/page?x=1 now");
  EXPECT_TRUE(HasToken(line, "__url__")) << line;
  EXPECT_TRUE(HasToken(line, "__domain_example.co.uk__")) << line;
  EXPECT_TRUE(HasToken(line, "__tld_uk__")) << line;
  EXPECT_EQ(line.find("some/page"), std::string::npos) << line;
}

TEST_F(FeaturesTest, ShortenedLinksAreMarked) {
  EXPECT_TRUE(HasToken(Line("click http://bit.ly/abc123"), "__shortener__"));
}

TEST_F(FeaturesTest, PhoneNumbersBecomePlaceholdersWithTheirCountry) {
  const std::string line = Line("Call and Whatsapp Now +91 9829286600");
  EXPECT_TRUE(HasToken(line, "__phone__")) << line;
  EXPECT_TRUE(HasToken(line, "__phone_cc_91__")) << line;
  EXPECT_EQ(line.find("9829286600"), std::string::npos) << line;
}

TEST_F(FeaturesTest, EmailsKeepTheirDomainAndFreeMailFlag) {
  const std::string line = Line("write to lovebaba123@gmail.com today");
  EXPECT_TRUE(HasToken(line, "__email__")) << line;
  EXPECT_TRUE(HasToken(line, "__emaildomain_gmail.com__")) << line;
  EXPECT_TRUE(HasToken(line, "__freemail__")) << line;
}

TEST_F(FeaturesTest, WordsAreCaseFoldedAndPunctuationSeparated) {
  EXPECT_EQ(Line("Love, MARRIAGE; family."), "love marriage family");
}

TEST_F(FeaturesTest, StandaloneNumbersBecomeNumberTokens) {
  const std::string line = Line("I waited 20 minutes and paid 123456");
  EXPECT_TRUE(HasToken(line, "__num__")) << line;
  EXPECT_TRUE(HasToken(line, "__longnum__")) << line;
}

// Schema 2: a commenter typed FeatureBuilder's own tokens to move a spam from 0.96 to 0.79.
TEST_F(FeaturesTest, TheCommentersTextCannotSpellAFeatureToken) {
  const std::string line =
      Line("earn money __domain_wikipedia.org__ __obfuscation_low__ __url__ snake_case");
  EXPECT_EQ(line, "earn money domain wikipedia org obfuscation low url snake case");
  for (const std::string& token : {std::string("__url__"), std::string("__obfuscation_low__")}) {
    EXPECT_FALSE(HasToken(line, token)) << line;
  }
}

TEST_F(FeaturesTest, ANumberTokenIsAWordOfItsOwn) {
  EXPECT_EQ(Line("100mg pills 24x7, 500 units"), "__num__ mg pills __num__ x7 __num__ units");
  EXPECT_EQ(Line("covid19 mp3"), "covid19 mp3");  // digits inside a word stay in it
}

// A model trained by an older build records schema 1 and is scored with schema 1's lines.
TEST_F(FeaturesTest, SchemaOneLinesAreStillBuiltForModelsTrainedWithThem) {
  Comment comment;
  comment.content = "100mg __url__ snake_case";
  EXPECT_EQ(pipeline_->ModelInput(comment, 1), "__num__mg __url__ snake_case");
  EXPECT_EQ(pipeline_->ModelInput(comment, 2), "__num__ mg url snake case");
}

// From schema 3 the model reads HTML as displayed; schema 1 and 2 lines read it as written,
// as those models were trained.
TEST_F(FeaturesTest, SchemaThreeLinesReadHtmlAsDisplayedAndOlderOnesAsWritten) {
  Comment comment;
  comment.content = "I&#39;m &#87;ow";
  EXPECT_EQ(pipeline_->ModelInput(comment, 3), "i'm wow __obfuscation_low__");
  EXPECT_EQ(pipeline_->ModelInput(comment, 2), "i __num__ m __num__ ow");
  EXPECT_EQ(pipeline_->ModelInput(comment, 1), "i __num__ m __num__ ow");
  comment.content = "Wo<b></b>w";
  EXPECT_EQ(pipeline_->ModelInput(comment, 3), "wow __obfuscation_low__");
  EXPECT_EQ(pipeline_->ModelInput(comment, 2), "wo b b w");
}

TEST_F(FeaturesTest, ObfuscatedTextReadsLikeItsPlainFormPlusAnObfuscationToken) {
  // Cyrillic o and a inside Latin words.
  EXPECT_EQ(Line("l\xD0\xBEve b\xD0\xB0\x63k"), "love back __obfuscation_low__");
}

TEST_F(FeaturesTest, ATextWithoutContextGetsNoMetadataTokens) {
  // Training corpora carry no metadata; serving a bare comment must produce the same line.
  EXPECT_EQ(Line("great song"), "great song");
}

TEST_F(FeaturesTest, MetadataBecomesTokensWhenTheCallerSendsIt) {
  Comment comment;
  comment.content = "nice post";
  comment.kind = CommentKind::kTrackback;
  comment.author_url = "https://seo-links.example.com/page";
  comment.author_name = "cheapseo2024";
  comment.form_rendered_at_ms = 1'000'000;
  comment.created_at_ms = 1'002'000;
  const std::string line = pipeline_->ModelInput(comment, kFeatureSchemaVersion);
  EXPECT_TRUE(HasToken(line, "__kind_trackback__")) << line;
  EXPECT_TRUE(HasToken(line, "__authordomain_example.com__")) << line;
  EXPECT_TRUE(HasToken(line, "__authorname_digits__")) << line;
  EXPECT_TRUE(HasToken(line, "__submit_under5s__")) << line;
}

TEST_F(FeaturesTest, AnAuthorUrlWithControlBytesOrBrokenUtf8StaysOneToken) {
  // Author fields reach the feature line unnormalized; a training file may hold anything.
  // (The line break goes where a browser drops it, in the URL; the control byte and the
  // space become '_', the cut sequence U+FFFD.)
  Comment comment;
  comment.content = "nice post";
  comment.author_url = std::string("my\nblog\x01\xE2\x80 site", 16);
  const std::string line = pipeline_->ModelInput(comment, kFeatureSchemaVersion);
  EXPECT_TRUE(HasToken(line, "__authordomain_myblog_\xEF\xBF\xBD_site__")) << line;
}

}  // namespace
}  // namespace spamguard
