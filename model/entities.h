// EntityExtractor: finds the things spam is made of in normalized text — links, e-mail
// addresses, phone numbers, messaging handles and calls to contact, money amounts — and
// reports each with its span in both the normalized and the original text.
//
// Phone numbers are found with libphonenumber's PhoneNumberMatcher on the normalized text
// (so spaced-out, fullwidth or mark-laden digits are found, and O, I or l written for a digit
// inside a group of digits is read as that digit), trying the international
// format first and then each configured default region. A number written in number words
// ("call nine eight two nine ...") is read when a call to contact comes just before it. Domains are
// reduced to their registrable domain (example.co.uk) with the public-suffix rules shipped in
// data/.
//
// Thread safety: Extract() is const; one EntityExtractor may be shared by all threads.
#ifndef SPAMGUARD_MODEL_ENTITIES_H_
#define SPAMGUARD_MODEL_ENTITIES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/assessment.h"
#include "model/normalizer.h"
#include "model/status.h"

namespace spamguard {

// Where an entity sits: in the normalized text (for features) and in the original content
// (for reasons).
struct EntityLocation {
  uint32_t normalized_begin = 0;
  uint32_t normalized_end = 0;
  Span original;
};

struct Link {
  EntityLocation location;
  std::string url;                 // as found (normalized text)
  std::string host;                // lower-case host, no user info or port ("www.bit.ly")
  std::string registrable_domain;  // "bit.ly"; the host itself when no suffix rule matches
  std::string top_level_domain;    // "ly"
  bool is_shortener = false;       // a known link shortener (bit.ly, tinyurl.com, t.co, ...)
  bool spelled_out = false;        // written to hide it: "pills-direct(dot)com", "spin777 . com"
};

struct EmailAddress {
  EntityLocation location;
  std::string address;        // lower-case
  std::string domain;         // "gmail.com"
  bool is_free_mail = false;  // gmail.com, yahoo.*, hotmail.*, outlook.*, mail.ru, ...
  bool spelled_out = false;   // written to hide it: "sam (at) gmail (dot) com"
};

struct PhoneNumber {
  EntityLocation location;
  std::string e164;         // "+919829286600"
  int country_code = 0;     // 91
  std::string region;       // "IN"
  bool obfuscated = false;  // the original bytes differ from the normalized digits
  // Digits written in letters: "+1 (3O2) 555-O1I8" has 3 (O for 0, I for 1; so are o, i,
  // l); "+91 nine 8 two 9 ..." one per number word (EntityExtractor reads a run of at least
  // three number words and 7 to 17 digits, after a call to contact, as a number).
  uint32_t letters_as_digits = 0;
  // Whether the text writes the country code ("+91 ...", "0091 ...", "91 98292 86600").
  // Otherwise `country_code` is a guess, the first default region that accepts the digits:
  // "020 7946 0000" is a London number and, read under "IN", a Pune one; "0806 555 0134" is
  // Nigerian, a region the extractor does not try, and valid under "IN" alone.
  bool country_code_written = false;
};

// "whatsapp", "telegram", "@handle", "#handle", "dm me", "inbox me", "call now", ...
struct ContactCall {
  EntityLocation location;
  std::string channel;  // "whatsapp", "telegram", "handle", "hashtag", "dm", "call", ...
};

struct MoneyAmount {
  EntityLocation location;
  std::string currency;  // "usd", "inr", "btc", ... or "" when only a number with a sign
};

struct Entities {
  std::vector<Link> links;
  std::vector<EmailAddress> emails;
  std::vector<PhoneNumber> phones;
  std::vector<ContactCall> contact_calls;
  std::vector<MoneyAmount> money;
  // Where the comment sends readers to its author's own channel or page by name ("check out
  // my channel", "subscribe to me", "sub4sub"): the author is reached through the name the
  // comment is posted under. Only OffersContact reads these; the model's features do not.
  std::vector<EntityLocation> self_references;
};

// Whether a comment with these entities gives a reader a way to reach someone: a link, an
// e-mail address, a phone number, a messaging app, handle or call to contact (a hashtag
// reaches nobody), a pointer to the author's own channel or page, or else an author URL
// beside it. Spam that offers none advertises
// nothing; the scorer's DISCARD gate and the `no-contact` rule kind read this.
bool OffersContact(const Entities& entities, bool has_author_url);

#ifdef SPAMGUARD_SOURCE_DIR
#define SPAMGUARD_PUBLIC_SUFFIX_LIST \
  SPAMGUARD_SOURCE_DIR "/data/publicsuffix/public_suffix_list.dat"
#else
#define SPAMGUARD_PUBLIC_SUFFIX_LIST "data/publicsuffix/public_suffix_list.dat"
#endif

struct EntityExtractorOptions {
  // Regions tried, in order, for numbers written without a leading '+'.
  std::vector<std::string> default_regions = {"US", "IN", "GB"};
  // The Public Suffix List (publicsuffix.org format), read once by Create().
  std::string public_suffix_list_path = SPAMGUARD_PUBLIC_SUFFIX_LIST;
};

class EntityExtractor {
 public:
  // Loads the public suffix list and compiles the patterns. Fails with kNotFound when the
  // list cannot be opened, kCorruption when it holds no rules, kInvalidArgument for an
  // unknown default region.
  static Result<std::shared_ptr<const EntityExtractor>> Create(EntityExtractorOptions options);

  // Every entity of the normalized text, each list ordered by position. An e-mail address
  // wins over a link whose host it overlaps, except in the user info of a link with a scheme
  // or "www.", which a browser opens at the host after the '@' ("http://user:pw@a.example/"
  // is a link to a.example and no e-mail address; "user@a.example" and
  // "mailto:user@a.example" are e-mail addresses and no links). An address in a link's path
  // or query is both ("http://a.example/?to=me@b.example"), and so is a spelled-out address
  // whose host is written as a link (below); those are the only ways an e-mail address
  // overlaps a link. Phone numbers never overlap each other. Phone matching runs
  // only when some stretch of digits and separators holds at least 7 digits; pairs of one or
  // two digits listed like match scores ("4-3 3-3 3-0 0-1") are no phone number.
  // Addresses and hosts spelled out to hide them are found too, marked `spelled_out`:
  // "sam (at) x.com" and "sam [at] x [dot] org" (after "(at)" any host), "sam @ gmail (dot)
  // com", "sam@ gmail [.] com", "sam at gmail dot com" (otherwise the host must be spelled
  // out too; after the word "at", a free-mail provider's), "pills-direct(dot)com",
  // "spin777[.]com", and, for a name with a digit or hyphen or six letters or more and a
  // suffix spam spells out (com, org, info, biz, xyz, ru, ng), "spin777 . com" and
  // "betking dot com". A spelled-out address whose host is written as a link ("(at) x.com")
  // is both an address and a link. Prose is not read that way: "Thanks. Top video", "Thanks @
  // everyone. In the end", "ASP .NET", "the dot com bubble". At most 16 of each per comment.
  // Never fails.
  Entities Extract(const NormalizedText& text) const;

  // Registrable domain of a host or URL ("https://a.b.example.co.uk/x" -> "example.co.uk");
  // empty when the input has no host. Used for author_url and list matching.
  std::string RegistrableDomain(std::string_view host_or_url) const;

 private:
  struct Impl;
  explicit EntityExtractor(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_ENTITIES_H_
