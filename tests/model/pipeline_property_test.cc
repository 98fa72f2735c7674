// Properties of the text pipeline (Normalizer, EntityExtractor, FeatureBuilder and the
// default rule pack) that must hold for any input, checked on generated comments built from
// the pieces spam and readers actually use: obfuscation characters, HTML character
// references, phone numbers, links, e-mail addresses, several scripts, characters whose case
// folding or NFKC form changes length, and broken UTF-8. A fixed seed keeps every run the same; a
// failure prints the comment in hex. The sanitizer build (make sanitize) runs these too, which is
// where an offset off by one shows up.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "model/entities.h"
#include "model/features.h"
#include "model/normalizer.h"
#include "model/rule_set.h"
#include "model/utf8.h"

namespace spamguard {
namespace {

constexpr int kComments = 1500;
constexpr int64_t kNow = 1'700'000'000'000;

// Pieces a generated comment is glued together from.
const std::vector<std::string>& Pieces() {
  static const std::vector<std::string> pieces = {
      // words, calls to contact and the seed spam's phone number, plain and obfuscated
      "love", "back", "problem", "Solution", "call", "now", "whatsapp", "W h a t s a p p",
      "telegram", "DM me", "inbox me", "+91", "98292 86600", "+9 1 9 8 2 9 2 8 6 6 0 0",
      "9829286600",
      "+9\xCC\xBE"
      "1\xCC\xBE",
      "(555) 123-4567", "l0ve", "c4ll", "$$$", "@@",
      // links, e-mail addresses, handles, money
      "https://", "http://", "www.", "bit.ly/x", "example.com", "blog.example/post?p=1", ".co.uk",
      "wa.me/919829286600", "://", "@", "user@gmail.com", "#tag", "@handle", "$",
      "\xE2\x82\xAC" /* € */, "100", "1.000.000", "1,000", "0.5btc", "usdt",
      "<a href=\"http://x.ru\">", "</a>",
      // format characters, combining marks, fancy letters
      "\xE2\x80\x8B" /* ZWSP */, "\xEF\xBB\xBF" /* BOM */, "\xE2\x81\xA0" /* word joiner */,
      "\xCC\x81" /* combining acute */, "\xE2\x83\x9D" /* enclosing circle */,
      "\xF0\x9D\x90\x8B\xF0\x9D\x90\xA8" /* math bold Lo */,
      "\xEF\xBD\x8C\xEF\xBD\x8F" /* fullwidth lo */, "\xE1\xB4\x84\xE1\xB4\x80" /* small caps */,
      "\xE2\x91\xA0" /* circled 1 */, "\xC2\xBD" /* 1/2 */, "\xEF\xAC\x81" /* fi ligature */,
      "\xE3\x8E\x9E" /* km square */, "\xE2\x85\xAB" /* roman XII */,
      // case folding that changes length, other scripts, emoji sequences
      "\xC3\x9F" /* sharp s */, "\xC4\xB0" /* dotted capital I */, "\xC7\x85" /* Dz digraph */,
      "\xCE\x90" /* iota with dialytika and tonos */, "\xCD\x85" /* ypogegrammeni */,
      "\xD0\xBB\xD0\xBE\xD0\xB2\xD0\xB5" /* Cyrillic love */, "l\xD0\xBEve" /* mixed */,
      "\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A" /* Arabic */, "\xE0\xA4\xA8\xE0\xA4\xAE" /* Devanagari */,
      "\xF0\x9F\x98\x80" /* emoji */, "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9" /* ZWJ */,
      "\xEF\xB8\x8F" /* VS16 */,
      // HTML character references: letters, digits, marks, format characters, invalid values
      "&#87;", "&#x61;pp", "&#57", "&#830;", "&#8203;", "&#x1D400;", "&#0;", "&#xD800;",
      "&#99999999999;", "&amp;", "&amp;#87;", "&nbsp;", "&eacute;", "&quot;", "&", "&#", "&x;",
      // HTML tags: inline, line-breaking, comments, runs, and text that only looks like one
      "<b></b>", "<i>", "</p>", "<br />", "<!-- c -->", "<span class=\"x\">", "<b", "< b>",
      // white space, punctuation, repeats
      " ", "  ", "\n", "\t", "\r\n", ".", "...", "-", "/", "(", ")", ":", ",", "!!!!!!", "aaaaaaaa",
      "1111111111111", "_",
      // broken UTF-8 and control bytes
      "\x80", "\xC3", "\xE2\x80", "\xF0\x9F\x98", "\xFF", "\xC0\xAF", "\xED\xA0\x80",
      std::string(1, '\0'), "\x01", "\x7F"};
  return pieces;
}

std::string Generate(std::mt19937& random) {
  const std::vector<std::string>& pieces = Pieces();
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> count(0, 60);
  std::bernoulli_distribution space(0.4);
  std::string comment;
  for (int n = count(random); n > 0; --n) {
    comment += pieces[pick(random)];
    if (space(random)) comment += ' ';
  }
  return comment;
}

std::string Hex(const std::string& bytes) {
  std::string hex;
  char buffer[4];
  for (unsigned char c : bytes) {
    std::snprintf(buffer, sizeof buffer, "%02x", c);
    hex += buffer;
  }
  return hex;
}

void ExpectWithin(const Span& span, size_t length, const char* what) {
  EXPECT_LE(span.begin, span.end) << what;
  EXPECT_LE(span.end, length) << what;
}

void ExpectLocation(const EntityLocation& location, const NormalizedText& normalized,
                    const char* what) {
  EXPECT_LE(location.normalized_begin, location.normalized_end) << what;
  EXPECT_LE(location.normalized_end, normalized.text.size()) << what;
  ExpectWithin(location.original, normalized.original_length, what);
}

class PipelinePropertyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto normalizer = Normalizer::Create();
    ASSERT_TRUE(normalizer.ok()) << normalizer.status().ToString();
    normalizer_ = std::move(normalizer).value();
    auto extractor = EntityExtractor::Create({});
    ASSERT_TRUE(extractor.ok()) << extractor.status().ToString();
    extractor_ = std::move(extractor).value();
    auto rules =
        RuleSet::LoadFile(SPAMGUARD_SOURCE_DIR "/rules/default.yaml", normalizer_, extractor_);
    ASSERT_TRUE(rules.ok()) << rules.status().ToString();
    rules_ = std::move(rules).value();
  }
  static void TearDownTestSuite() {
    rules_.reset();
    extractor_.reset();
    normalizer_.reset();
  }

  static std::shared_ptr<const Normalizer> normalizer_;
  static std::shared_ptr<const EntityExtractor> extractor_;
  static std::shared_ptr<const RuleSet> rules_;
};

std::shared_ptr<const Normalizer> PipelinePropertyTest::normalizer_;
std::shared_ptr<const EntityExtractor> PipelinePropertyTest::extractor_;
std::shared_ptr<const RuleSet> PipelinePropertyTest::rules_;

TEST_F(PipelinePropertyTest, NormalizedTextIsValidUtf8AndEveryByteMapsInsideTheOriginal) {
  std::mt19937 random(20261126);
  for (int n = 0; n < kComments && !HasFailure(); ++n) {
    const std::string original = Generate(random);
    SCOPED_TRACE("comment " + std::to_string(n) + " hex " + Hex(original));
    const NormalizedText normalized = normalizer_->Normalize(original);

    EXPECT_TRUE(IsValidUtf8(normalized.text));
    EXPECT_EQ(normalized.original_length, original.size());
    ASSERT_EQ(normalized.source_begin.size(), normalized.text.size());
    ASSERT_EQ(normalized.source_end.size(), normalized.text.size());
    for (size_t i = 0; i < normalized.text.size(); ++i) {
      ASSERT_LE(normalized.source_begin[i], normalized.source_end[i]) << "byte " << i;
      ASSERT_LE(normalized.source_end[i], original.size()) << "byte " << i;
    }
    const auto size = static_cast<uint32_t>(normalized.text.size());
    std::uniform_int_distribution<uint32_t> offset(0, size);
    for (int k = 0; k < 8; ++k) {
      uint32_t begin = offset(random);
      uint32_t end = offset(random);
      if (begin > end) std::swap(begin, end);
      ExpectWithin(normalized.ToOriginal(begin, end), original.size(), "ToOriginal");
    }
    // Obfuscation spans are merged and ordered, as their contract says.
    const std::vector<Span>& spans = normalized.obfuscation.spans;
    for (size_t i = 0; i < spans.size(); ++i) {
      ExpectWithin(spans[i], original.size(), "obfuscation span");
      if (i > 0) {
        EXPECT_LE(spans[i - 1].end, spans[i].begin) << "obfuscation spans overlap";
      }
    }
    EXPECT_EQ(normalizer_->NormalizeForMatching(original), normalized.text);
    // Normalizing twice changes nothing: the rule loader normalizes phrases with the same
    // code, and a phrase must match the text it was written from. The one exception is text
    // that shows a character reference literally: "&amp;#87;" shows "&#87;", which is
    // decoded again the second time.
    const NormalizedText again = normalizer_->Normalize(normalized.text);
    if (again.html_rewrites == 0) {
      EXPECT_EQ(again.text, normalized.text);
    }
  }
}

TEST_F(PipelinePropertyTest, EntitiesPointInsideBothTexts) {
  std::mt19937 random(7);
  for (int n = 0; n < kComments && !HasFailure(); ++n) {
    const std::string original = Generate(random);
    SCOPED_TRACE("comment " + std::to_string(n) + " hex " + Hex(original));
    const NormalizedText normalized = normalizer_->Normalize(original);
    const Entities entities = extractor_->Extract(normalized);
    for (const Link& link : entities.links) {
      ExpectLocation(link.location, normalized, "link");
      EXPECT_FALSE(link.host.empty());
      EXPECT_LE(link.host.size(), 253u);
    }
    for (const EmailAddress& email : entities.emails) {
      ExpectLocation(email.location, normalized, "email");
      EXPECT_NE(email.address.find('@'), std::string::npos);
    }
    for (const PhoneNumber& phone : entities.phones) {
      ExpectLocation(phone.location, normalized, "phone");
      ASSERT_GE(phone.e164.size(), 2u);
      EXPECT_EQ(phone.e164[0], '+');
      EXPECT_EQ(phone.e164.find_first_not_of("0123456789", 1), std::string::npos) << phone.e164;
      EXPECT_GT(phone.country_code, 0);
    }
    for (const ContactCall& call : entities.contact_calls) {
      ExpectLocation(call.location, normalized, "contact call");
    }
    for (const MoneyAmount& money : entities.money)
      ExpectLocation(money.location, normalized, "money");
    EXPECT_LE(entities.phones.size(), 16u);
  }
}

TEST_F(PipelinePropertyTest, ModelInputIsOneLineOfValidUtf8) {
  const FeatureBuilder features(extractor_);
  std::mt19937 random(11);
  for (int n = 0; n < kComments && !HasFailure(); ++n) {
    Comment comment;
    comment.content = Generate(random);
    comment.author_name = Generate(random).substr(0, 40);
    comment.author_url = Generate(random).substr(0, 60);
    SCOPED_TRACE("comment " + std::to_string(n) + " hex " + Hex(comment.content) +
                 " author name hex " + Hex(comment.author_name) + " author URL hex " +
                 Hex(comment.author_url));
    const NormalizedText normalized = normalizer_->Normalize(comment.content);
    const Entities entities = extractor_->Extract(normalized);
    const std::string line =
        features.ModelInput(comment, normalized, entities, kFeatureSchemaVersion);
    // fastText reads one example per line and splits tokens on white space: a stray line
    // break would cut a training example in two, a NUL would end it.
    EXPECT_EQ(line.find_first_of(std::string("\n\r\v\f\0", 5)), std::string::npos) << line;
    EXPECT_TRUE(IsValidUtf8(line)) << Hex(line);
  }
}

TEST_F(PipelinePropertyTest, DefaultPackReasonsHaveMergedSpansInsideTheOriginal) {
  std::mt19937 random(3);
  for (int n = 0; n < kComments && !HasFailure(); ++n) {
    Comment comment;
    comment.content = Generate(random);
    comment.author_name = Generate(random).substr(0, 40);
    comment.author_email = "someone@example.com";
    comment.author_url = Generate(random).substr(0, 60);
    comment.post_permalink = "https://blog.example/post/";
    comment.client_ip = "203.0.113.7";
    SCOPED_TRACE("comment " + std::to_string(n) + " hex " + Hex(comment.content));
    const NormalizedText normalized = normalizer_->Normalize(comment.content);
    const Entities entities = extractor_->Extract(normalized);
    const std::vector<Reason> reasons =
        rules_->Evaluate(RuleInput{comment, normalized, entities, kNow});
    for (const Reason& reason : reasons) {
      SCOPED_TRACE(reason.code);
      EXPECT_FALSE(reason.code.empty());
      EXPECT_NE(reason.score, 0);
      EXPECT_LE(reason.spans.size(), 16u);
      for (size_t i = 0; i < reason.spans.size(); ++i) {
        ExpectWithin(reason.spans[i], comment.content.size(), "reason span");
        if (i > 0) {
          EXPECT_LT(reason.spans[i - 1].end, reason.spans[i].begin) << "not merged";
        }
      }
    }
  }
}

}  // namespace
}  // namespace spamguard
