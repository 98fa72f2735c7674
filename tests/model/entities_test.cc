#include "model/entities.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "model/normalizer.h"
#include "model/url_parts.h"

namespace spamguard {
namespace {

class EntityExtractorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto normalizer = Normalizer::Create();
    ASSERT_TRUE(normalizer.ok()) << normalizer.status().ToString();
    normalizer_ = std::move(normalizer).value();
    auto extractor = EntityExtractor::Create({});
    ASSERT_TRUE(extractor.ok()) << extractor.status().ToString();
    extractor_ = std::move(extractor).value();
  }
  static void TearDownTestSuite() {
    normalizer_.reset();
    extractor_.reset();
  }

  void Extract(std::string original) {
    original_ = std::move(original);
    normalized_ = normalizer_->Normalize(original_);
    entities_ = extractor_->Extract(normalized_);
  }
  std::string OriginalText(const EntityLocation& location) const {
    return original_.substr(location.original.begin,
                            location.original.end - location.original.begin);
  }
  std::string NormalizedText(const EntityLocation& location) const {
    return normalized_.text.substr(location.normalized_begin,
                                   location.normalized_end - location.normalized_begin);
  }
  std::vector<std::string> Channels() const {
    std::vector<std::string> channels;
    for (const ContactCall& call : entities_.contact_calls) channels.push_back(call.channel);
    return channels;
  }

  static std::shared_ptr<const Normalizer> normalizer_;
  static std::shared_ptr<const EntityExtractor> extractor_;
  std::string original_;
  spamguard::NormalizedText normalized_;
  Entities entities_;
};

std::shared_ptr<const Normalizer> EntityExtractorTest::normalizer_;
std::shared_ptr<const EntityExtractor> EntityExtractorTest::extractor_;

constexpr char kSeedSpam[] =
    "Qurani Dua For Love back and All life problem Solution — We will Solve your All type of "
    "problem: Love, Marriage, Family, Relationship, Ex Love back Etc. Call and Whatsapp Now "
    "+91 9829286600";

TEST_F(EntityExtractorTest, SeedSpamHasExactlyOnePhoneSpanningItsOriginalBytes) {
  Extract(kSeedSpam);
  ASSERT_EQ(entities_.phones.size(), 1u);
  const PhoneNumber& phone = entities_.phones[0];
  EXPECT_EQ(phone.e164, "+919829286600");
  EXPECT_EQ(phone.country_code, 91);
  EXPECT_EQ(phone.region, "IN");
  EXPECT_TRUE(phone.country_code_written);
  EXPECT_FALSE(phone.obfuscated);
  const size_t at = original_.find("+91 9829286600");
  EXPECT_EQ(phone.location.original,
            (Span{static_cast<uint32_t>(at), static_cast<uint32_t>(at + 14)}));
}

TEST_F(EntityExtractorTest, SeedSpamCallsForWhatsappAndACall) {
  Extract(kSeedSpam);
  EXPECT_EQ(Channels(), (std::vector<std::string>{"call", "whatsapp"}));
  EXPECT_EQ(OriginalText(entities_.contact_calls[1].location), "Whatsapp");
}

TEST_F(EntityExtractorTest, PhoneWithCombiningMarksIsObfuscatedAndCoversTheMarks) {
  Extract("Call +9̾1̾ 9̾8̾2̾9̾2̾8̾6̾6̾0̾0̾ today");
  ASSERT_EQ(entities_.phones.size(), 1u);
  EXPECT_EQ(entities_.phones[0].e164, "+919829286600");
  EXPECT_TRUE(entities_.phones[0].obfuscated);
  EXPECT_EQ(OriginalText(entities_.phones[0].location), "+9̾1̾ 9̾8̾2̾9̾2̾8̾6̾6̾0̾0̾");
}

TEST_F(EntityExtractorTest, FullwidthPhoneIsFound) {
  Extract("Ring ＋９１ ９８２９２８６６００ now");
  ASSERT_EQ(entities_.phones.size(), 1u);
  EXPECT_EQ(entities_.phones[0].e164, "+919829286600");
  EXPECT_TRUE(entities_.phones[0].obfuscated);
  EXPECT_EQ(OriginalText(entities_.phones[0].location), "＋９１ ９８２９２８６６００");
}

TEST_F(EntityExtractorTest, SpacedOutPhoneIsFound) {
  Extract("Call +9 1 9 8 2 9 2 8 6 6 0 0 for help");
  ASSERT_EQ(entities_.phones.size(), 1u);
  EXPECT_EQ(entities_.phones[0].e164, "+919829286600");
  EXPECT_TRUE(entities_.phones[0].obfuscated);
  EXPECT_EQ(OriginalText(entities_.phones[0].location), "+9 1 9 8 2 9 2 8 6 6 0 0");
}

TEST_F(EntityExtractorTest, PhoneWithZeroWidthCharactersInsideIsFound) {
  Extract("Now +91 98292\u200b86600\u200d!");
  ASSERT_EQ(entities_.phones.size(), 1u);
  EXPECT_EQ(entities_.phones[0].e164, "+919829286600");
  EXPECT_TRUE(entities_.phones[0].obfuscated);
  EXPECT_EQ(OriginalText(entities_.phones[0].location), "+91 98292\u200b86600");
}

TEST_F(EntityExtractorTest, LettersWrittenForDigitsAreReadAsDigits) {
  Extract("Call +1 (3O2) 555-O1I8 today");
  ASSERT_EQ(entities_.phones.size(), 1u);
  EXPECT_EQ(entities_.phones[0].e164, "+13025550118");
  EXPECT_EQ(entities_.phones[0].letters_as_digits, 3u);
  EXPECT_TRUE(entities_.phones[0].obfuscated);
  EXPECT_EQ(OriginalText(entities_.phones[0].location), "+1 (3O2) 555-O1I8");
}

TEST_F(EntityExtractorTest, NumberWordsWrittenForDigitsAreReadAsDigits) {
  Extract("Call Nine Eight two nine two eight six six zero zero now, +1 (415) 555-2671");
  ASSERT_EQ(entities_.phones.size(), 2u);
  EXPECT_EQ(entities_.phones[0].e164, "+919829286600");
  EXPECT_EQ(entities_.phones[0].letters_as_digits, 10u);
  EXPECT_TRUE(entities_.phones[0].obfuscated);
  EXPECT_FALSE(entities_.phones[0].country_code_written);
  EXPECT_EQ(OriginalText(entities_.phones[0].location),
            "Nine Eight two nine two eight six six zero zero");
  EXPECT_EQ(entities_.phones[1].e164, "+14155552671");  // found first, listed in text order
  // Words and digits mixed, with the country code written.
  Extract("WhatsApp +91 nine 8 two 9-two 8 six 6 zero zero");
  ASSERT_EQ(entities_.phones.size(), 1u);
  EXPECT_EQ(entities_.phones[0].e164, "+919829286600");
  EXPECT_EQ(entities_.phones[0].letters_as_digits, 6u);
  EXPECT_TRUE(entities_.phones[0].country_code_written);
  EXPECT_EQ(OriginalText(entities_.phones[0].location), "+91 nine 8 two 9-two 8 six 6 zero zero");
}

TEST_F(EntityExtractorTest, NumberWordsBesideOtherNumbersOrInALinkAreReadRightly) {
  // Other numbers around the run do not join it, and commas may group its digits.
  for (const std::string text :
       {"call us 24/7 nine eight two nine two eight six six zero zero",
        "call nine eight two nine two eight six six zero zero, 9 to 5",
        "text plus nine one, nine eight two nine two, eight six six zero zero",
        // Counting after the number, and hyphens grouping more than two digits.
        "call nine eight two nine two eight six six zero zero one two three four",
        "call nine-eight-two, nine-two-eight, six-six-zero-zero",
        // "double" and "triple" repeat a digit, "oh" inside a number is 0.
        "call nine eight two nine two eight double six oh oh",
        "text nine eight two nine two eight six six zero zero triple"}) {
    Extract(text);
    ASSERT_EQ(entities_.phones.size(), 1u) << text;
    EXPECT_EQ(entities_.phones[0].e164, "+919829286600") << text;
  }
  // In a link they are the link's.
  Extract("https://example.com/nine-eight-two-nine-two-eight-six-six-zero-zero");
  EXPECT_TRUE(entities_.phones.empty());
}

TEST_F(EntityExtractorTest, CountingScoresAndFewNumberWordsAreNoPhoneNumber) {
  for (const std::string text :
       {// Each of these was a valid number in some default region before the checks.
        "Countdown: ten, nine, eight, seven, six, five, four, three, two, one, zero. Liftoff!",
        "ten nine eight seven six five four three two one zero liftoff",
        "She counted one, two, three, four, 5, 6, 7, 8, 9, 10 and stopped.",
        "My toddler can count: one two three 4 5 6 7 8 9 10!",
        "Set scores were six-four, six-three, six-seven (five-seven), seven-five",
        "The number of games: six-four, six-three, six-seven, five-seven, seven-five, six-two",
        // Number words in prose with no call to contact before them.
        "Love this song! The progression is one five six four, one five six four, two five one",
        "Critical fail night: I rolled three, five, two, six, six, one, four, two, five, three",
        "Waltz time, count it one two three, one two three, one two three, one two three",
        "pi is three point one four one five nine two six five three five eight nine seven nine",
        // Too few words, or numbers that are not single digits.
        "page one of 200 and two 3 four", "it was two or three, maybe four 1000000 times",
        "four 9829286600 and one"}) {
    Extract(text);
    for (const PhoneNumber& phone : entities_.phones) {
      EXPECT_EQ(phone.letters_as_digits, 0u) << text << ": " << phone.e164;
    }
  }
}

TEST_F(EntityExtractorTest, WordsOfLookalikeLettersAreNotDigits) {
  // "ioi2" has more letters than digits; "oil" and "lol" have no digit.
  Extract("+1 (415) 555-ioi2, oil lol");
  EXPECT_TRUE(entities_.phones.empty());
  Extract("call +1 (415) 555-2671 for oil");
  ASSERT_EQ(entities_.phones.size(), 1u);
  EXPECT_EQ(entities_.phones[0].letters_as_digits, 0u);
  EXPECT_FALSE(entities_.phones[0].obfuscated);
}

TEST_F(EntityExtractorTest, PhoneAfterNonAsciiTextHasByteOffsets) {
  Extract("Звоните сейчас: +1 (415) 555-2671");
  ASSERT_EQ(entities_.phones.size(), 1u);
  EXPECT_EQ(entities_.phones[0].e164, "+14155552671");
  EXPECT_EQ(entities_.phones[0].region, "US");
  EXPECT_EQ(OriginalText(entities_.phones[0].location), "+1 (415) 555-2671");
}

TEST_F(EntityExtractorTest, NationalNumberIsFoundWithADefaultRegion) {
  Extract("call 098292 86600 anytime");
  ASSERT_EQ(entities_.phones.size(), 1u);
  EXPECT_EQ(entities_.phones[0].e164, "+919829286600");
  // The country is the first default region's guess (it is a British premium-rate number too).
  EXPECT_FALSE(entities_.phones[0].country_code_written);
}

TEST_F(EntityExtractorTest, ACountryIsTheTextsOnlyWhenItWritesTheCode) {
  // Valid in London and, read under "IN" (tried before "GB"), in Pune; and a Nigerian
  // number, a region the extractor does not try, that only "IN" accepts.
  for (const char* national : {"020 7946 0000", "0806 555 0134"}) {
    Extract(std::string("the office is on ") + national + " now");
    ASSERT_EQ(entities_.phones.size(), 1u) << national;
    EXPECT_EQ(entities_.phones[0].country_code, 91) << national;
    EXPECT_FALSE(entities_.phones[0].country_code_written) << national;
  }
  for (const char* written :
       {"+44 20 7946 0000", "0044 20 7946 0000", "+91 98292 86600", "91 98292 86600"}) {
    Extract(std::string("call ") + written + " now");
    ASSERT_EQ(entities_.phones.size(), 1u) << written;
    EXPECT_TRUE(entities_.phones[0].country_code_written) << written;
  }
}

TEST_F(EntityExtractorTest, YearsAndPricesAreNotPhones) {
  Extract("From 2013 to 2015 it cost 1,000 and 250.");
  EXPECT_TRUE(entities_.phones.empty());
}

TEST_F(EntityExtractorTest, DigitsInsideALinkOrEmailAreNotPhones) {
  // +1 415 555 2671 would be a valid number anywhere else in the text.
  Extract(
      "photo https://www.facebook.com/photo.php?fbid=14155552671&set=a.2072302 "
      "or mail 14155552671@example.com");
  EXPECT_EQ(entities_.links.size(), 1u);
  EXPECT_TRUE(entities_.phones.empty());
}

TEST_F(EntityExtractorTest, WhatsappClickToChatLinkHoldsAPhone) {
  Extract("chat now https://wa.me/+919829286600 today");
  ASSERT_EQ(entities_.phones.size(), 1u);
  EXPECT_EQ(entities_.phones[0].e164, "+919829286600");
}

TEST_F(EntityExtractorTest, GroupedQuantitiesAreNotPhones) {
  // libphonenumber alone reads this view count as the US number +1 212 482 1694.
  Extract("It must have 2.124.821.694 views by now");
  EXPECT_TRUE(entities_.phones.empty());
  Extract("US office: 415.555.2671, India +91.98292.86600");
  EXPECT_EQ(entities_.phones.size(), 2u);
}

TEST_F(EntityExtractorTest, MatchScoresAreNotPhones) {
  // libphonenumber alone reads a number into the first of these.
  for (const char* text : {"Scores this week: 4-3 3-3 3-0 3-3 0-1, what a season",
                           "Results 2-1  1-1 0-0 3-2 12-10", "sets 6-4 6-3 7-6 for Alcaraz"}) {
    Extract(text);
    EXPECT_TRUE(entities_.phones.empty()) << text << ": " << entities_.phones.front().e164;
  }
  // Numbers of two-digit groups keep one separator (or only the first differs), and a number
  // written as pairs of two digits has no single digits.
  for (const char* text : {"Appelez le +33 6 12 34 56 78", "Bel +31 6-12 34 56 78",
                           "call 020-7946-0000", "baba ji call 98-29 28-66 00"}) {
    Extract(text);
    EXPECT_EQ(entities_.phones.size(), 1u) << text;
  }
}

TEST_F(EntityExtractorTest, AListOfNumbersIsSplitIntoWindowsAndCappedAtSixteenPhones) {
  // Three numbers in one run of phone characters, longer than one window: all found.
  Extract(
      "+91 9829286600 +91 9829286601 +91 9829286602 +91 9829286603 +91 9829286604 "
      "+91 9829286605 +91 9829286606");
  EXPECT_EQ(entities_.phones.size(), 7u);
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "9829286600 ";
  Extract(many);
  EXPECT_EQ(entities_.phones.size(), 16u);
  for (const PhoneNumber& phone : entities_.phones) EXPECT_EQ(phone.e164, "+919829286600");
}

TEST_F(EntityExtractorTest, ARunOfMoreDigitsThanAnyPhoneNumberHasIsNotAPhone) {
  Extract("id " + std::string(20000, '1'));
  EXPECT_TRUE(entities_.phones.empty());
  Extract("order 123456789012345678 or call +91 9829286600");
  ASSERT_EQ(entities_.phones.size(), 1u);
  EXPECT_EQ(entities_.phones[0].e164, "+919829286600");
}

TEST_F(EntityExtractorTest, AHostLongerThanADnsNameIsNotALink) {
  std::string host;
  for (int i = 0; i < 127; ++i) host += "a.";
  Extract("see http://" + host + "com now");  // 257-byte host
  EXPECT_TRUE(entities_.links.empty());
  Extract("see http://" + host.substr(0, 240) + "com now");  // 243 bytes
  ASSERT_EQ(entities_.links.size(), 1u);
  EXPECT_EQ(entities_.links[0].host, host.substr(0, 240) + "com");
  EXPECT_EQ(entities_.links[0].registrable_domain, "a.com");  // 121 labels, one suffix
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += "l" + std::to_string(i) + ".";
  Extract("see http://" + deep + "example.co.uk/x now");
  ASSERT_EQ(entities_.links.size(), 1u);
  EXPECT_EQ(entities_.links[0].registrable_domain, "example.co.uk");
  // The same bound for a host spelled out.
  std::string name;
  for (int i = 0; i < 125; ++i) name += "ab";
  Extract("visit " + name + "(dot)com now");  // 254 bytes
  EXPECT_TRUE(entities_.links.empty());
  Extract("visit " + name.substr(0, 240) + "(dot)com now");
  ASSERT_EQ(entities_.links.size(), 1u);
  EXPECT_TRUE(entities_.links[0].spelled_out);
}

TEST_F(EntityExtractorTest, LinkWithSchemeHasHostRegistrableDomainAndTld) {
  Extract("See https://News.BBC.co.uk/world/123, really.");
  ASSERT_EQ(entities_.links.size(), 1u);
  const Link& link = entities_.links[0];
  EXPECT_EQ(link.url, "https://news.bbc.co.uk/world/123");
  EXPECT_EQ(link.host, "news.bbc.co.uk");
  EXPECT_EQ(link.registrable_domain, "bbc.co.uk");
  EXPECT_EQ(link.top_level_domain, "uk");
  EXPECT_FALSE(link.is_shortener);
  EXPECT_EQ(OriginalText(link.location), "https://News.BBC.co.uk/world/123");
}

TEST_F(EntityExtractorTest, BareDomainWithARealTldIsALink) {
  Extract("visit murdev.com for more");
  ASSERT_EQ(entities_.links.size(), 1u);
  EXPECT_EQ(entities_.links[0].registrable_domain, "murdev.com");
  EXPECT_EQ(OriginalText(entities_.links[0].location), "murdev.com");
}

TEST_F(EntityExtractorTest, WordsJoinedByADotAreNotLinks) {
  Extract("It failed.so I tried node.js and file.txt, e.g. this");
  EXPECT_TRUE(entities_.links.empty());
}

// A link with a scheme or "www." is a link whatever it is glued to: spam writes
// "here...https://x" and "Clickhttps://x" to slip past extractors that want a space first.
TEST_F(EntityExtractorTest, LinksGluedToPunctuationOrWordsAreFound) {
  for (const std::string& glued :
       {std::string("join here...https://www.facebook.com/groups/x now"),
        std::string("join here-https://www.facebook.com/groups/x now"),
        std::string("join Clickhttps://www.facebook.com/groups/x now"),
        std::string("join \u0442\u0443\u0442https://www.facebook.com/groups/x now"),
        std::string("join here...www.facebook.com/groups/x now")}) {
    SCOPED_TRACE(glued);
    Extract(glued);
    ASSERT_EQ(entities_.links.size(), 1u);
    EXPECT_EQ(entities_.links[0].host, "www.facebook.com");
    const std::string found = OriginalText(entities_.links[0].location);
    EXPECT_TRUE(found == "https://www.facebook.com/groups/x" ||
                found == "www.facebook.com/groups/x")
        << found;
  }
}

TEST_F(EntityExtractorTest, BareHostsGluedToAWordOrAtSignAreStillNotLinks) {
  Extract("follow @murdev.com and my_notes.com, not a link");
  EXPECT_TRUE(entities_.links.empty());
}

TEST_F(EntityExtractorTest, ShortenersAndWwwLinksAreRecognised) {
  Extract("go www.bit.ly/abc or t.co/x");
  ASSERT_EQ(entities_.links.size(), 2u);
  EXPECT_EQ(entities_.links[0].host, "www.bit.ly");
  EXPECT_EQ(entities_.links[0].registrable_domain, "bit.ly");
  EXPECT_TRUE(entities_.links[0].is_shortener);
  EXPECT_TRUE(entities_.links[1].is_shortener);
}

TEST_F(EntityExtractorTest, EmailIsNotAlsoALinkAndFreeMailIsFlagged) {
  Extract("Mail Baba.Ji@Yahoo.co.in or help@murdev.com");
  ASSERT_EQ(entities_.emails.size(), 2u);
  EXPECT_EQ(entities_.emails[0].address, "baba.ji@yahoo.co.in");
  EXPECT_EQ(entities_.emails[0].domain, "yahoo.co.in");
  EXPECT_TRUE(entities_.emails[0].is_free_mail);
  EXPECT_FALSE(entities_.emails[1].is_free_mail);
  EXPECT_EQ(OriginalText(entities_.emails[0].location), "Baba.Ji@Yahoo.co.in");
  EXPECT_TRUE(entities_.links.empty());
}

// Spam spells its address out so that machines miss it and readers do not.
TEST_F(EntityExtractorTest, SpelledOutAddressesAreAddresses) {
  Extract(
      "Contact: fundsreclaimteam(at)outlook-mail(dot)com or quickloans247 [at] g m a i l "
      "[dot] com, hackerspytech at gmail dot com, sam @ Gmail (.) com, x@yahoo (dot) co "
      "(dot) uk, neeru105@ gmail [.] com.");
  ASSERT_EQ(entities_.emails.size(), 6u);
  EXPECT_EQ(entities_.emails[0].address, "fundsreclaimteam@outlook-mail.com");
  EXPECT_FALSE(entities_.emails[0].is_free_mail);
  EXPECT_EQ(entities_.emails[1].address, "quickloans247@gmail.com");
  EXPECT_EQ(OriginalText(entities_.emails[1].location), "quickloans247 [at] g m a i l [dot] com");
  EXPECT_EQ(entities_.emails[2].address, "hackerspytech@gmail.com");
  EXPECT_TRUE(entities_.emails[2].is_free_mail);
  EXPECT_EQ(entities_.emails[3].address, "sam@gmail.com");
  EXPECT_EQ(entities_.emails[4].address, "x@yahoo.co.uk");
  EXPECT_EQ(entities_.emails[5].address, "neeru105@gmail.com");
  for (const EmailAddress& email : entities_.emails) {
    EXPECT_TRUE(email.spelled_out) << email.address;
  }
  EXPECT_TRUE(entities_.links.empty());
  EXPECT_TRUE(OffersContact(entities_, /*has_author_url=*/false));
}

// "(at)" must not hide a listed domain: the host written as a link stays a link.
TEST_F(EntityExtractorTest, AnAddressAfterAtInBracketsKeepsItsHostALink) {
  Extract("Shop now (at) appsforwin10.com");
  ASSERT_EQ(entities_.emails.size(), 1u);
  EXPECT_EQ(entities_.emails[0].address, "now@appsforwin10.com");
  ASSERT_EQ(entities_.links.size(), 1u);
  EXPECT_EQ(entities_.links[0].registrable_domain, "appsforwin10.com");
  EXPECT_FALSE(entities_.links[0].spelled_out);
  // Without brackets a link after "@" is a link, and no address.
  Extract("Best deals here @ appsforwin10.com");
  EXPECT_TRUE(entities_.emails.empty());
  ASSERT_EQ(entities_.links.size(), 1u);
  EXPECT_EQ(entities_.links[0].registrable_domain, "appsforwin10.com");
}

// "Check out my channel" reaches the author by the name the comment is posted under.
TEST_F(EntityExtractorTest, PointersToTheAuthorsOwnChannelOfferContact) {
  Extract("Hey guys check out my new channel, sub4sub!");
  ASSERT_EQ(entities_.self_references.size(), 2u);
  EXPECT_EQ(OriginalText(entities_.self_references[0]), "check out my new channel");
  EXPECT_EQ(OriginalText(entities_.self_references[1]), "sub4sub");
  EXPECT_TRUE(OffersContact(entities_, /*has_author_url=*/false));
  for (const char* text : {"My channel of choice is BBC Four.", "I subscribed to your channel",
                           "Praying for you all #faith", "Watch my videos at 2x speed",
                           "I listen to my music teacher", "Look at my page count, 500 pages!"}) {
    Extract(text);
    EXPECT_TRUE(entities_.self_references.empty()) << text;
    EXPECT_FALSE(OffersContact(entities_, /*has_author_url=*/false)) << text;
  }
  EXPECT_TRUE(OffersContact(entities_, /*has_author_url=*/true));
}

TEST_F(EntityExtractorTest, ProseWithAtOrDotIsNoAddress) {
  // The word "at" before a free-mail name only counts with "dot" spelled out too; "(at)"
  // needs a public suffix; an address written plainly is the ordinary one; a sentence's
  // period is no separator, nor is a reply's or Python's " @ ".
  for (const char* text :
       {"meet me at home. in the end it was fine", "I looked at it. it works", "I was at gmail.com",
        "Ordered 3 (at) 5.99 each", "we met at noon dot thirty", "a dot com bubble at yahoo",
        "Thanks @ everyone. In the end it worked", "Great talk @ PyCon. Info on the slides?",
        "Agree with you @ Mike. It works", "weights @ model.to(device)", "a = b @ c.it",
        "I'm at yahoo. Com was my favourite portal", "Tickets @ ticketmaster.com"}) {
    Extract(text);
    for (const EmailAddress& email : entities_.emails) {
      ADD_FAILURE() << text << ": " << email.address;
    }
  }
  Extract("write to sam@gmail.com");
  ASSERT_EQ(entities_.emails.size(), 1u);
  EXPECT_FALSE(entities_.emails[0].spelled_out);
}

TEST_F(EntityExtractorTest, SpelledOutHostsAreLinks) {
  Extract(
      "Order at p1llz-direct(dot)com or lucky spin777 . com, or betking dot com, or "
      "AGAINST DISCRIMINATION.  tinyurl(dot)com or cheap[.]shop");
  ASSERT_EQ(entities_.links.size(), 5u);
  EXPECT_EQ(entities_.links[0].host, "p1llz-direct.com");
  EXPECT_EQ(entities_.links[0].registrable_domain, "p1llz-direct.com");
  EXPECT_EQ(OriginalText(entities_.links[0].location), "p1llz-direct(dot)com");
  EXPECT_EQ(entities_.links[1].host, "spin777.com");
  EXPECT_EQ(entities_.links[2].host, "betking.com");
  EXPECT_EQ(entities_.links[3].host, "tinyurl.com");
  EXPECT_EQ(OriginalText(entities_.links[3].location), "tinyurl(dot)com");
  EXPECT_TRUE(entities_.links[3].is_shortener);
  EXPECT_EQ(entities_.links[4].host, "cheap.shop");
  for (const Link& link : entities_.links) EXPECT_TRUE(link.spelled_out) << link.host;
}

TEST_F(EntityExtractorTest, ProseWithASpacedDotIsNoLink) {
  // Sentences, ".NET", acronyms and the dot-com era: a sentence's period is no separator, and
  // " . " or the word "dot" needs a name that looks like a site's and a suffix spam spells out.
  for (const char* text :
       {"Results Guaranteed . Call now", "Built with ASP .NET and WinForms .net",
        "the dot com bubble burst", "is it . com or . org?", "Thanks . You rock",
        "algo . de verdad", "Learning . Net is fun", "Thanks. Top video",
        "Moved here from London. UK prices are crazy",
        "Ignore those comments. Online vashikaran specialist", "S.T.A.L.K.E.R. Online is out",
        "config . json and main . py", "v.1.2.3", "node_modules", "how to use (.) in haskell",
        "accessing a bean with a dot(.) in its id"}) {
    Extract(text);
    for (const Link& link : entities_.links) ADD_FAILURE() << text << ": " << link.host;
  }
}

// A browser opens "http://user@host/" at host: spam hides links to blocked or spam domains
// behind a user name, or behind a trusted name ("en.wikipedia.org@") to pass for a reference.
TEST_F(EntityExtractorTest, LinkWithUserInfoIsALinkToTheHostAfterTheAt) {
  for (const std::string& written :
       {std::string("http://user@bad.example/"), std::string("HTTP://User@Bad.Example"),
        std::string("https://user:pw@Bad.Example:8080/path?q=1"),
        std::string("https://14155552671@bad.example/x"),
        std::string("http://en.wikipedia.org@bad.example/wiki/Spam"),
        std::string("www.x@bad.example/deal"), std::string("http://a@b@bad.example/")}) {
    SCOPED_TRACE(written);
    Extract("\u0441\u043c\u043e\u0442\u0440\u0438 " + written + ", now");
    ASSERT_EQ(entities_.links.size(), 1u);
    const Link& link = entities_.links[0];
    EXPECT_EQ(link.host, "bad.example");
    EXPECT_EQ(link.registrable_domain, "bad.example");
    EXPECT_EQ(link.top_level_domain, "example");
    EXPECT_EQ(OriginalText(link.location), written);
    EXPECT_EQ(link.location.original.begin,
              std::string("\u0441\u043c\u043e\u0442\u0440\u0438 ").size());
    EXPECT_EQ(entities_.emails.size(), 0u);
    EXPECT_TRUE(entities_.phones.empty());
  }
  Extract("see https://user:pw@www.Shop.Example.co.uk/x");
  ASSERT_EQ(entities_.links.size(), 1u);
  EXPECT_EQ(entities_.links[0].host, "www.shop.example.co.uk");
  EXPECT_EQ(entities_.links[0].registrable_domain, "example.co.uk");
  EXPECT_EQ(extractor_->RegistrableDomain(entities_.links[0].url), "example.co.uk");
}

// Only the user info of a link with a scheme or "www." makes an e-mail match a link: the same
// name@host written bare, after "mailto:" or glued to a word before "www." is an address.
TEST_F(EntityExtractorTest, AddressesStayAddressesBesideALinkWithUserInfo) {
  Extract(
      "write me@bad.example, mailto:you@bad.example, mailto:www.him@bad.example or "
      "her.www.x@bad.example; not http://me@bad.example/");
  ASSERT_EQ(entities_.emails.size(), 4u);
  EXPECT_EQ(entities_.emails[0].address, "me@bad.example");
  EXPECT_EQ(entities_.emails[1].address, "you@bad.example");
  EXPECT_EQ(entities_.emails[2].address, "www.him@bad.example");
  EXPECT_EQ(entities_.emails[3].address, "her.www.x@bad.example");
  ASSERT_EQ(entities_.links.size(), 1u);
  EXPECT_EQ(OriginalText(entities_.links[0].location), "http://me@bad.example/");
  EXPECT_EQ(entities_.links[0].host, "bad.example");
}

// An address after the host does not hide the host: "http://bad.com/?to=a@b.example" was no
// link, only the address. It is both, with overlapping spans.
TEST_F(EntityExtractorTest, AddressInALinksPathOrQueryIsAlsoAnAddress) {
  for (const std::string& written :
       {std::string("http://bad.com/?to=Me@B.example"),
        std::string("https://bad.com/contact/me@b.example"),
        std::string("www.bad.com/#me@b.example"), std::string("bad.com/me@b.example"),
        std::string("http://user@bad.com/?to=me@b.example")}) {
    SCOPED_TRACE(written);
    Extract("see " + written + " now");
    ASSERT_EQ(entities_.links.size(), 1u);
    EXPECT_EQ(entities_.links[0].registrable_domain, "bad.com");
    EXPECT_EQ(OriginalText(entities_.links[0].location), written);
    ASSERT_EQ(entities_.emails.size(), 1u);
    EXPECT_EQ(entities_.emails[0].address, "me@b.example");
    EXPECT_EQ(AsciiLower(OriginalText(entities_.emails[0].location)), "me@b.example");
  }
}

// The domain rules (spam-domain, blocked_domains, reference-links-only) read a link's host and
// registrable domain: those of the disguised link are the spam site's, not Wikipedia's.
TEST_F(EntityExtractorTest, LinkDisguisedAsAReferenceLinkHasItsRealDomain) {
  Extract(
      "see https://en.wikipedia.org/wiki/Spam and https://en.wikipedia.org@shop.bad.example/buy");
  ASSERT_EQ(entities_.links.size(), 2u);
  EXPECT_EQ(entities_.links[0].registrable_domain, "wikipedia.org");
  EXPECT_EQ(entities_.links[1].host, "shop.bad.example");
  EXPECT_EQ(entities_.links[1].registrable_domain, "bad.example");
  EXPECT_EQ(OriginalText(entities_.links[1].location),
            "https://en.wikipedia.org@shop.bad.example/buy");
  EXPECT_TRUE(entities_.emails.empty());
}

TEST_F(EntityExtractorTest, RegistrableDomainFollowsPublicSuffixRules) {
  EXPECT_EQ(extractor_->RegistrableDomain("https://a.b.example.co.uk/x"), "example.co.uk");
  EXPECT_EQ(extractor_->RegistrableDomain("WWW.Example.COM:8080"), "example.com");
  EXPECT_EQ(extractor_->RegistrableDomain("someone.blogspot.com"), "someone.blogspot.com");
  // Wildcard "*.ck" and its exception "!www.ck".
  EXPECT_EQ(extractor_->RegistrableDomain("a.b.foo.ck"), "b.foo.ck");
  EXPECT_EQ(extractor_->RegistrableDomain("a.www.ck"), "www.ck");
  EXPECT_EQ(extractor_->RegistrableDomain("localhost"), "localhost");
  EXPECT_EQ(extractor_->RegistrableDomain("http://192.168.0.1/x"), "192.168.0.1");
  EXPECT_EQ(extractor_->RegistrableDomain(""), "");
}

TEST_F(EntityExtractorTest, ContactCallsAreFound) {
  Extract("DM me or inbox me on Telegram, whats app, text me, call now");
  EXPECT_EQ(Channels(),
            (std::vector<std::string>{"dm", "inbox", "telegram", "whatsapp", "text", "call"}));
}

TEST_F(EntityExtractorTest, MessengersByNameOrIdAreContactCalls) {
  Extract(
      "add me on snap, my snap: julia_22, kik, ICQ 55501234, Snapchat, my line id: juju, "
      "hmu on snap");
  EXPECT_EQ(Channels(),
            (std::vector<std::string>{"messenger", "messenger", "messenger", "messenger",
                                      "messenger", "messenger", "messenger"}));
  // A snap of the fingers, snap peas, a photo, a line of a sheet and a memory of ICQ are no
  // messenger.
  for (const std::string text :
       {"oh snap, the snap peas froze; I'll snap a photo and add it on line 3",
        "Oh snap: the update broke my build", "I miss ICQ and MSN, those were the days",
        "Please add me on line 5 of the sign-up sheet", "my line: 'to be or not to be'",
        "My SC: I moved from South Carolina last year"}) {
    Extract(text);
    EXPECT_TRUE(Channels().empty()) << text;
  }
}

TEST_F(EntityExtractorTest, HandlesAndHashtagsButNotEmailsOrAnchors) {
  Extract("follow @Love_Guru. #LoveBack c# a@b.com page#2 A&#38;");
  ASSERT_EQ(Channels(), (std::vector<std::string>{"handle", "hashtag"}));
  EXPECT_EQ(OriginalText(entities_.contact_calls[0].location), "@Love_Guru");
  EXPECT_EQ(OriginalText(entities_.contact_calls[1].location), "#LoveBack");
}

TEST_F(EntityExtractorTest, ObfuscatedWhatsappMapsToItsOriginalBytes) {
  Extract("W h a t s a p p me");
  ASSERT_EQ(Channels(), (std::vector<std::string>{"whatsapp"}));
  EXPECT_EQ(OriginalText(entities_.contact_calls[0].location), "W h a t s a p p");
}

TEST_F(EntityExtractorTest, MoneyAmountsCarryTheirCurrency) {
  Extract("Earn $400 daily, 8000 USD weekly, ₹5,000, €20, £3.50, 0.5 btc, 100 usdt");
  std::vector<std::string> currencies;
  for (const MoneyAmount& money : entities_.money) currencies.push_back(money.currency);
  EXPECT_EQ(currencies,
            (std::vector<std::string>{"usd", "usd", "inr", "eur", "gbp", "btc", "usdt"}));
  EXPECT_EQ(OriginalText(entities_.money[1].location), "8000 USD");
}

TEST_F(EntityExtractorTest, PlainNumbersAreNotMoney) {
  Extract("I have 2 cats and 400 books");
  EXPECT_TRUE(entities_.money.empty());
}

TEST_F(EntityExtractorTest, SeedHamHasNoEntities) {
  Extract(
      "I agree. One positive thing that has happened so far is that I'm feeling less "
      "stressed. I can focus on my work this weekend. :) Thanks Manuel.");
  EXPECT_TRUE(entities_.links.empty());
  EXPECT_TRUE(entities_.emails.empty());
  EXPECT_TRUE(entities_.phones.empty());
  EXPECT_TRUE(entities_.contact_calls.empty());
  EXPECT_TRUE(entities_.money.empty());
}

TEST(EntityExtractorCreateTest, MissingPublicSuffixListIsNotFound) {
  EntityExtractorOptions options;
  options.public_suffix_list_path = "/nonexistent/psl.dat";
  const auto created = EntityExtractor::Create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), Status::Code::kNotFound);
}

TEST(EntityExtractorCreateTest, PublicSuffixListWithoutRulesIsCorruption) {
  const std::string path = ::testing::TempDir() + "/empty_psl.dat";
  std::ofstream(path) << "// only a comment\n";
  EntityExtractorOptions options;
  options.public_suffix_list_path = path;
  const auto created = EntityExtractor::Create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), Status::Code::kCorruption);
}

TEST(EntityExtractorCreateTest, UnknownRegionIsInvalidArgument) {
  EntityExtractorOptions options;
  options.default_regions = {"XX"};
  const auto created = EntityExtractor::Create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace spamguard
