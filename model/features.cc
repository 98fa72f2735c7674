#include "model/features.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

#include "model/utf8.h"

namespace spamguard {
namespace {

// An entity replaced in the text by its placeholder tokens.
struct Replacement {
  uint32_t begin;
  uint32_t end;
  std::string tokens;
};

// Tokens keep only characters that are safe inside a fastText token: white space and other
// ASCII control characters become '_' (fastText splits on them; a line break would cut a
// training example in two), and a byte that is not UTF-8 becomes U+FFFD, as the normalizer
// does in the text. Author fields reach here unnormalized.
std::string TokenSafe(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  ForEachCodePoint(value, [&](size_t begin, size_t end, UChar32 c) {
    if (c < 0) {
      out += "\xEF\xBF\xBD";
    } else if (c <= 0x20 || c == 0x7F) {
      out.push_back('_');
    } else {
      out.append(value.substr(begin, end - begin));
    }
  });
  return out;
}

const char* CountBucket(size_t count) {
  switch (count) {
    case 0:
      return "0";
    case 1:
      return "1";
    case 2:
      return "2";
    default:
      return count < 6 ? "3to5" : "6plus";
  }
}

// Appends the normalized text between entities: words kept, ASCII punctuation dropped
// except the few marks that carry tone (!, ?, $), digit runs replaced by number tokens. From
// schema 2 on, '_' separates words like other punctuation, so no word of the commenter's
// starts with "__" as every token FeatureBuilder writes does; a number token stands alone,
// and a number ends at its last digit ("x7," is "x7").
void AppendPlainText(std::string_view text, std::string& out, int schema) {
  const bool escaped = schema >= 2;
  size_t i = 0;
  auto separate = [&out] {
    if (!out.empty() && out.back() != ' ') out.push_back(' ');
  };
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isdigit(c)) {
      size_t j = i;
      while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) ||
                                 text[j] == '.' || text[j] == ',')) {
        ++j;
      }
      // "7," ends at the 7: the comma is punctuation, not part of "x7".
      while (escaped && j > i + 1 && (text[j - 1] == '.' || text[j - 1] == ',')) --j;
      const bool glued_to_word = !out.empty() && out.back() != ' ';
      if (glued_to_word) {
        out.append(text.substr(i, j - i));  // "mp3", "covid19": part of a word
      } else {
        out.append(j - i > 4 ? "__longnum__" : "__num__");
        if (escaped) out.push_back(' ');
      }
      i = j;
    } else if (c >= 0x80 || std::isalpha(c) || (c == '_' && !escaped) || c == '\'') {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c == '!' || c == '?' || c == '$') {
      separate();
      out.push_back(static_cast<char>(c));
      out.push_back(' ');
      ++i;
    } else {
      separate();
      ++i;
    }
  }
}

const char* DurationBucket(int64_t milliseconds) {
  const int64_t seconds = milliseconds / 1000;
  if (seconds < 5) return "under5s";
  if (seconds < 30) return "under30s";
  if (seconds < 300) return "under5m";
  if (seconds < 3600) return "under1h";
  return "over1h";
}

const char* AgeBucket(int64_t milliseconds) {
  const int64_t days = milliseconds / (24 * 3600 * 1000LL);
  if (days < 1) return "under1d";
  if (days < 7) return "under1w";
  if (days < 30) return "under1mo";
  if (days < 365) return "under1y";
  return "over1y";
}

}  // namespace

int EffectiveFeatureSchema(int schema) {
  return schema < kOldestFeatureSchemaVersion || schema > kFeatureSchemaVersion
             ? kFeatureSchemaVersion
             : schema;
}

HtmlReading HtmlReadingOf(int schema) {
  return EffectiveFeatureSchema(schema) >= 3 ? HtmlReading::kAsDisplayed : HtmlReading::kAsWritten;
}

bool IsContextToken(std::string_view token) {
  for (std::string_view prefix :
       {"__kind_", "__authordomain_", "__authorname_", "__submit_", "__postage_"}) {
    if (token.starts_with(prefix)) return true;
  }
  return false;
}

FeatureBuilder::FeatureBuilder(std::shared_ptr<const EntityExtractor> extractor)
    : extractor_(std::move(extractor)) {}

std::string FeatureBuilder::ModelInput(const Comment& comment, const NormalizedText& normalized,
                                       const Entities& entities, int schema) const {
  schema = EffectiveFeatureSchema(schema);
  std::vector<Replacement> replacements;
  replacements.reserve(entities.links.size() + entities.emails.size() + entities.phones.size());
  for (const Link& link : entities.links) {
    std::string tokens = "__url__ __domain_" + TokenSafe(link.registrable_domain) + "__ __tld_" +
                         TokenSafe(link.top_level_domain) + "__";
    if (link.is_shortener) tokens += " __shortener__";
    replacements.push_back(
        {link.location.normalized_begin, link.location.normalized_end, std::move(tokens)});
  }
  for (const EmailAddress& email : entities.emails) {
    std::string tokens = "__email__ __emaildomain_" + TokenSafe(email.domain) + "__";
    if (email.is_free_mail) tokens += " __freemail__";
    replacements.push_back(
        {email.location.normalized_begin, email.location.normalized_end, std::move(tokens)});
  }
  for (const PhoneNumber& phone : entities.phones) {
    std::string tokens = "__phone__ __phone_cc_" + std::to_string(phone.country_code) + "__";
    if (phone.obfuscated) tokens += " __phone_obfuscated__";
    replacements.push_back(
        {phone.location.normalized_begin, phone.location.normalized_end, std::move(tokens)});
  }
  std::sort(replacements.begin(), replacements.end(),
            [](const Replacement& a, const Replacement& b) { return a.begin < b.begin; });

  const std::string_view text = normalized.text;
  std::string line;
  line.reserve(text.size() + 64 * (replacements.size() + 2));
  uint32_t position = 0;
  for (const Replacement& replacement : replacements) {
    if (replacement.begin < position || replacement.end > text.size()) continue;  // overlap
    AppendPlainText(text.substr(position, replacement.begin - position), line, schema);
    if (!line.empty() && line.back() != ' ') line.push_back(' ');
    line += replacement.tokens;
    line.push_back(' ');
    position = replacement.end;
  }
  AppendPlainText(text.substr(position), line, schema);

  // Entity-level tokens: what kind of contact the text asks for, and how much.
  auto add = [&line](std::string_view token) {
    if (!line.empty() && line.back() != ' ') line.push_back(' ');
    line.append(token);
  };
  for (const ContactCall& call : entities.contact_calls) {
    add("__contact_" + TokenSafe(call.channel) + "__");
  }
  for (const MoneyAmount& money : entities.money) {
    add(money.currency.empty() ? std::string("__money__")
                               : "__money_" + TokenSafe(money.currency) + "__");
  }
  if (!entities.links.empty())
    add(std::string("__links_") + CountBucket(entities.links.size()) + "__");
  if (!entities.phones.empty()) {
    add(std::string("__phones_") + CountBucket(entities.phones.size()) + "__");
  }
  const uint32_t obfuscation = normalized.obfuscation.total();
  if (obfuscation > 0) add(obfuscation >= 8 ? "__obfuscation_high__" : "__obfuscation_low__");

  // Metadata tokens appear only when the caller sent the field, so a text without context
  // (every training corpus) gets exactly the same line in training and in serving.
  if (comment.kind != CommentKind::kComment) {
    add(std::string("__kind_") + CommentKindName(comment.kind) + "__");
  }
  if (!comment.author_url.empty()) {
    const std::string domain = extractor_->RegistrableDomain(comment.author_url);
    if (!domain.empty()) add("__authordomain_" + TokenSafe(domain) + "__");
  }
  if (!comment.author_name.empty()) {
    const bool has_digit =
        std::any_of(comment.author_name.begin(), comment.author_name.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (has_digit) add("__authorname_digits__");
    if (comment.author_name.find('.') != std::string::npos &&
        !extractor_->RegistrableDomain(comment.author_name).empty()) {
      add("__authorname_domain__");
    }
  }
  if (comment.form_rendered_at_ms && comment.created_at_ms) {
    add(std::string("__submit_") +
        DurationBucket(*comment.created_at_ms - *comment.form_rendered_at_ms) + "__");
  }
  if (comment.post_published_at_ms && comment.created_at_ms) {
    add(std::string("__postage_") +
        AgeBucket(*comment.created_at_ms - *comment.post_published_at_ms) + "__");
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

}  // namespace spamguard
