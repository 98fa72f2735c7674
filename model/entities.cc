#include "model/entities.h"

#include <phonenumbers/phonenumbermatch.h>
#include <phonenumbers/phonenumbermatcher.h>
#include <phonenumbers/phonenumberutil.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <utility>

#include "model/ascii.h"
#include "model/string_set.h"
#include "model/url_parts.h"

namespace spamguard {
namespace {

using i18n::phonenumbers::PhoneNumberMatch;
using i18n::phonenumbers::PhoneNumberMatcher;
using i18n::phonenumbers::PhoneNumberUtil;

bool Contains(const StringSet& set, std::string_view key) { return set.find(key) != set.end(); }

std::string_view LastLabel(std::string_view host) {
  const size_t dot = host.rfind('.');
  return dot == std::string_view::npos ? host : host.substr(dot + 1);
}

bool IsIpAddress(std::string_view host) {
  if (!host.empty() && host.front() == '[') return true;
  return !host.empty() &&
         std::all_of(host.begin(), host.end(), [](char c) { return IsAsciiDigit(c) || c == '.'; });
}

// True when the normalized bytes [begin, end) are the original bytes one for one (white
// space may stand for a longer run of white space). A fullwidth digit, a stripped mark, a
// removed zero-width character or a re-joined space each break that.
bool IsVerbatim(const NormalizedText& text, uint32_t begin, uint32_t end) {
  if (begin >= end) return true;
  uint32_t expected = text.source_begin[begin];
  for (uint32_t i = begin; i < end; ++i) {
    if (text.source_begin[i] != expected) return false;
    if (text.text[i] != ' ' && text.source_end[i] != text.source_begin[i] + 1) return false;
    expected = text.source_end[i];
  }
  return true;
}

EntityLocation Locate(const NormalizedText& text, size_t begin, size_t end) {
  EntityLocation location;
  location.normalized_begin = static_cast<uint32_t>(begin);
  location.normalized_end = static_cast<uint32_t>(end);
  location.original = text.ToOriginal(location.normalized_begin, location.normalized_end);
  return location;
}

bool Overlaps(const std::vector<std::pair<size_t, size_t>>& taken, size_t begin, size_t end) {
  return std::any_of(taken.begin(), taken.end(),
                     [&](const auto& span) { return begin < span.second && span.first < end; });
}

// Bare domains whose TLD is also a common English word ("problem.so", "call.me") are only
// links when the suffix has more labels ("example.co.in") or the domain is well known.
bool IsWordLikeTld(std::string_view tld) {
  static constexpr std::string_view kWords[] = {
      "am", "an", "as", "at", "be", "by", "do", "go", "he", "id", "if", "in", "is",
      "it", "me", "my", "no", "of", "on", "or", "so", "to", "up", "us", "we"};
  return std::find(std::begin(kWords), std::end(kWords), tld) != std::end(kWords);
}

// Addresses and hosts written so that machines miss them: "sam (at) gmail (dot) com",
// "sam at gmail dot com", "sam @ gmail.com", "pills-direct(dot)com", "spin777 . com".
// A marker is the separator '@' or '.' or its word "at" or "dot", with what surrounds it.
enum class MarkerForm {
  kNone,
  kPlain,      // "@" or "." glued to both neighbours: how an address is written
  kSpaced,     // " . " with white space on both sides; "@" with white space on either
  kBracketed,  // "(at)", "[dot]", "{ at }", "<dot>", "(@)", "[.]"
  kWord,       // " at ", " dot "
};
struct Marker {
  size_t begin = 0;  // white space before the marker included
  size_t end = 0;    // white space after it included
  MarkerForm form = MarkerForm::kNone;
};

size_t SkipSpacesBack(std::string_view text, size_t at) {
  while (at > 0 && text[at - 1] == ' ') --at;
  return at;
}
size_t SkipSpaces(std::string_view text, size_t at) {
  while (at < text.size() && text[at] == ' ') ++at;
  return at;
}

// The marker whose symbol or word starts at `core` (kNone when there is none there). A '.'
// with white space on one side only is prose ("Thanks. Top video", "ASP .NET"); an '@' with
// white space on one side is an address written apart ("sam@ gmail.com"). A bracketed '.'
// must be glued to its neighbours unless `spaced_brackets` (the host of an address).
Marker MarkerAt(std::string_view text, size_t core, char symbol, std::string_view word,
                bool spaced_brackets = false) {
  Marker marker;
  size_t core_end = core;
  if (core < text.size() && text[core] == symbol) {
    core_end = core + 1;
  } else if (text.substr(core, word.size()) == word) {
    core_end = core + word.size();
  } else {
    return marker;
  }
  const size_t open = SkipSpacesBack(text, core);
  const size_t close = SkipSpaces(text, core_end);
  constexpr std::string_view kOpen = "([{<", kClose = ")]}>";
  if (open > 0 && close < text.size() && kOpen.find(text[open - 1]) != std::string_view::npos &&
      kOpen.find(text[open - 1]) == kClose.find(text[close])) {
    marker.begin = SkipSpacesBack(text, open - 1);
    marker.end = SkipSpaces(text, close + 1);
    // "(.)" between words is prose ("how to use (.) in haskell", "a dot(.) in its id"); as a
    // host's separator it is glued to both labels ("spin777[.]com").
    if (symbol == '.' && text[core] == '.' && !spaced_brackets &&
        (marker.begin != open - 1 || marker.end != close + 1)) {
      return marker;  // kNone
    }
    marker.form = MarkerForm::kBracketed;
    return marker;
  }
  const bool space_before = open < core;
  const bool space_after = close > core_end;
  marker.begin = open;
  marker.end = close;
  if (text[core] == symbol) {
    if (!space_before && !space_after) {
      marker.form = MarkerForm::kPlain;
    } else if (space_before && space_after) {
      marker.form = MarkerForm::kSpaced;
    } else if (symbol == '@') {
      marker.form = MarkerForm::kSpaced;
    }
  } else if (space_before && space_after) {
    marker.form = MarkerForm::kWord;
  }
  return marker;
}

bool IsHostLabelByte(char c) { return IsAsciiAlnum(c) || c == '-'; }

// Labels read of a host written out, at most (the longest public suffix rule has 5).
constexpr size_t kMaxSpelledLabels = 8;

// The labels of a host written from `from` on, each separated by a "." marker in any form:
// where each label is, and the form of each separator. After an address's "@" or "(at)"
// (`in_address`), "gmail (.) com" is a host too; elsewhere "use (.) in" is prose.
struct SpelledHost {
  std::vector<std::pair<size_t, size_t>> labels;
  std::vector<MarkerForm> separators;  // separators[k]: the one before labels[k + 1]
};
SpelledHost HostFrom(std::string_view text, size_t from, bool in_address) {
  SpelledHost host;
  size_t at = from;
  while (host.labels.size() < kMaxSpelledLabels) {
    size_t end = at;
    while (end < text.size() && IsHostLabelByte(text[end])) ++end;
    if (end == at) break;
    host.labels.emplace_back(at, end);
    const size_t core = SkipSpaces(text, end);
    Marker dot = MarkerAt(text, core, '.', "dot", in_address);
    if (dot.form == MarkerForm::kNone) {
      // "(dot)" after spaces: MarkerAt looks for the word where the bracket is.
      if (core < text.size() &&
          std::string_view("([{<").find(text[core]) != std::string_view::npos) {
        dot = MarkerAt(text, SkipSpaces(text, core + 1), '.', "dot", in_address);
        if (dot.form != MarkerForm::kBracketed) dot.form = MarkerForm::kNone;
      }
      if (dot.form == MarkerForm::kNone) break;
    }
    if (dot.end >= text.size() || !IsHostLabelByte(text[dot.end])) break;
    host.separators.push_back(dot.form);
    at = dot.end;
  }
  return host;
}

constexpr std::string_view kShorteners[] = {
    "adf.ly",     "bit.do",      "bit.ly",   "bitly.com", "bl.ink",      "buff.ly", "clck.ru",
    "cutt.ly",    "goo.gl",      "is.gd",    "lnkd.in",   "ow.ly",       "qr.ae",   "rb.gy",
    "rebrand.ly", "s.id",        "short.io", "shorte.st", "shorturl.at", "t.co",    "t.ly",
    "tiny.cc",    "tinyurl.com", "tr.im",    "u.to",      "v.gd",        "cutt.us", "soo.gd"};

// Messaging links are contact calls too, and well-known enough to accept with a word TLD.
constexpr std::pair<std::string_view, std::string_view> kMessagingHosts[] = {
    {"wa.me", "whatsapp"}, {"api.whatsapp.com", "whatsapp"}, {"chat.whatsapp.com", "whatsapp"},
    {"t.me", "telegram"},  {"telegram.me", "telegram"},      {"m.me", "messenger"}};

constexpr std::string_view kFreeMailDomains[] = {
    "126.com",     "163.com",    "aol.com",        "bk.ru",          "gmail.com",
    "gmx.com",     "gmx.de",     "gmx.net",        "googlemail.com", "icloud.com",
    "inbox.ru",    "list.ru",    "mac.com",        "mail.com",       "mail.ru",
    "me.com",      "msn.com",    "pm.me",          "proton.me",      "protonmail.com",
    "qq.com",      "rambler.ru", "rediffmail.com", "rocketmail.com", "tutanota.com",
    "web.de",      "ya.ru",      "yandex.com",     "yandex.ru",      "ymail.com",
    "yopmail.com", "zoho.com"};
// Providers with one registrable domain per country (yahoo.co.in, hotmail.fr, ...).
constexpr std::string_view kFreeMailBrands[] = {"hotmail", "live", "outlook", "yahoo"};

bool IsFreeMail(std::string_view registrable_domain) {
  const std::string_view brand = registrable_domain.substr(0, registrable_domain.find('.'));
  return std::find(std::begin(kFreeMailDomains), std::end(kFreeMailDomains), registrable_domain) !=
             std::end(kFreeMailDomains) ||
         std::find(std::begin(kFreeMailBrands), std::end(kFreeMailBrands), brand) !=
             std::end(kFreeMailBrands);
}

// The suffixes of hosts spam writes with " . " or the word "dot" ("spin777 . com", "betking
// dot com"); others are read only in the "(dot)" form. None is an English word or a common
// abbreviation ("top", "online", "shop", "uk" are).
constexpr std::string_view kSpelledSuffixes[] = {"com", "org", "info", "biz", "xyz", "ru", "ng"};

// Spelled-out addresses or hosts reported per comment, at most.
constexpr size_t kMaxSpelledEntities = 16;

std::string CurrencyCode(std::string_view token) {
  static constexpr std::pair<std::string_view, std::string_view> kCodes[] = {
      {"$", "usd"},      {"usd", "usd"},     {"dollar", "usd"},   {"dollars", "usd"},
      {"bucks", "usd"},  {"€", "eur"},       {"eur", "eur"},      {"euro", "eur"},
      {"euros", "eur"},  {"£", "gbp"},       {"gbp", "gbp"},      {"₹", "inr"},
      {"inr", "inr"},    {"rs", "inr"},      {"rs.", "inr"},      {"rupee", "inr"},
      {"rupees", "inr"}, {"¥", "jpy"},       {"₽", "rub"},      {"₿", "btc"},
      {"btc", "btc"},    {"bitcoin", "btc"}, {"bitcoins", "btc"}, {"eth", "eth"},
      {"usdt", "usdt"}};
  for (const auto& [key, code] : kCodes) {
    if (key == token) return std::string(code);
  }
  return "";
}

// Contact-call patterns: one alternative per channel, in this order.
constexpr std::string_view kContactChannels[] = {
    "whatsapp", "telegram", "messenger", "handle", "hashtag", "dm", "inbox", "call", "text"};
constexpr char kContactPattern[] =
    R"((\bwhats ?app?\b|\bwh?ats?app\b|\bwa\.me\b))"
    R"(|(\btelegram\b|\bt\.me\b))"
    R"(|(\b(?:viber|wechat|skype|snapchat|signal app|kik)\b)"
    R"(|\bmy snap(?: ?id)? ?[:@]|\b(?:add me on|add my|hmu on) snap\b|\bline id ?[:@])"
    R"(|\bicq ?(?:#|no\.?|number|id|uin)? ?:? ?\d{5,}))"
    R"(|(@[a-z0-9_][a-z0-9_.]{1,29}))"
    R"(|(#[a-z0-9_]*[a-z_][a-z0-9_]*))"
    R"(|(\b(?:dm|pm) (?:me|us|now)\b))"
    R"(|(\binbox (?:me|us|now)\b))"
    R"(|(\bcall (?:now|me|us|today|(?:and|or|&|/|n) ?whats ?app)\b|\bcall \+|\bcall on \+?\d))"
    R"(|(\b(?:text|message|msg|ping) (?:me|us)\b))";

// Money: a currency sign or code before the amount, or a currency after it.
constexpr char kMoneyPattern[] =
    R"(([$€£₹¥₽₿]|\brs\.?|\b(?:inr|usd|eur|gbp|btc|usdt|eth)\b) ?)"
    R"(\d[\d,]*(?:\.\d+)?(?: ?(?:k|m|bn|million|billion|thousand|lakhs?|crores?)\b)?)"
    R"(|\b\d[\d,]*(?:\.\d+)?(?: ?(?:k|m|bn|million|billion|thousand|lakhs?|crores?))? ?)"
    R"((?:(usd|dollars?|bucks|eur|euros?|gbp|inr|rupees?|btc|bitcoins?|eth|usdt)\b|([$€£₹¥₽₿])))";

// The author's own channel or page offered to readers (the default pack's self-promotion
// phrasings). "Watch my videos at 2x speed" and "I listen to my music teacher" offer none.
constexpr char kSelfReferencePattern[] =
    R"(\b(?:check ?out|visit|subscribe to) my (?:new |youtube |own )*)"
    R"((?:channel|page|videos?|website|blog|music|songs?|profile)\b)"
    R"(|\bsub ?(?:4|for) ?sub\b|\bsubscribe (?:to )?(?:me|back|my)\b)";

// What comes before a phone number written in number words: "call baba ji nine one ...",
// "text him: one eight ...", "whatsapp now nine ...", "support one eight eight eight". Prose
// that counts, rolls dice or recites digits of pi has none, and its number words are no
// number ("the progression is one five six four, one five six four, two five one").
constexpr char kNumberCuePattern[] =
    R"(\b(?:call|ring|dial|phone|mobile|cell|text|txt|sms|contact|reach|whats ?app|telegram)"
    R"(|viber|signal|helpline|hotline|support|agent|number|tel)(?:s|ed|ing)?\b)";

// How far before a number in words its cue may be, in bytes.
constexpr size_t kNumberCueReach = 48;

// Pointers to the author's own channel reported per comment, at most.
constexpr size_t kMaxSelfReferences = 16;

constexpr char kLinkPattern[] =
    R"((?:https?://|www\.)[^\s<>"'`]+)"
    R"(|(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}(?::\d{1,5})?(?:/[^\s<>"'`]*)?)";

constexpr char kEmailPattern[] = R"([a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,63})";

// The white-space-delimited tokens the link pattern could match in: those with a dot between
// two ASCII letters or digits. Every host has one ("murdev.com", "bit.ly", "1.2.3.4"), while
// sentence dots ("stressed. I") do not, so ordinary prose is never scanned by the pattern.
std::vector<std::pair<size_t, size_t>> LinkCandidateTokens(std::string_view text) {
  std::vector<std::pair<size_t, size_t>> tokens;
  size_t dot = text.find('.');
  while (dot != std::string_view::npos) {
    if (dot > 0 && dot + 1 < text.size() && IsAsciiAlnum(text[dot - 1]) &&
        IsAsciiAlnum(text[dot + 1])) {
      size_t begin = text.rfind(' ', dot);
      begin = begin == std::string_view::npos ? 0 : begin + 1;
      size_t end = text.find(' ', dot);
      if (end == std::string_view::npos) end = text.size();
      tokens.emplace_back(begin, end);
      dot = text.find('.', end);
    } else {
      dot = text.find('.', dot + 1);
    }
  }
  return tokens;
}

// Where a link's authority ("user:pw@host:port") ends: at the first '/', '\', '?' or '#'
// after its scheme, if it has one, as a browser reads it (UrlHost).
size_t AuthorityEnd(std::string_view url) {
  const std::string_view rest = AfterScheme(url);
  const size_t scheme = url.size() - rest.size();
  return scheme + std::min(rest.size(), rest.find_first_of("/\\?#"));
}

// Eight bytes at a time: every phone check starts here, and most comments stop here.
size_t CountAsciiDigits(std::string_view text) {
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  size_t count = 0;
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    const uint64_t low7 = word & ~kHigh;
    const uint64_t at_least_0 = low7 + 0x50 * kOnes;    // high bit set iff >= '0'
    const uint64_t at_most_9 = ~(low7 + 0x46 * kOnes);  // high bit set iff <= '9'
    count += std::popcount(at_least_0 & at_most_9 & ~word & kHigh);
  }
  for (; i < text.size(); ++i) count += IsAsciiDigit(text[i]);
  return count;
}

bool IsPhoneCharacter(char c) {
  return IsAsciiDigit(c) || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/' ||
         c == '+';
}

// "1.000.000.000": one to three digits, then groups of exactly three after single dots.
// That is how quantities are written (view counts, prices); no national format of the
// default regions groups a phone number that way, and libphonenumber spends 30-80 us per
// region to say so. (A comma is not a phone character, so "851,247,920" never makes a
// window in the first place.)
bool IsGroupedQuantity(std::string_view run) {
  size_t group = 0;
  size_t groups = 0;
  for (size_t i = 0; i <= run.size(); ++i) {
    if (i < run.size() && IsAsciiDigit(run[i])) {
      ++group;
      continue;
    }
    const bool separator = i < run.size() && run[i] == '.';
    if (i < run.size() && !separator) return false;
    if (group == 0 || (groups == 0 ? group > 3 : group != 3)) return false;
    ++groups;
    group = 0;
  }
  return groups >= 2;
}

// "4-3 3-3 3-0 3-3 0-1": pairs of one or two digits joined by '-' and separated by spaces,
// at least half of the numbers a single digit, how a reader lists match scores.
// libphonenumber reads a number into it, and a sports fan's comment became "a phone
// number". Phone numbers are not grouped that way: where every group has two digits (06 12
// 34 56 78, 06-12 34 56 78) one separator is used throughout, or only the first differs, and
// a number written as pairs of two digits ("98-29 28-66 00") has no single digits.
bool IsScoreList(std::string_view run) {
  std::vector<std::string_view> separators;
  size_t group = 0;
  size_t singles = 0;
  size_t i = 0;
  while (i < run.size()) {
    if (IsAsciiDigit(run[i])) {
      if (++group > 2) return false;
      ++i;
      if (i == run.size() || !IsAsciiDigit(run[i])) singles += group == 1;
      continue;
    }
    if (group == 0) return false;
    const size_t begin = i;
    while (i < run.size() && !IsAsciiDigit(run[i])) ++i;
    separators.push_back(run.substr(begin, i - begin));
    group = 0;
  }
  if (separators.size() < 3 || 2 * singles < separators.size() + 1) return false;
  const auto spaces = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' '; });
  };
  // Within a pair a '-', between pairs spaces; the run may begin with either.
  for (size_t parity = 0; parity < 2; ++parity) {
    bool alternates = true;
    for (size_t k = 0; k < separators.size() && alternates; ++k) {
      alternates = (k % 2 == parity) ? separators[k] == "-" : spaces(separators[k]);
    }
    if (alternates) return true;
  }
  return false;
}

// Stretches of digits and phone separators holding at least 7 digits, widened by one
// character on each side so PhoneNumberMatcher still sees what precedes and follows a
// number. Below 7 digits no number the matcher accepts can be present, and running the
// matcher on these windows rather than on the whole text is what keeps it affordable.
// Bytes inside `excluded` (sorted ranges: links and e-mail addresses, whose digits are
// identifiers) end a stretch; grouped quantities are skipped. A stretch longer than
// kMaxPhoneWindowBytes is cut after its last separator within that length (a list of
// numbers becomes several windows), and at most kMaxPhoneWindows windows are returned:
// libphonenumber's cost grows faster than the window, and a 64 KB run of numbers took
// 10 s in one window.
constexpr size_t kMaxPhoneWindowBytes = 96;
constexpr size_t kMaxHostBytes = 253;
constexpr size_t kMaxPhoneWindows = 16;
constexpr size_t kMaxPhoneDigitGroup = 17;
// PhoneNumberMatcher runs per comment, over all windows and regions (30-50 us each).
constexpr int kMaxMatcherRuns = 24;
// Phone numbers reported per comment; rules and features only count them.
constexpr size_t kMaxPhones = 16;

std::vector<std::pair<size_t, size_t>> PhoneWindows(
    std::string_view text, const std::vector<std::pair<size_t, size_t>>& excluded) {
  std::vector<std::pair<size_t, size_t>> windows;
  if (CountAsciiDigits(text) < 7) return windows;
  auto next_excluded = excluded.begin();
  auto is_excluded = [&](size_t i) {
    while (next_excluded != excluded.end() && next_excluded->second <= i) ++next_excluded;
    return next_excluded != excluded.end() && next_excluded->first <= i;
  };
  size_t i = 0;
  while (i < text.size()) {
    if (!IsPhoneCharacter(text[i]) || is_excluded(i)) {
      ++i;
      continue;
    }
    size_t begin = i;
    size_t digits = 0;
    while (i < text.size() && IsPhoneCharacter(text[i]) && !is_excluded(i)) {
      digits += IsAsciiDigit(text[i++]);
    }
    if (digits < 7) continue;
    std::string_view run = text.substr(begin, i - begin);
    while (!run.empty() && !IsAsciiDigit(run.back())) run.remove_suffix(1);
    while (!run.empty() && !IsAsciiDigit(run.front()) && run.front() != '+') run.remove_prefix(1);
    if (IsGroupedQuantity(run) || IsScoreList(run)) continue;
    const size_t stretch_end = i;
    while (begin < stretch_end && windows.size() < kMaxPhoneWindows) {
      size_t end = stretch_end;
      if (end - begin > kMaxPhoneWindowBytes) {
        end = begin + kMaxPhoneWindowBytes;
        size_t cut = end;
        while (cut > begin && IsAsciiDigit(text[cut - 1])) --cut;
        if (cut > begin) end = cut;
      }
      size_t window_begin = begin;
      if (window_begin > 0) {
        --window_begin;
        while (window_begin > 0 &&
               (static_cast<unsigned char>(text[window_begin]) & 0xC0) == 0x80) {
          --window_begin;
        }
      }
      size_t window_end = end;
      if (window_end < text.size()) {
        ++window_end;
        while (window_end < text.size() &&
               (static_cast<unsigned char>(text[window_end]) & 0xC0) == 0x80) {
          ++window_end;
        }
      }
      // A group of more digits than any phone number has (E.164: 15, plus a trunk
      // prefix) is an id or a number of something, not a number to call.
      size_t group = 0;
      size_t longest_group = 0;
      size_t piece_digits = 0;
      for (size_t k = begin; k < end; ++k) {
        group = IsAsciiDigit(text[k]) ? group + 1 : 0;
        piece_digits += IsAsciiDigit(text[k]);
        longest_group = std::max(longest_group, group);
      }
      if (piece_digits >= 7 && longest_group <= kMaxPhoneDigitGroup) {
        windows.emplace_back(window_begin, window_end);
      }
      begin = end;
    }
    if (windows.size() >= kMaxPhoneWindows) break;
  }
  return windows;
}

// The digit an English number word names ("nine" -> '9'), or 0. Called on every word of a
// comment, so it looks at the length and the first letter before it compares (a loop over
// the ten words cost BM_NormalizeAndExtract/long_500b 0.5 us more).
char DigitOfWord(std::string_view word) {
  switch (word.size()) {
    case 3:
      switch (word[0]) {
        case 'o':
          return word == "one" ? '1' : 0;
        case 't':
          return word == "two" ? '2' : 0;
        case 's':
          return word == "six" ? '6' : 0;
        default:
          return 0;
      }
    case 4:
      switch (word[0]) {
        case 'z':
          return word == "zero" ? '0' : 0;
        case 'f':
          return word == "four" ? '4' : word == "five" ? '5' : 0;
        case 'n':
          return word == "nine" ? '9' : 0;
        default:
          return 0;
      }
    case 5:
      switch (word[0]) {
        case 't':
          return word == "three" ? '3' : 0;
        case 's':
          return word == "seven" ? '7' : 0;
        case 'e':
          return word == "eight" ? '8' : 0;
        default:
          return 0;
      }
    default:
      return 0;
  }
}

// How often "double" (2) or "triple" (3) repeats the digit after it; 0 for any other word.
size_t RepeatOfWord(std::string_view word) {
  return word == "double" ? 2 : word == "triple" ? 3 : 0;
}

// The number words of `text`, counted up to `enough`: one pass over the text, about 0.75 us
// for 500 bytes (bench/normalizer_bench.cc, BM_NormalizeAndExtract/long_500b, 2026-11-27).
size_t CountNumberWords(std::string_view text, size_t enough) {
  size_t count = 0;
  for (size_t k = 0; k < text.size() && count < enough;) {
    if (!IsAsciiAlnum(static_cast<unsigned char>(text[k]))) {
      ++k;
      continue;
    }
    const size_t begin = k;
    while (k < text.size() && IsAsciiAlnum(static_cast<unsigned char>(text[k]))) ++k;
    count += DigitOfWord(text.substr(begin, k - begin)) != 0;
  }
  return count;
}

// A stretch of number words that may be a phone number written out of machines' sight:
// "nine eight two nine two eight six six zero zero", "+91 nine 8 two 9 ...", "nine eight
// double two ... oh oh".
struct NumberWordRun {
  size_t begin = 0, end = 0;  // in the normalized text; a '+' right before it included
  std::string digits;         // "+919829286600"
  uint32_t words = 0;         // number words in it
  // After each token: where it ends, the length of `digits` so far and the words so far, so
  // that a number may be read from the run's first tokens ("nine ... zero zero, 9 to 5").
  struct Prefix {
    size_t end;
    size_t digits;
    uint32_t words;
  };
  std::vector<Prefix> prefixes;
};

constexpr size_t kMinNumberWordsInRun = 3;

// Whether `digits` counts up or down by one through four digits in a row, as counting does
// ("one two three four", "ten, nine, eight, seven ... zero"); a leading '+' steps to nothing.
bool CountsInSteps(std::string_view digits) {
  size_t up = 1;
  size_t down = 1;
  for (size_t k = 1; k < digits.size(); ++k) {
    up = digits[k] == digits[k - 1] + 1 ? up + 1 : 1;
    down = digits[k] == digits[k - 1] - 1 ? down + 1 : 1;
    if (up >= 4 || down >= 4) return true;
  }
  return false;
}

// The runs of number words and single digits, with nothing but spaces and - . , / between
// them, that hold at least kMinNumberWordsInRun words and 7 digits, outside `excluded` (links
// and addresses) and not a list of scores ("six-four, six-three, seven-five"), at most
// kMaxPhoneWindows of them. A run begins with a number word, or with "+" and a country code
// in digits: "page one of 200" and "2 out of three" are none. FindPhonesInWords decides
// which of them are numbers.
std::vector<NumberWordRun> NumberWordRuns(std::string_view text,
                                          const std::vector<std::pair<size_t, size_t>>& excluded) {
  const auto alnum = [&](size_t k) { return IsAsciiAlnum(static_cast<unsigned char>(text[k])); };
  const auto between_numbers = [](char c) {
    return c == ' ' || c == '-' || c == '.' || c == ',' || c == '/';
  };
  const auto is_excluded = [&](size_t begin, size_t end) { return Overlaps(excluded, begin, end); };
  std::vector<NumberWordRun> runs;
  // Most comments hold fewer number words than one run needs: one pass says so.
  if (CountNumberWords(text, kMinNumberWordsInRun) < kMinNumberWordsInRun) return runs;
  size_t i = 0;
  while (i < text.size() && runs.size() < kMaxPhoneWindows) {
    // A run starts at a token's start, with a number word or '+': "24/7 nine eight ..." is
    // not read as "79829...". `i` is at a token's start or between tokens here.
    if (!alnum(i)) {
      ++i;
      continue;
    }
    const bool plus = i > 0 && text[i - 1] == '+';
    size_t token_end = i + 1;
    while (token_end < text.size() && alnum(token_end)) ++token_end;
    const std::string_view first = text.substr(i, token_end - i);
    if (!plus && DigitOfWord(first) == 0 && RepeatOfWord(first) == 0) {
      i = token_end;
      continue;
    }
    NumberWordRun run;
    run.begin = i;
    run.end = i;
    size_t repeat = 0;        // after "double" or "triple": how often the next digit counts
    size_t hyphen_group = 0;  // bare hyphens in a row so far: "six-four" has one
    size_t score_pairs = 0;   // groups of two numbers joined by a bare hyphen
    bool longer_hyphen_group = false;
    size_t commas = 0;
    if (plus) {
      run.begin = i - 1;
      run.digits = "+";
    }
    for (size_t k = i; k < text.size() && run.digits.size() <= kMaxPhoneDigitGroup + 1;) {
      size_t end = k;
      while (end < text.size() && alnum(end)) ++end;
      const std::string_view token = text.substr(k, end - k);
      if (token.empty()) break;
      const bool digits_only =
          std::all_of(token.begin(), token.end(), [](char c) { return IsAsciiDigit(c); });
      // "double six" and "triple zero" repeat the digit after them; "oh" inside a run is 0.
      if (const size_t times = RepeatOfWord(token); times > 0 && repeat == 0) {
        repeat = times;
        for (k = end; k < text.size() && between_numbers(text[k]);) ++k;
        continue;
      }
      const char word_digit = k != i && token == "oh" ? '0' : DigitOfWord(token);
      if (word_digit != 0) {
        run.digits.append(std::max<size_t>(repeat, 1), word_digit);
        run.words += static_cast<uint32_t>(std::max<size_t>(repeat, 1));
      } else if (digits_only && (token.size() == 1 || (plus && k == i && token.size() <= 3))) {
        // A single digit, or the country code after '+'.
        for (size_t r = 0; r < std::max<size_t>(repeat, 1); ++r) run.digits.append(token);
      } else {
        break;
      }
      repeat = 0;
      run.end = end;
      run.prefixes.push_back({end, run.digits.size(), run.words});
      for (k = end; k < text.size() && between_numbers(text[k]);) ++k;
      const std::string_view separator = text.substr(end, k - end);
      if (separator == "-") {
        ++hyphen_group;
      } else {
        score_pairs += hyphen_group == 1;
        longer_hyphen_group = longer_hyphen_group || hyphen_group > 1;
        hyphen_group = 0;
      }
      commas += separator.find(',') != std::string_view::npos;
    }
    const std::string_view digits = std::string_view(run.digits).substr(plus ? 1 : 0);
    // "six-four, six-three, seven-five": a list of scores (pairs joined by a bare hyphen),
    // not a number; "nine-eight-two, nine-two-eight" groups more than two.
    const bool score_list = score_pairs >= 2 && commas >= 2 && !longer_hyphen_group;
    if (run.words >= kMinNumberWordsInRun && digits.size() >= 7 && !score_list &&
        !is_excluded(run.begin, run.end)) {
      i = run.end;
      runs.push_back(std::move(run));
      continue;
    }
    i = std::max(run.end, token_end);
  }
  return runs;
}

// Letters written for digits in a phone number: "+1 (3O2) 555-O1I8" (the text is case-folded
// by then). A letter counts only inside a token made of nothing but digits and these letters,
// with at least as many digits as letters: "3o2" and "o1i8" are digits, "oil", "lol" and
// "l0l" are not. Returns the text with those letters replaced, or an empty string when there
// are none; either way every byte keeps its offset.
constexpr size_t kMinDigitsForLookalikes = 4;  // half of a 7-digit number, at least

std::string DigitsForLookalikes(std::string_view text) {
  const auto lookalike = [](char c) { return c == 'o' || c == 'i' || c == 'l'; };
  std::string view;
  size_t i = 0;
  while (i < text.size()) {
    if (!IsAsciiAlnum(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    const size_t begin = i;
    size_t digits = 0;
    size_t letters = 0;
    bool only_digits_and_lookalikes = true;
    for (; i < text.size() && IsAsciiAlnum(static_cast<unsigned char>(text[i])); ++i) {
      digits += IsAsciiDigit(text[i]);
      letters += lookalike(text[i]);
      only_digits_and_lookalikes =
          only_digits_and_lookalikes && (IsAsciiDigit(text[i]) || lookalike(text[i]));
    }
    if (!only_digits_and_lookalikes || letters == 0 || digits < letters) continue;
    if (view.empty()) view.assign(text);
    for (size_t k = begin; k < i; ++k) {
      if (view[k] == 'o') view[k] = '0';
      if (view[k] == 'i' || view[k] == 'l') view[k] = '1';
    }
  }
  return view;
}

// The matcher's "unknown region": it accepts only numbers written with a leading '+'.
constexpr std::string_view kInternationalRegion = "ZZ";

// Whether `raw`, a number found under `region`, writes its country code ("+91", "0091",
// "91 98292 86600"). Under "ZZ" only numbers written with '+' are accepted. Under a default
// region PhoneNumberMatcher does not keep where the code came from, so the text is parsed
// again with its raw input kept.
bool CountryCodeWritten(const PhoneNumberUtil& phone_util, const std::string& raw,
                        std::string_view region) {
  if (region == kInternationalRegion) return true;
  i18n::phonenumbers::PhoneNumber parsed;
  return phone_util.ParseAndKeepRawInput(raw, std::string(region), &parsed) ==
             PhoneNumberUtil::NO_PARSING_ERROR &&
         parsed.country_code_source() != i18n::phonenumbers::PhoneNumber::FROM_DEFAULT_COUNTRY;
}

}  // namespace

struct EntityExtractor::Impl {
  EntityExtractorOptions options;
  StringSet suffix_rules;      // "com", "co.uk"
  StringSet wildcard_parents;  // "ck" for the rule "*.ck"
  StringSet exception_rules;   // "www.ck" for the rule "!www.ck"
  std::unique_ptr<RE2> link_pattern;
  std::unique_ptr<RE2> email_pattern;
  std::unique_ptr<RE2> contact_pattern;
  std::unique_ptr<RE2> self_reference_pattern;
  std::unique_ptr<RE2> number_cue_pattern;
  std::unique_ptr<RE2> money_pattern;
  const PhoneNumberUtil* phone_util = nullptr;

  std::string_view RegistrableDomainOfHost(std::string_view host) const;
  bool IsPublicSuffix(std::string_view suffix) const { return Contains(suffix_rules, suffix); }

  void FindEmails(const NormalizedText& text, Entities* entities) const;
  void FindLinks(const NormalizedText& text, Entities* entities) const;
  // Addresses and hosts written out of machines' sight ("sam (at) gmail (dot) com"); each
  // list stays in text order.
  void FindSpelledEmails(const NormalizedText& text, Entities* entities) const;
  void FindSpelledLinks(const NormalizedText& text, Entities* entities) const;
  // Phone numbers written partly in number words (NumberWordRuns), after FindPhones: a run
  // with a call to contact just before it (kNumberCuePattern) whose longest first tokens,
  // down to three words and 7 digits, libphonenumber accepts as a number of at most 17
  // digits that does not count in steps ("one two three four").
  void FindPhonesInWords(const NormalizedText& text, Entities* entities) const;
  // The regions a number is parsed under: "ZZ" first when it is written with '+' (which
  // accepts only such numbers), then the default regions.
  std::vector<const std::string*> RegionsToTry(bool plus_written) const;
  // A phone entity for `number`, found at [begin, end) of the normalized text.
  PhoneNumber PhoneAt(const NormalizedText& text, size_t begin, size_t end,
                      const i18n::phonenumbers::PhoneNumber& number,
                      bool country_code_written) const;
  // How many of `host`'s labels form a host ending in a public suffix (0: none does), the
  // longest such one.
  size_t LabelsToSuffix(std::string_view text, const SpelledHost& host) const;
  // A link to `host` as written at `url`, with its registrable and top-level domains and
  // whether it is a shortener; nullopt for a host no browser would open: empty, or longer
  // than a DNS name's 253 bytes (matching the suffixes of a 60 KB "host" against domain
  // lists was quadratic).
  std::optional<Link> LinkTo(std::string url, std::string host) const;
  // Links of the token [from, to). `authorities` receives the authority of each link with
  // user info, whose e-mail matches FindLinks then drops.
  void FindLinksIn(const NormalizedText& text, size_t from, size_t to,
                   const std::vector<std::pair<size_t, size_t>>& emails,
                   std::vector<std::pair<size_t, size_t>>* authorities, Entities* entities) const;
  void FindPhones(const NormalizedText& text, Entities* entities) const;
  void FindContactCalls(const NormalizedText& text, Entities* entities) const;
  void FindSelfReferences(const NormalizedText& text, Entities* entities) const;
  void FindMoney(const NormalizedText& text, Entities* entities) const;
};

// The Public Suffix List algorithm: the longest matching rule wins, an exception rule
// ("!www.ck") beats the wildcard it carves out of, and with no match the TLD is the suffix.
std::string_view EntityExtractor::Impl::RegistrableDomainOfHost(std::string_view host) const {
  if (host.empty() || IsIpAddress(host)) return host;
  // Only the last labels can form a suffix (the longest rule in the list has 5), so label
  // starts are collected from the right, at most kMaxSuffixLabels of them; `more` says
  // whether labels remain to their left.
  constexpr size_t kMaxSuffixLabels = 16;
  std::array<size_t, kMaxSuffixLabels> starts;
  size_t labels = 0;
  size_t i = host.size();
  for (; i > 0 && labels < kMaxSuffixLabels; --i) {
    if (host[i - 1] == '.') starts[labels++] = i;
  }
  bool more = true;  // labels left of the collected ones
  if (i == 0 && labels < kMaxSuffixLabels) {
    starts[labels++] = 0;
    more = false;
  }
  std::reverse(starts.begin(), starts.begin() + static_cast<std::ptrdiff_t>(labels));
  auto label_before = [&](size_t start) -> size_t {
    if (start < 2) return 0;
    const size_t dot = host.rfind('.', start - 2);
    return dot == std::string_view::npos ? 0 : dot + 1;
  };
  size_t suffix_index = labels - 1;
  for (size_t k = 0; k < labels; ++k) {
    const std::string_view suffix = host.substr(starts[k]);
    if (Contains(exception_rules, suffix)) {
      suffix_index = k + 1;
      break;
    }
    if (Contains(suffix_rules, suffix) ||
        (k + 1 < labels && Contains(wildcard_parents, host.substr(starts[k + 1])))) {
      suffix_index = k;
      break;
    }
  }
  if (suffix_index >= labels) return host;
  if (suffix_index == 0) {
    return more ? host.substr(label_before(starts[0])) : host;
  }
  return host.substr(starts[suffix_index - 1]);
}

void EntityExtractor::Impl::FindEmails(const NormalizedText& text, Entities* entities) const {
  const std::string_view all = text.text;
  if (all.find('@') == std::string_view::npos) return;
  re2::StringPiece piece(all.data(), all.size());
  size_t position = 0;
  re2::StringPiece found;
  while (position < all.size() &&
         email_pattern->Match(piece, position, all.size(), RE2::UNANCHORED, &found, 1)) {
    const size_t begin = found.data() - all.data();
    const size_t end = begin + found.size();
    EmailAddress email;
    email.location = Locate(text, begin, end);
    email.address = std::string(found);
    email.domain = email.address.substr(email.address.find('@') + 1);
    email.is_free_mail = IsFreeMail(RegistrableDomainOfHost(email.domain));
    entities->emails.push_back(std::move(email));
    position = end;
  }
}

void EntityExtractor::Impl::FindLinks(const NormalizedText& text, Entities* entities) const {
  const std::string_view all = text.text;
  const std::vector<std::pair<size_t, size_t>> tokens = LinkCandidateTokens(all);
  if (tokens.empty()) return;
  std::vector<std::pair<size_t, size_t>> emails;
  for (const EmailAddress& email : entities->emails) {
    // "Shop (at) x.com" is an address, and its host, written as a link is, a link too: spam
    // must not hide a listed domain behind "(at)".
    if (email.spelled_out) continue;
    emails.emplace_back(email.location.normalized_begin, email.location.normalized_end);
  }
  std::vector<std::pair<size_t, size_t>> authorities;
  for (const auto& [token_begin, token_end] : tokens) {
    FindLinksIn(text, token_begin, token_end, emails, &authorities, entities);
  }
  // The "user@host" of "http://user@host/" is the link's user info, no address to write to:
  // it is reported as the link alone. Both lists are in text order.
  if (authorities.empty()) return;
  auto authority = authorities.begin();
  std::erase_if(entities->emails, [&](const EmailAddress& email) {
    const size_t begin = email.location.normalized_begin;
    while (authority != authorities.end() && authority->second <= begin) ++authority;
    return authority != authorities.end() && authority->first <= begin;
  });
}

void EntityExtractor::Impl::FindLinksIn(const NormalizedText& text, size_t from, size_t to,
                                        const std::vector<std::pair<size_t, size_t>>& emails,
                                        std::vector<std::pair<size_t, size_t>>* authorities,
                                        Entities* entities) const {
  const std::string_view all = text.text;
  re2::StringPiece piece(all.data(), all.size());
  re2::StringPiece found;
  size_t position = from;
  while (position < to && link_pattern->Match(piece, position, to, RE2::UNANCHORED, &found, 1)) {
    const size_t begin = found.data() - all.data();
    size_t end = begin + found.size();
    position = end;
    // A bare host glued to what precedes it is part of a longer word, an e-mail address or
    // a handle ("@site.com"). A scheme or "www." marks a link on its own, whatever it is
    // glued to: spam writes "here...https://x" and "Clickhttps://x" to get past extractors
    // that want a space first.
    const std::string_view matched = all.substr(begin, end - begin);
    const bool marked = matched.starts_with("http://") || matched.starts_with("https://") ||
                        matched.starts_with("www.");
    if (begin > 0) {
      const char before = all[begin - 1];
      if (before == '@' ||
          (!marked && (IsAsciiAlnum(before) || before == '.' || before == '-' || before == '_' ||
                       static_cast<unsigned char>(before) >= 0x80))) {
        continue;
      }
    }
    while (end > begin &&
           std::string_view(".,;:!?)]}'\"*").find(all[end - 1]) != std::string_view::npos) {
      --end;
    }
    const std::string_view url = all.substr(begin, end - begin);
    // An e-mail match overlapping a link wins ("john.smith@gmail.com" is no link to
    // "john.smith"), except where it is the user info of a link with a scheme or "www.":
    // a browser opens "http://user@bad.example/" and "www.x@bad.example" at bad.example. In
    // "mailto:www.x@a.example" the e-mail is what is meant. An address in the path or query
    // ("http://bad.example/?to=me@b.example") leaves the host alone: it is both.
    const size_t authority_end = begin + AuthorityEnd(url);
    const bool user_info =
        marked && url.substr(0, authority_end - begin).find('@') != std::string_view::npos &&
        !all.substr(0, begin).ends_with("mailto:");
    const bool overlapped = std::any_of(emails.begin(), emails.end(), [&](const auto& email) {
      if (email.second <= begin || end <= email.first || authority_end <= email.first) {
        return false;
      }
      return !(user_info && begin <= email.first);
    });
    if (overlapped) continue;
    const bool explicit_link = url.starts_with("http") || url.starts_with("www.");
    std::optional<Link> found_link = LinkTo(std::string(url), UrlHost(url));
    if (!found_link) continue;
    Link& link = *found_link;
    if (!explicit_link) {
      const bool messaging =
          std::any_of(std::begin(kMessagingHosts), std::end(kMessagingHosts),
                      [&](const auto& entry) { return entry.first == link.host; });
      const bool multi_label_suffix =
          std::count(link.registrable_domain.begin(), link.registrable_domain.end(), '.') > 1;
      if (!IsPublicSuffix(link.top_level_domain)) continue;
      const bool has_path = url.find('/') != std::string_view::npos;
      if (IsWordLikeTld(link.top_level_domain) && !messaging && !link.is_shortener && !has_path &&
          !multi_label_suffix) {
        continue;
      }
    }
    link.location = Locate(text, begin, end);
    entities->links.push_back(std::move(link));
    if (user_info) authorities->emplace_back(begin, authority_end);
  }
}

size_t EntityExtractor::Impl::LabelsToSuffix(std::string_view text, const SpelledHost& host) const {
  for (size_t count = host.labels.size(); count >= 2; --count) {
    const auto [begin, end] = host.labels[count - 1];
    const std::string_view last = text.substr(begin, end - begin);
    if (std::all_of(last.begin(), last.end(), IsAsciiLetter) && IsPublicSuffix(last)) {
      return count;
    }
  }
  return 0;
}

namespace {
// Appends `found` to `list`, which stays in text order.
template <typename Entity>
void MergeInTextOrder(std::vector<Entity> found, std::vector<Entity>* list) {
  if (found.empty()) return;
  for (Entity& entity : found) list->push_back(std::move(entity));
  std::stable_sort(list->begin(), list->end(), [](const Entity& a, const Entity& b) {
    return a.location.normalized_begin < b.location.normalized_begin;
  });
}

// The k-th label of `host` as written in `text`.
std::string_view Label(std::string_view text, const SpelledHost& host, size_t k) {
  return text.substr(host.labels[k].first, host.labels[k].second - host.labels[k].first);
}

// The host of the first `count` labels, joined by '.' ("gmail (dot) com" -> "gmail.com").
std::string JoinLabels(std::string_view text, const SpelledHost& host, size_t count) {
  std::string joined;
  for (size_t k = 0; k < count; ++k) {
    if (k > 0) joined += '.';
    joined += Label(text, host, k);
  }
  return joined;
}

// Whether an entity of `list` overlaps the normalized bytes [begin, end).
template <typename Entity>
bool AnyOverlaps(const std::vector<Entity>& list, size_t begin, size_t end) {
  return std::any_of(list.begin(), list.end(), [&](const Entity& entity) {
    return begin < entity.location.normalized_end && entity.location.normalized_begin < end;
  });
}
// Whether a separator among the first `count` labels (count >= 1) has the form `form`.
bool HasSeparator(const SpelledHost& host, size_t count, MarkerForm form) {
  const auto end = host.separators.begin() + static_cast<std::ptrdiff_t>(count - 1);
  return std::find(host.separators.begin(), end, form) != end;
}
// Whether the host is spelled out somewhere, not written with plain dots only.
bool AnySpelled(const SpelledHost& host, size_t count) {
  const auto end = host.separators.begin() + static_cast<std::ptrdiff_t>(count - 1);
  return std::any_of(host.separators.begin(), end,
                     [](MarkerForm form) { return form != MarkerForm::kPlain; });
}
}  // namespace

std::optional<Link> EntityExtractor::Impl::LinkTo(std::string url, std::string host) const {
  if (host.empty() || host.size() > kMaxHostBytes) return std::nullopt;
  Link link;
  link.url = std::move(url);
  link.host = std::move(host);
  link.registrable_domain = std::string(RegistrableDomainOfHost(link.host));
  link.top_level_domain = std::string(LastLabel(link.host));
  link.is_shortener =
      std::find(std::begin(kShorteners), std::end(kShorteners), link.registrable_domain) !=
          std::end(kShorteners) ||
      std::find(std::begin(kShorteners), std::end(kShorteners), link.host) != std::end(kShorteners);
  return link;
}

void EntityExtractor::Impl::FindSpelledEmails(const NormalizedText& text,
                                              Entities* entities) const {
  const std::string_view all = text.text;
  std::vector<EmailAddress> found;
  for (size_t core = 0; core < all.size() && found.size() < kMaxSpelledEntities; ++core) {
    if (all[core] != '@' && all[core] != 'a') continue;
    const Marker at = MarkerAt(all, core, '@', "at");
    if (at.form == MarkerForm::kNone) continue;
    // The local part: letters, digits and ._%+- glued to the marker's left.
    size_t local = at.begin;
    while (local > 0 &&
           (IsAsciiAlnum(all[local - 1]) ||
            std::string_view("._%+-").find(all[local - 1]) != std::string_view::npos)) {
      --local;
    }
    while (local < at.begin && !IsAsciiAlnum(all[local])) ++local;
    if (local == at.begin) continue;
    const SpelledHost host = HostFrom(all, at.end, /*in_address=*/true);
    const size_t labels = LabelsToSuffix(all, host);
    if (labels == 0) continue;
    // "(at)" hides an address whatever follows. Otherwise the host must be spelled out too:
    // "sam@gmail.com" is the ordinary pattern's, and "Best deals here @ x.com", "Thanks @
    // everyone" or "weights @ model.to(device)" are a link, a reply and code. After the word
    // "at" the host must be a free-mail provider's ("at gmail dot com"), and a suffix written
    // after a spaced '.' or the word "dot" must be no English word ("at home dot in").
    if (at.form != MarkerForm::kBracketed && !AnySpelled(host, labels)) continue;
    const std::string_view tld = Label(all, host, labels - 1);
    const MarkerForm last_separator = host.separators[labels - 2];
    if ((last_separator == MarkerForm::kSpaced || last_separator == MarkerForm::kWord) &&
        IsWordLikeTld(tld)) {
      continue;
    }
    EmailAddress email;
    email.domain = JoinLabels(all, host, labels);
    email.is_free_mail = IsFreeMail(RegistrableDomainOfHost(email.domain));
    if (at.form == MarkerForm::kWord && !email.is_free_mail) continue;
    const size_t end = host.labels[labels - 1].second;
    if (AnyOverlaps(entities->emails, local, end)) continue;
    email.address = std::string(all.substr(local, at.begin - local)) + "@" + email.domain;
    email.location = Locate(text, local, end);
    email.spelled_out = true;
    found.push_back(std::move(email));
    core = end - 1;
  }
  MergeInTextOrder(std::move(found), &entities->emails);
}

void EntityExtractor::Impl::FindSpelledLinks(const NormalizedText& text, Entities* entities) const {
  const std::string_view all = text.text;
  std::vector<Link> found;
  for (size_t core = 0; core < all.size() && found.size() < kMaxSpelledEntities; ++core) {
    if (all[core] != '.' && all[core] != 'd') continue;
    const Marker dot = MarkerAt(all, core, '.', "dot");
    if (dot.form == MarkerForm::kNone || dot.form == MarkerForm::kPlain) continue;
    size_t first = dot.begin;
    while (first > 0 && IsHostLabelByte(all[first - 1])) --first;
    if (first == dot.begin || (first > 0 && (all[first - 1] == '@' || all[first - 1] == '.'))) {
      continue;
    }
    const SpelledHost host = HostFrom(all, first, /*in_address=*/false);
    const size_t labels = LabelsToSuffix(all, host);
    if (labels == 0) continue;
    const std::string_view name = Label(all, host, 0);
    const std::string_view tld = Label(all, host, labels - 1);
    // "(dot)" and "[.]" are written only to hide a host. " . " and the word "dot" are prose
    // too ("the dot com bubble", "is it . com or . org"): the name must look like a site's,
    // with a digit or hyphen or six letters or more, and the suffix must be one that spam
    // spells out (kSpelledSuffixes; "net" only after the word "dot").
    const bool named = name.size() >= 6 || std::any_of(name.begin(), name.end(), [](char c) {
                         return IsAsciiDigit(c) || c == '-';
                       });
    const bool spelled_suffix = std::find(std::begin(kSpelledSuffixes), std::end(kSpelledSuffixes),
                                          tld) != std::end(kSpelledSuffixes) ||
                                (tld == "net" && host.separators[labels - 2] == MarkerForm::kWord);
    if (!HasSeparator(host, labels, MarkerForm::kBracketed) && (!named || !spelled_suffix)) {
      continue;
    }
    const size_t end = host.labels[labels - 1].second;
    if (AnyOverlaps(entities->links, first, end) || AnyOverlaps(entities->emails, first, end)) {
      continue;
    }
    const std::string joined = JoinLabels(all, host, labels);
    std::optional<Link> link = LinkTo(joined, joined);
    if (!link) continue;
    link->spelled_out = true;
    link->location = Locate(text, first, end);
    found.push_back(std::move(*link));
    core = end - 1;
  }
  MergeInTextOrder(std::move(found), &entities->links);
}

namespace {

// Digits in a URL or an e-mail address are identifiers (video ids, photo ids, dates), not
// numbers for a reader to call; a WhatsApp click-to-chat link is the exception, its path is a
// phone number. The stretches of such addresses, sorted.
std::vector<std::pair<size_t, size_t>> NotPhoneStretches(const Entities& entities) {
  std::vector<std::pair<size_t, size_t>> excluded;
  for (const Link& link : entities.links) {
    if (link.registrable_domain == "wa.me" || link.registrable_domain == "whatsapp.com") continue;
    excluded.emplace_back(link.location.normalized_begin, link.location.normalized_end);
  }
  for (const EmailAddress& email : entities.emails) {
    excluded.emplace_back(email.location.normalized_begin, email.location.normalized_end);
  }
  std::sort(excluded.begin(), excluded.end());
  return excluded;
}

}  // namespace

std::vector<const std::string*> EntityExtractor::Impl::RegionsToTry(bool plus_written) const {
  static const std::string kInternational(kInternationalRegion);
  std::vector<const std::string*> regions;
  if (plus_written) regions.push_back(&kInternational);
  for (const std::string& region : options.default_regions) regions.push_back(&region);
  return regions;
}

PhoneNumber EntityExtractor::Impl::PhoneAt(const NormalizedText& text, size_t begin, size_t end,
                                           const i18n::phonenumbers::PhoneNumber& number,
                                           bool country_code_written) const {
  PhoneNumber phone;
  phone.location = Locate(text, begin, end);
  phone_util->Format(number, PhoneNumberUtil::E164, &phone.e164);
  phone.country_code = number.country_code();
  phone.country_code_written = country_code_written;
  phone_util->GetRegionCodeForNumber(number, &phone.region);
  return phone;
}

void EntityExtractor::Impl::FindPhonesInWords(const NormalizedText& text,
                                              Entities* entities) const {
  if (entities->phones.size() >= kMaxPhones) return;
  std::vector<PhoneNumber> found;
  for (const NumberWordRun& run : NumberWordRuns(text.text, NotPhoneStretches(*entities))) {
    if (AnyOverlaps(entities->phones, run.begin, run.end)) continue;
    const size_t cue_from = run.begin > kNumberCueReach ? run.begin - kNumberCueReach : 0;
    if (!RE2::PartialMatch(re2::StringPiece(text.text.data() + cue_from, run.begin - cue_from),
                           *number_cue_pattern)) {
      continue;
    }
    const size_t plus = run.digits[0] == '+' ? 1 : 0;
    // The whole run, else its longest first tokens that are a number ("... zero zero, 9").
    bool taken = false;
    for (auto prefix = run.prefixes.rbegin(); prefix != run.prefixes.rend() && !taken; ++prefix) {
      if (prefix->digits - plus < 7 || prefix->words < kMinNumberWordsInRun) break;
      const std::string digits = run.digits.substr(0, prefix->digits);
      if (prefix->digits - plus > kMaxPhoneDigitGroup || CountsInSteps(digits)) continue;
      for (const std::string* region : RegionsToTry(plus == 1)) {
        i18n::phonenumbers::PhoneNumber number;
        if (phone_util->Parse(digits, *region, &number) != PhoneNumberUtil::NO_PARSING_ERROR ||
            !phone_util->IsValidNumber(number)) {
          continue;
        }
        PhoneNumber phone = PhoneAt(text, run.begin, prefix->end, number,
                                    CountryCodeWritten(*phone_util, digits, *region));
        phone.letters_as_digits = prefix->words;
        phone.obfuscated = true;
        found.push_back(std::move(phone));
        taken = true;
        break;
      }
    }
    if (entities->phones.size() + found.size() >= kMaxPhones) break;
  }
  MergeInTextOrder(std::move(found), &entities->phones);
}

void EntityExtractor::Impl::FindPhones(const NormalizedText& text, Entities* entities) const {
  // With fewer digits even letters read as digits cannot make the 7 a number needs (a letter
  // counts only beside as many digits), and most comments stop here, after one count.
  if (CountAsciiDigits(text.text) < kMinDigitsForLookalikes) return;
  const std::vector<std::pair<size_t, size_t>> excluded = NotPhoneStretches(*entities);
  // The matcher reads `digits`: the text, or a copy of it with letters that stand for digits
  // replaced (same length, so every offset holds for both).
  const std::string lookalike_view = DigitsForLookalikes(text.text);
  const std::string_view digits = lookalike_view.empty() ? text.text : lookalike_view;
  const std::vector<std::pair<size_t, size_t>> windows = PhoneWindows(digits, excluded);
  std::vector<std::pair<size_t, size_t>> taken;
  int matcher_runs = 0;
  for (const auto& [window_begin, window_end] : windows) {
    const std::string window(digits.substr(window_begin, window_end - window_begin));
    // "ZZ" (unknown region) accepts only numbers written with a leading '+'; the default
    // regions are tried only while 7 digits of the window are still unclaimed.
    for (const std::string* region : RegionsToTry(window.find('+') != std::string::npos)) {
      if (entities->phones.size() >= kMaxPhones || matcher_runs >= kMaxMatcherRuns) break;
      size_t unclaimed = 0;
      for (size_t k = window_begin; k < window_end; ++k) {
        unclaimed += IsAsciiDigit(digits[k]) && !Overlaps(taken, k, k + 1);
      }
      if (unclaimed < 7) break;
      ++matcher_runs;
      PhoneNumberMatcher matcher(*phone_util, window, *region, PhoneNumberMatcher::VALID,
                                 /*max_tries=*/64);
      PhoneNumberMatch match;
      while (matcher.HasNext() && matcher.Next(&match)) {
        const size_t begin = window_begin + static_cast<size_t>(match.start());
        const size_t end = begin + static_cast<size_t>(match.length());
        if (end > window_end || Overlaps(taken, begin, end)) continue;
        if (entities->phones.size() >= kMaxPhones) break;
        taken.emplace_back(begin, end);
        PhoneNumber phone = PhoneAt(text, begin, end, match.number(),
                                    CountryCodeWritten(*phone_util, match.raw_string(), *region));
        for (size_t k = begin; k < end; ++k) phone.letters_as_digits += digits[k] != text.text[k];
        phone.obfuscated =
            phone.letters_as_digits > 0 ||
            !IsVerbatim(text, static_cast<uint32_t>(begin), static_cast<uint32_t>(end));
        entities->phones.push_back(std::move(phone));
      }
    }
  }
  std::sort(entities->phones.begin(), entities->phones.end(), [](const auto& a, const auto& b) {
    return a.location.normalized_begin < b.location.normalized_begin;
  });
}

void EntityExtractor::Impl::FindSelfReferences(const NormalizedText& text,
                                               Entities* entities) const {
  const std::string_view all = text.text;
  if (all.find("my") == std::string_view::npos && all.find("sub") == std::string_view::npos) {
    return;
  }
  re2::StringPiece piece(all.data(), all.size());
  re2::StringPiece found;
  size_t position = 0;
  while (position < all.size() && entities->self_references.size() < kMaxSelfReferences &&
         self_reference_pattern->Match(piece, position, all.size(), RE2::UNANCHORED, &found, 1)) {
    const size_t begin = found.data() - all.data();
    const size_t end = begin + found.size();
    entities->self_references.push_back(Locate(text, begin, end));
    position = std::max(end, begin + 1);
  }
}

void EntityExtractor::Impl::FindContactCalls(const NormalizedText& text, Entities* entities) const {
  const std::string_view all = text.text;
  constexpr int kGroups = std::size(kContactChannels);
  std::array<re2::StringPiece, kGroups + 1> groups;
  re2::StringPiece piece(all.data(), all.size());
  size_t position = 0;
  while (position < all.size() &&
         contact_pattern->Match(piece, position, all.size(), RE2::UNANCHORED, groups.data(),
                                kGroups + 1)) {
    const size_t begin = groups[0].data() - all.data();
    size_t end = begin + groups[0].size();
    position = std::max(end, begin + 1);
    int channel = 0;
    while (channel < kGroups && groups[channel + 1].data() == nullptr) ++channel;
    const std::string_view name = kContactChannels[channel];
    if (name == "handle" || name == "hashtag") {
      // Inside an e-mail address or a word ("a@b", "c#"), or an e-mail-like "@x.com".
      if (begin > 0) {
        const char before = all[begin - 1];
        if (IsAsciiAlnum(before) || before == '_' || before == '.' || before == '@' ||
            before == '#' || before == '&' || before == '/') {
          continue;
        }
      }
      while (end > begin + 1 && all[end - 1] == '.') --end;
    } else if (name == "call") {
      // "call and whatsapp" is a call and a whatsapp mention; in "call +91..." the number
      // is the phone entity's, not part of the call.
      position = begin + 4;
      if (all[end - 1] == '+' || IsAsciiDigit(all[end - 1])) end = begin + 4;
    }
    ContactCall call;
    call.location = Locate(text, begin, end);
    call.channel = std::string(name);
    entities->contact_calls.push_back(std::move(call));
  }
}

void EntityExtractor::Impl::FindMoney(const NormalizedText& text, Entities* entities) const {
  const std::string_view all = text.text;
  if (std::none_of(all.begin(), all.end(), IsAsciiDigit)) return;
  std::array<re2::StringPiece, 4> groups;
  re2::StringPiece piece(all.data(), all.size());
  size_t position = 0;
  while (position < all.size() &&
         money_pattern->Match(piece, position, all.size(), RE2::UNANCHORED, groups.data(), 4)) {
    const size_t begin = groups[0].data() - all.data();
    const size_t end = begin + groups[0].size();
    position = std::max(end, begin + 1);
    std::string_view currency;
    for (int g = 1; g < 4 && currency.empty(); ++g) {
      if (groups[g].data() != nullptr)
        currency = std::string_view(groups[g].data(), groups[g].size());
    }
    MoneyAmount money;
    money.location = Locate(text, begin, end);
    money.currency = CurrencyCode(currency);
    entities->money.push_back(std::move(money));
  }
}

EntityExtractor::EntityExtractor(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Result<std::shared_ptr<const EntityExtractor>> EntityExtractor::Create(
    EntityExtractorOptions options) {
  auto impl = std::make_shared<Impl>();
  impl->phone_util = PhoneNumberUtil::GetInstance();
  std::set<std::string> supported;
  impl->phone_util->GetSupportedRegions(&supported);
  for (const std::string& region : options.default_regions) {
    if (supported.count(region) == 0) {
      return Status::InvalidArgument("default region '" + region +
                                     "' is not a region libphonenumber knows");
    }
  }

  std::ifstream in(options.public_suffix_list_path);
  if (!in) {
    return Status::NotFound("public suffix list " + options.public_suffix_list_path +
                            " cannot be opened");
  }
  std::string line;
  while (std::getline(in, line)) {
    std::string_view rule = line;
    const size_t end = rule.find_first_of(" \t\r");
    rule = rule.substr(0, end);
    if (rule.empty() || rule.starts_with("//")) continue;
    const std::string lower = AsciiLower(rule);
    if (lower.starts_with("!")) {
      impl->exception_rules.insert(lower.substr(1));
    } else if (lower.starts_with("*.")) {
      impl->wildcard_parents.insert(lower.substr(2));
    } else {
      impl->suffix_rules.insert(lower);
    }
  }
  if (in.bad()) return Status::IoError("reading " + options.public_suffix_list_path + " failed");
  if (impl->suffix_rules.empty()) {
    return Status::Corruption(options.public_suffix_list_path + " holds no suffix rules");
  }

  RE2::Options re2_options;
  re2_options.set_log_errors(false);
  const auto compile = [&](const char* pattern, std::unique_ptr<RE2>* out) -> Status {
    *out = std::make_unique<RE2>(pattern, re2_options);
    if (!(*out)->ok()) return Status::Internal("pattern failed to compile: " + (*out)->error());
    return Status::Ok();
  };
  for (const auto& [pattern, target] :
       {std::pair{kLinkPattern, &impl->link_pattern},
        std::pair{kEmailPattern, &impl->email_pattern},
        std::pair{kContactPattern, &impl->contact_pattern},
        std::pair{kSelfReferencePattern, &impl->self_reference_pattern},
        std::pair{kNumberCuePattern, &impl->number_cue_pattern},
        std::pair{kMoneyPattern, &impl->money_pattern}}) {
    if (Status status = compile(pattern, target); !status.ok()) return status;
  }
  impl->options = std::move(options);
  return std::shared_ptr<const EntityExtractor>(new EntityExtractor(std::move(impl)));
}

Entities EntityExtractor::Extract(const NormalizedText& text) const {
  Entities entities;
  impl_->FindEmails(text, &entities);
  impl_->FindSpelledEmails(text, &entities);
  impl_->FindLinks(text, &entities);
  impl_->FindSpelledLinks(text, &entities);
  impl_->FindPhones(text, &entities);
  impl_->FindPhonesInWords(text, &entities);
  impl_->FindContactCalls(text, &entities);
  impl_->FindSelfReferences(text, &entities);
  impl_->FindMoney(text, &entities);
  return entities;
}

std::string EntityExtractor::RegistrableDomain(std::string_view host_or_url) const {
  const std::string lower = AsciiLower(host_or_url);
  return std::string(impl_->RegistrableDomainOfHost(UrlHost(lower)));
}

bool OffersContact(const Entities& entities, bool has_author_url) {
  if (has_author_url || !entities.links.empty() || !entities.emails.empty() ||
      !entities.phones.empty() || !entities.self_references.empty()) {
    return true;
  }
  return std::any_of(entities.contact_calls.begin(), entities.contact_calls.end(),
                     [](const ContactCall& call) { return call.channel != "hashtag"; });
}

}  // namespace spamguard
