#include "model/normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
#include <optional>
#include <utility>

#include "model/ascii.h"
#include "model/html_text.h"
#include "model/string_set.h"
#include "model/utf8.h"

namespace spamguard {
namespace {

// One code point of the text being normalized and the original bytes it stands for. Every
// pass reads and writes vectors of these, which is what keeps the offset map exact.
struct Unit {
  char32_t cp;
  uint32_t begin;
  uint32_t end;
};

bool IsLatinLetterOrDigit(char32_t c) {
  if (c < 0x80) return IsAsciiAlnum(c);
  if (u_isdigit(c)) return true;
  if (!u_isalpha(c)) return false;
  UErrorCode status = U_ZERO_ERROR;
  return uscript_getScript(c, &status) == USCRIPT_LATIN;
}

bool IsCombiningMark(char32_t c) {
  const int8_t type = u_charType(c);
  return type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK;
}

// Removed without a trace in the text. Only those following a Latin letter or a digit count
// as obfuscation: a joiner inside an emoji sequence or a ZWNJ in Persian is legitimate, and
// variation selectors never count (every emoji heart carries one).
bool IsIgnorable(char32_t c) {
  return u_charType(c) == U_FORMAT_CHAR ||
         u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}
bool IsVariationSelector(char32_t c) { return u_hasBinaryProperty(c, UCHAR_VARIATION_SELECTOR); }

bool IsSpaceLike(char32_t c) {
  if (c < 0x80) return c <= 0x20 || c == 0x7F;
  return u_isUWhiteSpace(c) || u_charType(c) == U_CONTROL_CHAR;
}

// Letters that look like Latin ones but that NFKC leaves alone: small capitals and a few
// "fancy text" generator favourites.
char32_t FoldLookalikeLetter(char32_t c) {
  static constexpr std::pair<char32_t, char32_t> kTable[] = {
      {0x0261, 'g'}, {0x0262, 'g'}, {0x026A, 'i'}, {0x0274, 'n'}, {0x0280, 'r'}, {0x028F, 'y'},
      {0x0299, 'b'}, {0x029C, 'h'}, {0x029F, 'l'}, {0x1D00, 'a'}, {0x1D04, 'c'}, {0x1D05, 'd'},
      {0x1D07, 'e'}, {0x1D0A, 'j'}, {0x1D0B, 'k'}, {0x1D0D, 'm'}, {0x1D0F, 'o'}, {0x1D18, 'p'},
      {0x1D1B, 't'}, {0x1D1C, 'u'}, {0x1D20, 'v'}, {0x1D21, 'w'}, {0x1D22, 'z'}, {0xA730, 'f'},
      {0xA731, 's'}, {0xA7AF, 'q'},
  };
  if (c >= 0x1F150 && c <= 0x1F169) return 'a' + (c - 0x1F150);  // negative circled A-Z
  if (c >= 0x1F170 && c <= 0x1F189) return 'a' + (c - 0x1F170);  // negative squared A-Z
  const auto* it =
      std::lower_bound(std::begin(kTable), std::end(kTable), c,
                       [](const auto& entry, char32_t key) { return entry.first < key; });
  if (it != std::end(kTable) && it->first == c) return it->second;
  return c;
}

// NFKC_Casefold of ASCII, with white space and control characters as ' '.
constexpr std::array<char, 128> kAsciiFold = [] {
  std::array<char, 128> table{};
  for (int c = 0; c < 128; ++c) {
    table[c] = c <= 0x20 || c == 0x7F ? ' ' : (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
  }
  return table;
}();

// One code point read from the original text: a character reference when the call decodes
// them and one starts there, else a UTF-8 sequence (DecodeCodePointAt).
struct ReadUnit {
  char32_t cp;
  uint32_t length;
  std::optional<CharacterReference> reference;
};

ReadUnit ReadCodePoint(std::string_view s, size_t i, bool as_displayed) {
  if (as_displayed && s[i] == '&') {
    if (std::optional<CharacterReference> reference = ReadCharacterReference(s.substr(i))) {
      return {reference->code_point, static_cast<uint32_t>(reference->length), reference};
    }
  }
  ReadUnit unit{0, 0, std::nullopt};
  unit.cp = DecodeCodePointAt(s, i, &unit.length);
  return unit;
}

size_t Utf8Length(char32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

// Writes c as UTF-8 at out; returns the number of bytes written.
size_t EncodeUtf8(char32_t c, char* out) {
  if (c < 0x80) {
    out[0] = static_cast<char>(c);
    return 1;
  }
  if (c < 0x800) {
    out[0] = static_cast<char>(0xC0 | (c >> 6));
    out[1] = static_cast<char>(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (c >> 12));
    out[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (c >> 18));
  out[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (c & 0x3F));
  return 4;
}

// Per-call state of one Normalize() run.
struct Scratch {
  std::string_view original;
  bool as_displayed = true;  // HtmlReading::kAsDisplayed
  uint32_t html_rewrites = 0;
  size_t tags_read_until = 0;  // the '<' before this were read as tags once already
  std::vector<Unit> units;
  std::vector<Unit> next;
  ObfuscationReport report;
  bool has_non_ascii = false;  // some code point >= 0x80 survived Decode()

  void MarkObfuscated(uint32_t begin, uint32_t end) {
    if (begin < end) report.spans.push_back({begin, end});
  }

  // Counts a unit read at `begin` once it is taken into the text (or dropped from it).
  void NoteRead(const ReadUnit& unit, uint32_t begin) {
    if (!unit.reference) return;
    ++html_rewrites;
    if (unit.reference->numeric && unit.cp < 0x80 && IsAsciiAlnum(unit.cp)) {
      ++report.encoded_characters;
      MarkObfuscated(begin, begin + unit.length);
    }
  }
};

bool IsLetterOrDigit(char32_t c) { return c < 0x80 ? IsAsciiAlnum(c) : u_isalnum(c); }

void EmitSpace(uint32_t begin, uint32_t end, std::vector<Unit>* out) {
  if (out->empty()) return;  // leading white space is trimmed
  if (out->back().cp == ' ') {
    out->back().end = end;
    return;
  }
  out->push_back({' ', begin, end});
}

// Appends the ASCII bytes s[begin, end), case-folded, with white space collapsed as
// EmitSpace() does, writing in place rather than through push_back.
void AppendAscii(std::string_view s, size_t begin, size_t end, std::vector<Unit>* out) {
  size_t n = out->size();
  out->resize(n + (end - begin));
  Unit* units = out->data();
  bool after_space = n == 0 || units[n - 1].cp == ' ';
  for (size_t k = begin; k < end; ++k) {
    const char folded = kAsciiFold[static_cast<unsigned char>(s[k])];
    const auto at = static_cast<uint32_t>(k);
    if (folded == ' ') {
      if (after_space) {
        if (n > 0) units[n - 1].end = at + 1;  // leading white space is trimmed
        continue;
      }
      after_space = true;
    } else {
      after_space = false;
    }
    units[n++] = {static_cast<char32_t>(folded), at, at + 1};
  }
  out->resize(n);
}

// Emits one code point produced from original bytes [begin, end): folds lookalike letters,
// turns white space into ' ', and strips a combining mark that follows a Latin letter or a
// digit by widening that letter's span over the mark.
void EmitNormalized(char32_t c, uint32_t begin, uint32_t end, Scratch* scratch) {
  std::vector<Unit>& out = scratch->units;
  if (IsSpaceLike(c)) {
    EmitSpace(begin, end, &out);
    return;
  }
  if (c >= 0x80 && IsCombiningMark(c) && !out.empty() && IsLatinLetterOrDigit(out.back().cp)) {
    ++scratch->report.combining_marks;
    out.back().end = std::max(out.back().end, end);
    scratch->MarkObfuscated(out.back().begin, out.back().end);
    return;
  }
  if (c >= 0x80) {
    scratch->has_non_ascii = true;
    const char32_t folded = FoldLookalikeLetter(c);
    if (folded != c) {
      ++scratch->report.fancy_characters;
      scratch->MarkObfuscated(begin, end);
      c = folded;
    }
  }
  out.push_back({c, begin, end});
}

bool HasCompatibilityDecomposition(char32_t c) {
  const int type = u_getIntPropertyValue(c, UCHAR_DECOMPOSITION_TYPE);
  return type != U_DT_NONE && type != U_DT_CANONICAL;
}

bool IsSingleLetter(const std::vector<Unit>& u, size_t begin, size_t end) {
  return end - begin == 1 && u_isalpha(u[begin].cp);
}
bool IsSingleDigit(const std::vector<Unit>& u, size_t begin, size_t end) {
  return end - begin == 1 && IsAsciiDigit(u[begin].cp);
}
bool IsPlusDigit(const std::vector<Unit>& u, size_t begin, size_t end) {
  return end - begin == 2 && u[begin].cp == '+' && IsAsciiDigit(u[begin + 1].cp);
}

constexpr size_t kMinSpacedLetters = 4;  // "u r a" (you are a) stays
constexpr size_t kMinSpacedDigits = 4;

// What spaces a word's letters out inside one token: "W.h.a.t.s.A.p.p", "v-i-a-g-r-a",
// "T_e_l_e_g_r_a_m", "c*a*l*l".
constexpr bool IsLetterSeparator(char32_t c) {
  return c == '.' || c == '-' || c == '_' || c == '*' || c == '|' || c == '~';
}

// A pictograph or other symbol (Unicode So: emoji, dingbats) standing between letters or
// digits as their separator.
bool IsSeparatorSymbol(char32_t c) { return c >= 0x80 && u_charType(c) == U_OTHER_SYMBOL; }

// Pass 1b, for a text with some non-ASCII: symbols used to space letters or digits out.
// "W💎h💎a💎t💎s💎A💎p💎p": at least kMinSpacedLetters single letters or digits in a row, each
// pair separated by symbols only, lose the symbols ("whatsapp"). "+1🔹555🔹012🔹9876": symbols
// between two groups of digits, one of them of three or more, become one space, a phone
// number's separator. Words separated by emoji ("earn🔥daily") and scores ("2⚽1") are left
// as they are.
void SeparateBySymbols(Scratch* scratch) {
  const std::vector<Unit>& in = scratch->units;
  if (std::none_of(in.begin(), in.end(), [](const Unit& u) { return IsSeparatorSymbol(u.cp); })) {
    return;
  }
  std::vector<Unit>& out = scratch->next;
  out.clear();
  const auto alnum = [&](size_t k) { return k < in.size() && IsLetterOrDigit(in[k].cp); };
  const auto symbols_end = [&](size_t k) {
    while (k < in.size() && IsSeparatorSymbol(in[k].cp)) ++k;
    return k;
  };
  bool changed = false;
  size_t i = 0;
  while (i < in.size()) {
    // A chain of single letters or digits: x, symbols, y, symbols, z ...
    if (alnum(i) && (i == 0 || !alnum(i - 1)) && !alnum(i + 1)) {
      size_t singles = 1;
      size_t end = i + 1;
      for (size_t next = symbols_end(end); next > end && alnum(next) && !alnum(next + 1);
           next = symbols_end(end)) {
        ++singles;
        end = next + 1;
      }
      if (singles >= kMinSpacedLetters) {
        for (size_t k = i; k < end; ++k) {
          if (!IsSeparatorSymbol(in[k].cp)) out.push_back(in[k]);
        }
        ++scratch->report.spaced_out_runs;
        scratch->MarkObfuscated(in[i].begin, in[end - 1].end);
        changed = true;
        i = end;
        continue;
      }
    }
    if (IsSeparatorSymbol(in[i].cp) && i > 0 && IsAsciiDigit(in[i - 1].cp)) {
      const size_t end = symbols_end(i);
      // Digits on each side, and a group of three or more on one: a phone number's groups
      // ("555🔹012"), not a score ("2⚽1 3⚽0", which stays as written, or it would read as
      // the spaced-out digits of a number).
      size_t before = 0;
      while (before < i && IsAsciiDigit(in[i - 1 - before].cp)) ++before;
      size_t after = 0;
      while (end + after < in.size() && IsAsciiDigit(in[end + after].cp)) ++after;
      if (after > 0 && std::max(before, after) >= 3) {
        // Not counted as obfuscation: the extractor reads the number either way.
        out.push_back({' ', in[i].begin, in[end - 1].end});
        changed = true;
        i = end;
        continue;
      }
    }
    out.push_back(in[i++]);
  }
  if (changed) std::swap(scratch->units, scratch->next);
}

bool IsLeetCharacter(char32_t c) {
  return c == '0' || c == '1' || c == '3' || c == '4' || c == '5' || c == '7' || c == '@' ||
         c == '$';
}

// What a chain of punctuated or spaced-out letters is made of ("W.h.4.t.s", "c 4 $ h"): a
// letter, or a leetspeak character standing for one.
bool IsPunctuatedElement(char32_t c) {
  return c < 0x80 ? IsAsciiLetter(c) || IsLeetCharacter(c) : static_cast<bool>(u_isalnum(c));
}

constexpr size_t kMaxLeetRun = 24;    // longer runs are not read as leetspeak words
constexpr int kMaxLeetAmbiguous = 4;  // '1' may be 'i' or 'l': at most 2^4 candidates

// What the later passes will find to do, learned in one cheap scan so that ordinary text
// skips them entirely.
struct Survey {
  // kMinSpacedLetters single letters (leetspeak characters among them) or kMinSpacedDigits
  // single digits in a row
  bool spaced_out_run = false;
  bool leet = false;                // some leetspeak character
  bool long_repeat = false;         // some non-digit repeated more than 3 times
  bool punctuated_letters = false;  // kMinSpacedLetters IsPunctuatedElement joined by separators
};

constexpr std::array<bool, 128> kIsLeet = [] {
  std::array<bool, 128> table{};
  for (char c : {'0', '1', '3', '4', '5', '7', '@', '$'})
    table[static_cast<unsigned char>(c)] = true;
  return table;
}();

// The plain-ASCII reader's one lookup for the two rare kinds of byte it must look closer at.
constexpr std::array<bool, 128> kIsLeetOrSeparator = [] {
  std::array<bool, 128> table = kIsLeet;
  for (char32_t c = 0; c < 128; ++c) table[c] = table[c] || IsLetterSeparator(c);
  return table;
}();

Survey SurveyUnits(const std::vector<Unit>& units) {
  Survey survey;
  size_t letters = 0;
  size_t digits = 0;
  size_t token_length = 0;
  size_t repeat = 0;
  char32_t token_first = 0;
  char32_t previous = 0;
  bool leet = false;
  size_t punctuated = 0;  // letters in a row, each after a separator after a single letter
  char32_t before_previous = 0;
  char32_t third_previous = ' ';
  const auto end_token = [&] {
    const bool single = token_length == 1;
    const bool letter = single && (token_first < 0x80 ? IsAsciiLetter(token_first)
                                                      : static_cast<bool>(u_isalpha(token_first)));
    // A leetspeak character after a letter may stand for one ("w h 4 t", "c 4 $ h"): the run
    // goes on.
    const bool leet_letter = single && IsLeetCharacter(token_first) && letters > 0;
    letters = letter || leet_letter ? letters + 1 : 0;
    if (single && IsAsciiDigit(token_first)) {
      ++digits;
    } else {
      digits = token_length == 2 && token_first == '+' && IsAsciiDigit(previous) ? 1 : 0;
    }
    survey.spaced_out_run =
        survey.spaced_out_run || letters >= kMinSpacedLetters || digits >= kMinSpacedDigits;
    token_length = 0;
  };
  for (const Unit& unit : units) {
    const char32_t c = unit.cp;
    if (c == previous) {
      if (++repeat > 3 && c != ' ' && !IsAsciiDigit(c)) survey.long_repeat = true;
    } else {
      repeat = 1;
    }
    if (c == ' ') {
      end_token();
    } else {
      if (token_length++ == 0) token_first = c;
      leet |= c < 128 && kIsLeet[c];
    }
    if (IsPunctuatedElement(c)) {
      const bool after_single = IsLetterSeparator(previous) &&
                                IsPunctuatedElement(before_previous) &&
                                !IsLetterOrDigit(third_previous);
      punctuated = after_single ? punctuated + 1 : 0;
      survey.punctuated_letters = survey.punctuated_letters || punctuated + 1 >= kMinSpacedLetters;
    }
    third_previous = before_previous;
    before_previous = previous;
    previous = c;
  }
  end_token();
  survey.leet = leet;
  return survey;
}

// A token that is or contains a URL, domain or e-mail address ("x://", "a.com", "a@b.c"):
// never leet-folded. "c@ll" alone is not an address.
bool LooksLikeAddress(const std::vector<Unit>& u, size_t begin, size_t end) {
  bool at_sign = false;
  for (size_t i = begin; i < end; ++i) {
    const char32_t c = u[i].cp;
    if (c == ':' && i + 2 < end && u[i + 1].cp == '/' && u[i + 2].cp == '/') return true;
    const bool inner = i > begin && i + 1 < end && IsAsciiAlnum(u[i - 1].cp);
    if (c == '@' && inner) at_sign = true;
    if (c == '.' && inner && (IsAsciiLetter(u[i + 1].cp) || at_sign)) return true;
  }
  return false;
}

// The common case in one pass: pure ASCII that needs nothing but case folding and white
// space collapsing. Returns false, leaving *result unspecified, as soon as the text might need
// anything else (non-ASCII, a character reference or a tag, a leetspeak character next to a
// letter, single characters in a row, a long repeat); the general path then produces what
// this one would have for such text.
bool NormalizePlainAscii(std::string_view original, bool as_displayed, NormalizedText* result) {
  const size_t size = original.size();
  result->text.resize(size);
  result->source_begin.resize(size);
  result->source_end.resize(size);
  char* text = result->text.data();
  uint32_t* begins = result->source_begin.data();
  uint32_t* ends = result->source_end.data();
  size_t n = 0;
  size_t singles = 0;     // single letters, digits, '@' or '$' in a row ("+9" counts as one)
  size_t punctuated = 0;  // single letters in a row, each followed by a letter separator
  size_t token_length = 0;
  size_t repeat = 0;
  char token_first = 0;
  char previous = ' ';
  for (size_t k = 0; k < size; ++k) {
    const auto byte = static_cast<unsigned char>(original[k]);
    if (byte >= 0x80) return false;
    if (as_displayed && ((byte == '&' && ReadCharacterReference(original.substr(k))) ||
                         (byte == '<' && ReadTagRun(original.substr(k))))) {
      return false;
    }
    const char c = kAsciiFold[byte];
    const auto at = static_cast<uint32_t>(k);
    if (c == ' ') {
      if (previous == ' ') {
        if (n > 0) ends[n - 1] = at + 1;
        continue;
      }
      const bool single = token_length == 1 || (token_length == 2 && token_first == '+');
      singles =
          single && (IsAsciiAlnum(text[n - 1]) || IsLeetCharacter(text[n - 1])) ? singles + 1 : 0;
      if (singles >= kMinSpacedLetters) return false;
      token_length = 0;
    } else {
      if (token_length++ == 0) token_first = c;
      if (kIsLeetOrSeparator[byte] && IsLetterSeparator(static_cast<unsigned char>(c))) {
        // "w.h.a.t", "w.h.4.t": a single letter or leetspeak character before this separator,
        // continuing a chain when the separator before it was one too; looked at only here,
        // at separators, because a test on every letter cost ordinary text a fifth of this
        // loop's time. The general path makes the exact decision.
        const bool single =
            n > 0 && IsPunctuatedElement(text[n - 1]) && (n == 1 || !IsAsciiAlnum(text[n - 2]));
        const bool continues =
            single && n >= 2 && IsLetterSeparator(static_cast<unsigned char>(text[n - 2]));
        punctuated = single ? (continues ? punctuated + 1 : 1) : 0;
        // The chain holds kMinSpacedLetters characters when a single one follows.
        if (punctuated + 1 >= kMinSpacedLetters && k + 1 < size &&
            IsPunctuatedElement(original[k + 1]) &&
            (k + 2 >= size || !IsAsciiAlnum(original[k + 2]))) {
          return false;
        }
      } else if (kIsLeetOrSeparator[byte]) {
        const bool letter_before = n > 0 && IsAsciiLetter(text[n - 1]);
        const bool letter_after = k + 1 < size && IsAsciiLetter(original[k + 1]);
        if (letter_before || letter_after) return false;
      }
    }
    repeat = c == previous ? repeat + 1 : 1;
    if (repeat > 3 && !IsAsciiDigit(c)) return false;
    previous = c;
    text[n] = c;
    begins[n] = at;
    ends[n] = at + 1;
    ++n;
  }
  if (token_length > 0) {
    const bool single = token_length == 1 || (token_length == 2 && token_first == '+');
    singles =
        single && (IsAsciiAlnum(text[n - 1]) || IsLeetCharacter(text[n - 1])) ? singles + 1 : 0;
    if (singles >= kMinSpacedLetters) return false;
  }
  if (n > 0 && text[n - 1] == ' ') --n;
  result->text.resize(n);
  result->source_begin.resize(n);
  result->source_end.resize(n);
  result->original_length = static_cast<uint32_t>(size);
  return true;
}

}  // namespace

uint32_t ObfuscationReport::total() const {
  return encoded_characters + markup_splits + format_characters + fancy_characters +
         combining_marks + homoglyphs + leet_characters + spaced_out_runs;
}

Span NormalizedText::ToOriginal(uint32_t begin, uint32_t end) const {
  const auto size = static_cast<uint32_t>(text.size());
  begin = std::min(begin, size);
  end = std::min(end, size);
  if (begin >= end) {
    const uint32_t at = begin == size ? original_length : source_begin[begin];
    return {at, at};
  }
  return {source_begin[begin], source_end[end - 1]};
}

struct Normalizer::Impl {
  const icu::Normalizer2* nfkc_casefold = nullptr;  // ICU-owned singleton
  const icu::Normalizer2* nfd = nullptr;            // ICU-owned singleton
  USpoofChecker* spoof_checker = nullptr;
  StringSet words;

  ~Impl() {
    if (spoof_checker != nullptr) uspoof_close(spoof_checker);
  }

  bool IsWord(std::string_view word) const { return words.find(word) != words.end(); }

  void Decode(Scratch* scratch) const;
  bool TakeTagRunInsideWord(Scratch* scratch, size_t* i) const;
  void NormalizeSegment(const std::vector<char32_t>& segment, uint32_t begin, uint32_t end,
                        Scratch* scratch) const;
  void FoldHomoglyphs(Scratch* scratch) const;
  char32_t AsciiBaseOf(char32_t c) const;
  void FoldDecoratedWords(Scratch* scratch) const;
  bool SpellsWordWithLeet(std::string_view run, char* word) const;
  void RejoinSpacedOut(Scratch* scratch) const;
  // The lower-case ASCII letters of c's confusable skeleton ("а" -> "a", "ш" -> "w"); 0
  // letters when the skeleton holds anything else or more than kMaxSkeletonLetters.
  static constexpr size_t kMaxSkeletonLetters = 16;
  size_t LatinSkeleton(char32_t c, std::array<char, kMaxSkeletonLetters>* latin) const;
  void RejoinPunctuatedLetters(Scratch* scratch) const;
  void FoldLeetspeak(Scratch* scratch) const;
  static void CapRepeats(Scratch* scratch);
};

// What a tag run is looked past for the letter that continues the word: ignorables and
// further tag runs ("Wh<b>\u200B</b>atsapp"), at most this many, so that a long alternation of
// the two costs a bounded look each time.
constexpr int kMaxLookPastTags = 8;

// A letter or digit, or a mark that ends one ("приве\u0301<b></b>т").
bool EndsAWord(char32_t c) { return IsLetterOrDigit(c) || (c >= 0x80 && IsCombiningMark(c)); }

// At s[i] == '<', reading as displayed: a run of tags between two letters or digits of one
// word ("What<b></b>sapp", "98292<i></i>86600") shows as nothing, so the word is read whole
// and the run counts as obfuscation. A run with a line break in it ("song<br />love") shows
// the two words apart, as its text already keeps them, and stays text like tags between
// words; so does a run before a code point that would join the one before it in NFKC (a
// Hangul vowel jamo, a combining mark), which this one-segment-at-a-time reader would not
// join. Returns true when the run was taken and *i moved past it; false leaves the '<' to be
// read as text. Each run is read once: the '<' inside it are then text, so a long run costs
// one pass.
bool Normalizer::Impl::TakeTagRunInsideWord(Scratch* scratch, size_t* i) const {
  if (*i < scratch->tags_read_until) return false;
  const std::string_view s = scratch->original;
  const std::optional<TagRun> run = ReadTagRun(s.substr(*i));
  if (!run) return false;
  const size_t end = *i + run->length;
  scratch->tags_read_until = end;
  const std::vector<Unit>& out = scratch->units;
  if (run->breaks_line || out.empty() || !EndsAWord(out.back().cp)) return false;
  // The next code point shown: past ignorables and further runs of inline tags.
  size_t next = end;
  for (int look = 0; next < s.size(); ++look) {
    if (look == kMaxLookPastTags) return false;
    if (s[next] == '<') {
      const std::optional<TagRun> more = ReadTagRun(s.substr(next));
      if (!more) return false;
      if (more->breaks_line) return false;
      next += more->length;
      continue;
    }
    const ReadUnit unit = ReadCodePoint(s, next, /*as_displayed=*/true);
    if (!IsIgnorable(unit.cp)) {
      if (!IsLetterOrDigit(unit.cp) || !nfkc_casefold->hasBoundaryBefore(unit.cp)) return false;
      ++scratch->html_rewrites;
      ++scratch->report.markup_splits;
      scratch->MarkObfuscated(static_cast<uint32_t>(*i), static_cast<uint32_t>(end));
      *i = end;
      return true;
    }
    next += unit.length;
  }
  return false;
}

// Pass 1: decode, drop ignorables, NFKC_Casefold by canonical segment, lookalike letters,
// mark stripping and white space. ASCII not followed by a combining sequence takes the fast
// path (lower-casing is all NFKC_Casefold does to it).
void Normalizer::Impl::Decode(Scratch* scratch) const {
  const std::string_view s = scratch->original;
  std::vector<Unit>& out = scratch->units;
  std::vector<char32_t> segment;
  size_t i = 0;
  const auto size = static_cast<uint32_t>(s.size());
  while (i < size) {
    // An ASCII run takes the fast path, except a last byte followed by non-ASCII (or, read
    // as displayed, by an '&' or '<' that may start a reference or a tag), which may be the
    // base of a combining sequence.
    size_t run_end = i;
    while (run_end < size && static_cast<unsigned char>(s[run_end]) < 0x80 &&
           !(scratch->as_displayed &&
             (s[run_end] == '&' || (s[run_end] == '<' && run_end >= scratch->tags_read_until)))) {
      ++run_end;
    }
    const size_t fast_end = run_end < size && run_end > i ? run_end - 1 : run_end;
    if (fast_end > i) {
      AppendAscii(s, i, fast_end, &out);
      i = fast_end;
      continue;
    }
    if (scratch->as_displayed && s[i] == '<' && TakeTagRunInsideWord(scratch, &i)) continue;
    const auto c0 = static_cast<unsigned char>(s[i]);
    const ReadUnit read = ReadCodePoint(s, i, scratch->as_displayed);
    const char32_t c = read.cp;
    const uint32_t length = read.length;
    const auto begin = static_cast<uint32_t>(i);
    scratch->NoteRead(read, begin);
    i += length;
    if (c == kReplacementCharacter && length == 1 && c0 >= 0x80) {
      scratch->has_non_ascii = true;
      out.push_back({kReplacementCharacter, begin, begin + 1});
      continue;
    }
    if (IsIgnorable(c)) {
      if (!IsVariationSelector(c) && !out.empty() && IsLatinLetterOrDigit(out.back().cp)) {
        ++scratch->report.format_characters;
        scratch->MarkObfuscated(begin, begin + length);
      }
      continue;
    }
    // Gather the canonical segment: c and every following code point without a
    // normalization boundary before it, skipping ignorables inside it.
    segment.clear();
    segment.push_back(c);
    uint32_t end = begin + length;
    while (i < size) {
      const ReadUnit read_next = ReadCodePoint(s, i, scratch->as_displayed);
      const char32_t next = read_next.cp;
      const uint32_t next_length = read_next.length;
      if (next == kReplacementCharacter && next_length == 1) break;
      const bool boundary = !IsIgnorable(next) && nfkc_casefold->hasBoundaryBefore(next);
      if (boundary) break;
      scratch->NoteRead(read_next, static_cast<uint32_t>(i));
      if (IsIgnorable(next)) {
        if (!IsVariationSelector(next) && IsLatinLetterOrDigit(segment[0])) {
          ++scratch->report.format_characters;
          scratch->MarkObfuscated(static_cast<uint32_t>(i), static_cast<uint32_t>(i) + next_length);
        }
        i += next_length;  // not part of the segment's span unless a mark follows
        continue;
      }
      segment.push_back(next);
      i += next_length;
      end = static_cast<uint32_t>(i);
    }
    NormalizeSegment(segment, begin, end, scratch);
  }
  if (!out.empty() && out.back().cp == ' ') out.pop_back();
}

void Normalizer::Impl::NormalizeSegment(const std::vector<char32_t>& segment, uint32_t begin,
                                        uint32_t end, Scratch* scratch) const {
  if (segment.size() == 1 && nfkc_casefold->isInert(segment[0])) {
    EmitNormalized(segment[0], begin, end, scratch);
    return;
  }
  icu::UnicodeString source;
  bool compatibility = false;
  for (char32_t c : segment) {
    source.append(static_cast<UChar32>(c));
    compatibility = compatibility || HasCompatibilityDecomposition(c);
  }
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString normalized;
  nfkc_casefold->normalize(source, normalized, status);
  if (U_FAILURE(status)) normalized = source;
  bool counted = false;
  for (int32_t k = 0; k < normalized.length();) {
    const UChar32 c = normalized.char32At(k);
    k += U16_LENGTH(c);
    // A letter or digit reached through a compatibility mapping (fullwidth, mathematical,
    // circled...) is "fancy"; NBSP -> space or "…" -> "..." is not worth reporting.
    if (compatibility && !counted && u_isalnum(c)) {
      counted = true;
      ++scratch->report.fancy_characters;
      scratch->MarkObfuscated(begin, end);
    }
    EmitNormalized(static_cast<char32_t>(c), begin, end, scratch);
  }
}

// Pass 3: a word mixing Latin with another script has its non-Latin letters replaced by
// their Latin confusable skeleton, but only when every one of them has one, so that a
// Cyrillic word with one Latin letter slipped in is not turned into Latin gibberish.
void Normalizer::Impl::FoldHomoglyphs(Scratch* scratch) const {
  std::vector<Unit>& in = scratch->units;

  std::vector<Unit>& out = scratch->next;
  out.clear();
  size_t i = 0;
  while (i < in.size()) {
    if (!(u_isalnum(in[i].cp) || IsCombiningMark(in[i].cp))) {
      out.push_back(in[i++]);
      continue;
    }
    size_t j = i;
    bool has_latin = false;
    bool has_other = false;
    for (; j < in.size() && (u_isalnum(in[j].cp) || IsCombiningMark(in[j].cp)); ++j) {
      if (!u_isalpha(in[j].cp)) continue;
      UErrorCode status = U_ZERO_ERROR;
      const UScriptCode script = uscript_getScript(in[j].cp, &status);
      if (script == USCRIPT_LATIN) {
        has_latin = true;
      } else if (script != USCRIPT_COMMON && script != USCRIPT_INHERITED) {
        has_other = true;
      }
    }
    if (!(has_latin && has_other)) {
      out.insert(out.end(), in.begin() + i, in.begin() + j);
      i = j;
      continue;
    }
    const size_t word_start = out.size();
    uint32_t folded = 0;
    uint32_t marks = 0;
    bool foldable = true;
    for (size_t k = i; k < j && foldable; ++k) {
      const char32_t c = in[k].cp;
      // A mark on a letter that has just become Latin goes, as pass 2 strips it from a
      // letter that was Latin to begin with (otherwise a second pass would strip it).
      if (IsCombiningMark(c) && out.size() > word_start && IsLatinLetterOrDigit(out.back().cp)) {
        out.back().end = std::max(out.back().end, in[k].end);
        ++marks;
        continue;
      }
      UErrorCode status = U_ZERO_ERROR;
      const UScriptCode script = uscript_getScript(c, &status);
      if (!u_isalpha(c) || script == USCRIPT_LATIN || script == USCRIPT_COMMON ||
          script == USCRIPT_INHERITED) {
        out.push_back(in[k]);
        continue;
      }
      std::array<char, kMaxSkeletonLetters> latin;
      const size_t latin_length = LatinSkeleton(c, &latin);
      if (latin_length == 0) {
        foldable = false;
        break;
      }
      for (size_t t = 0; t < latin_length; ++t) {
        out.push_back({static_cast<unsigned char>(latin[t]), in[k].begin, in[k].end});
      }
      ++folded;
    }
    if (!foldable) {
      out.resize(word_start);
      out.insert(out.end(), in.begin() + i, in.begin() + j);
    } else if (folded > 0 || marks > 0) {
      scratch->report.homoglyphs += folded;
      scratch->report.combining_marks += marks;
      scratch->MarkObfuscated(in[i].begin, in[j - 1].end);
    }
    i = j;
  }
  std::swap(scratch->units, scratch->next);
}

size_t Normalizer::Impl::LatinSkeleton(char32_t c,
                                       std::array<char, kMaxSkeletonLetters>* latin) const {
  std::array<UChar, 2> source;
  int32_t source_length = 0;
  U16_APPEND_UNSAFE(source.data(), source_length, static_cast<UChar32>(c));
  std::array<UChar, 16> target;
  UErrorCode status = U_ZERO_ERROR;
  const int32_t target_length =
      uspoof_getSkeleton(spoof_checker, 0, source.data(), source_length, target.data(),
                         static_cast<int32_t>(target.size()), &status);
  if (U_FAILURE(status)) return 0;
  size_t length = 0;
  for (int32_t t = 0; t < target_length; ++t) {
    char32_t letter = target[t];
    // A skeleton is decomposed: Cyrillic "ё" is "e" + U+0308. The mark goes as it would
    // from a Latin letter; it is part of one folded letter, not a mark of its own.
    if (t > 0 && IsCombiningMark(letter)) continue;
    if (letter >= 'A' && letter <= 'Z') letter += 'a' - 'A';
    if (!(letter >= 'a' && letter <= 'z') || length == latin->size()) return 0;
    (*latin)[length++] = static_cast<char>(letter);
  }
  return length;
}

// The ASCII letter a lower-case Latin letter decorates ('e' for "é", 'x' for "ẍ"), or 0.
char32_t Normalizer::Impl::AsciiBaseOf(char32_t c) const {
  if (c < 0x80) return IsAsciiLetter(c) ? c : 0;
  icu::UnicodeString decomposition;
  if (!nfd->getDecomposition(static_cast<UChar32>(c), decomposition)) return 0;
  const UChar32 base = decomposition.char32At(0);
  return base >= 'a' && base <= 'z' ? static_cast<char32_t>(base) : 0;
}

// Pass 3b, in place: "śp̈èl̂l̃ c̱ás̈t̀êr̃". NFKC keeps a letter and its mark together when
// Unicode has the pair precomposed ("é", "ẍ"), and pass 1 strips only the marks it does not
// ("p̈" is "p"), so a word decorated letter by letter stays unreadable. A word of Latin
// letters is folded to its base letters when that makes a known word (the leetspeak lists),
// more than half of its letters are decorated, and at least one decoration is not a letter
// of Latin-1 (where French, Spanish, Portuguese and German find theirs) or is a mark pass 1
// stripped. So "référence", "génération", "âgé", "préstamo" and "café" stay as written.
// Addresses are never touched: "https://ńàtùre.com" must not read as nature.com.
void Normalizer::Impl::FoldDecoratedWords(Scratch* scratch) const {
  std::vector<Unit>& u = scratch->units;
  constexpr size_t kMaxWord = 24;
  size_t token = 0;
  while (token < u.size()) {
    // One white-space token at a time; a token with "://", an '@' or a dot between two
    // letters is an address, or may be one.
    size_t token_end = token;
    bool address = false;
    for (; token_end < u.size() && u[token_end].cp != ' '; ++token_end) {
      const char32_t c = u[token_end].cp;
      const bool between_letters = token_end > token && token_end + 1 < u.size() &&
                                   u_isalpha(u[token_end - 1].cp) && u_isalpha(u[token_end + 1].cp);
      address = address || c == '@' ||
                (c == ':' && token_end + 1 < u.size() && u[token_end + 1].cp == '/') ||
                (c == '.' && between_letters);
    }
    size_t i = token;
    token = token_end + 1;
    if (address) continue;
    while (i < token_end) {
      if (!u_isalpha(u[i].cp)) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < token_end && u_isalpha(u[j].cp)) ++j;
      const size_t length = j - i;
      const size_t start = i;
      i = j;
      // Three-letter words are left alone: Czech "síť", Turkish "şiş" and Latvian "šīs" read
      // as "sit" and "sis" without their letters' marks.
      if (length < 4 || length > kMaxWord) continue;
      char plain[kMaxWord];
      size_t decorated = 0;
      uint32_t precomposed = 0;
      bool beyond_latin1 = false;
      bool latin = true;
      for (size_t k = 0; k < length && latin; ++k) {
        const Unit& unit = u[start + k];
        const char32_t base = AsciiBaseOf(unit.cp);
        latin = base != 0;
        plain[k] = static_cast<char>(base);
        // A precomposed letter, or one that pass 1 stripped a mark from (its span is longer
        // than the letter).
        const bool stripped = unit.cp < 0x80 && unit.end - unit.begin > 1;
        decorated += unit.cp >= 0x80 || stripped;
        precomposed += unit.cp >= 0x80;
        beyond_latin1 = beyond_latin1 || stripped || unit.cp > 0xFF;
      }
      if (!latin || precomposed == 0 || 2 * decorated <= length || !beyond_latin1 ||
          !IsWord(std::string_view(plain, length))) {
        continue;
      }
      for (size_t k = 0; k < length; ++k) u[start + k].cp = static_cast<unsigned char>(plain[k]);
      scratch->report.combining_marks += precomposed;
      scratch->MarkObfuscated(u[start].begin, u[j - 1].end);
    }
  }
}

// Re-joins runs of single letters or single digits separated by single spaces. Called only
// when Survey() saw such a run. A run of letters goes on through leetspeak characters when
// that spells a known word, no more of them than letters ("W h 4 t s A p p" reads "whatsapp",
// "f r 3 3" "free"), which is then written in plain letters.
void Normalizer::Impl::RejoinSpacedOut(Scratch* scratch) const {
  const std::vector<Unit>& in = scratch->units;
  struct Token {
    size_t begin, end;
  };
  std::vector<Token> tokens;
  for (size_t i = 0; i < in.size();) {
    size_t j = i;
    while (j < in.size() && in[j].cp != ' ') ++j;
    tokens.push_back({i, j});
    i = j + 1;
  }
  const auto single_letter = [&](size_t t) {
    return t < tokens.size() && IsSingleLetter(in, tokens[t].begin, tokens[t].end);
  };
  const auto single_leet = [&](size_t t) {
    return t < tokens.size() && tokens[t].end - tokens[t].begin == 1 &&
           IsLeetCharacter(in[tokens[t].begin].cp);
  };
  // A letter and the punctuation that ends a sentence or a label ("p." of "W h a t s A p p.",
  // "m:" of "T e l e g r a m: @x"): it may end a run.
  const auto closing_letter = [&](size_t t) {
    if (t >= tokens.size() || tokens[t].end - tokens[t].begin < 2 ||
        !u_isalpha(in[tokens[t].begin].cp)) {
      return false;
    }
    for (size_t k = tokens[t].begin + 1; k < tokens[t].end; ++k) {
      const char32_t c = in[k].cp;
      if (c != '.' && c != ',' && c != ':' && c != ';' && c != '!' && c != '?' && c != ')') {
        return false;
      }
    }
    return true;
  };
  std::string spelling;
  char word[kMaxLeetRun];
  // Whether tokens [t, end) spell a known word with leetspeak among their letters.
  const auto spells_with_leet = [&](size_t t, size_t end) {
    const size_t length = end - t;
    if (length < kMinSpacedLetters || length > kMaxLeetRun) return false;
    spelling.clear();
    size_t leet = 0;
    for (size_t k = t; k < end; ++k) {
      const char32_t c = in[tokens[k].begin].cp;
      if (c >= 0x80) return false;
      spelling.push_back(static_cast<char>(c));
      leet += !IsAsciiLetter(c);
    }
    return leet > 0 && leet <= length - leet && SpellsWordWithLeet(spelling, word);
  };

  std::vector<Unit>& out = scratch->next;
  out.clear();
  size_t t = 0;
  while (t < tokens.size()) {
    // Longest run starting at token t.
    size_t run_end = t;
    size_t minimum = 0;
    bool leet_read = false;
    if (single_letter(t)) {
      while (single_letter(run_end)) ++run_end;
      if (run_end - t >= kMinSpacedLetters && closing_letter(run_end)) ++run_end;
      minimum = kMinSpacedLetters;
      // Letters and leetspeak characters ("f r 3 3"), else the same back to the last letter
      // ("b 1 t c 0 1 n 5 5" of "... 5 5 5 0"). The scan stops after kMaxLeetRun + 1 tokens,
      // which no word is, so a long run costs no more than a short one.
      size_t leet_end = t;
      while (leet_end - t <= kMaxLeetRun && (single_letter(leet_end) || single_leet(leet_end))) {
        ++leet_end;
      }
      if (leet_end - t <= kMaxLeetRun) {
        if (closing_letter(leet_end)) ++leet_end;
        size_t letter_end = leet_end;
        while (!single_letter(letter_end - 1) && !closing_letter(letter_end - 1)) --letter_end;
        for (const size_t end : {leet_end, letter_end}) {
          if (end > run_end && spells_with_leet(t, end)) {
            run_end = end;
            leet_read = true;
            break;
          }
        }
      }
    } else if (IsSingleDigit(in, tokens[t].begin, tokens[t].end) ||
               IsPlusDigit(in, tokens[t].begin, tokens[t].end)) {
      run_end = t + 1;
      while (run_end < tokens.size() &&
             IsSingleDigit(in, tokens[run_end].begin, tokens[run_end].end)) {
        ++run_end;
      }
      minimum = kMinSpacedDigits;
    }
    const bool rejoin = minimum > 0 && run_end - t >= minimum;
    if (!rejoin) run_end = t + 1;
    if (!out.empty()) out.push_back(in[tokens[t].begin - 1]);  // the separating space
    uint32_t leet = 0;
    for (size_t k = t; k < run_end; ++k) {
      const size_t first = out.size();
      out.insert(out.end(), in.begin() + tokens[k].begin, in.begin() + tokens[k].end);
      if (leet_read) {
        leet += !IsAsciiLetter(out[first].cp);
        out[first].cp = static_cast<unsigned char>(word[k - t]);
      }
    }
    if (rejoin) {
      ++scratch->report.spaced_out_runs;
      scratch->report.leet_characters += leet;
      // To the last letter or digit: a closing token's punctuation was not spaced out.
      scratch->MarkObfuscated(in[tokens[t].begin].begin, in[tokens[run_end - 1].begin].end);
    }
    t = run_end;
  }
  std::swap(scratch->units, scratch->next);
}

// Pass 2b, after the spaced-out runs: "W.h.a.t.s.A.p.p", "v-i-a-g-r-a", "W.h.4.t.s.A.p.p",
// "v.і.a.g.r.a" (with a Cyrillic "і"). A chain of at least kMinSpacedLetters single
// characters in one token, each pair separated by one IsLetterSeparator character, loses the
// separators when its characters spell a known word. A leetspeak character (0 1 3 4 5 7 @ $)
// may stand for a letter, no more of them than letters; a non-ASCII letter is read as its
// Latin skeleton when the chain also has an ASCII letter. When the whole chain spells nothing,
// it may up to its last letter ("W.h.4.t.s.A.p.p.0.7.7" keeps ".0.7.7"), or its letters
// alone. A chain in a link or an address is kept as written ("https://c-a-s-h.com"). The rejoined
// word is written in plain letters, so the leetspeak and homoglyph passes need not find it again.
// Abbreviations stay: "U.S.A." has three letters, "e.g." two, and "a-b-c-d", "x.y.z.w" or
// "a.b.c.1" spell no word. A longer known word is no harm either way ("S.H.I.E.L.D." reads
// "shield").
void Normalizer::Impl::RejoinPunctuatedLetters(Scratch* scratch) const {
  const std::vector<Unit>& in = scratch->units;
  const auto letter = [&](size_t k) {
    return k < in.size() && IsLetterOrDigit(in[k].cp) && !IsAsciiDigit(in[k].cp);
  };
  const auto element = [&](size_t k) { return k < in.size() && IsPunctuatedElement(in[k].cp); };
  const auto word_character = [&](size_t k) { return k < in.size() && IsLetterOrDigit(in[k].cp); };
  // Where the chain from i of characters `in_chain` accepts ends: one separator between each
  // two, each character single; after at most `most` characters.
  const auto chain_end = [&](size_t i, const auto& in_chain, size_t most) {
    size_t end = i + 1;
    for (size_t length = 1; length < most && end + 1 < in.size() && IsLetterSeparator(in[end].cp) &&
                            in_chain(end + 1) && !word_character(end + 2);
         ++length) {
      end += 2;
    }
    return end;
  };
  std::vector<Unit>& out = scratch->next;
  out.clear();
  bool changed = false;
  std::string run;
  char word[kMaxLeetRun];
  // Whether the chain [i, end) is part of an address: after "/", "@" or a label and a dot
  // ("https://c-a-s-h.com", "example.com/w-h-a-t-s-a-p-p", "www.c-a-s-h.com"), or before "@",
  // "/" or a dot and a label ("j.o.h.n@example.com", "c-a-s-h.com"). Hosts and paths are
  // kept as written; the dot after a single letter ("a.1.w.h.a.t.s.a.p.p") is no label's.
  const auto in_address = [&](size_t i, size_t end) {
    const char32_t before = i > 0 ? in[i - 1].cp : ' ';
    const char32_t after = end < in.size() ? in[end].cp : ' ';
    return before == '/' || before == '@' || after == '@' || after == '/' ||
           (before == '.' && i >= 3 && word_character(i - 2) && word_character(i - 3)) ||
           (after == '.' && word_character(end + 1) && word_character(end + 2));
  };
  // Rejoins the chain [i, end) when it spells a word (above); false, writing nothing, if not.
  const auto rejoin = [&](size_t i, size_t end) {
    const size_t length = (end - i + 1) / 2;
    if (length < kMinSpacedLetters || length > kMaxLeetRun || in_address(i, end)) return false;
    run.clear();
    size_t leet = 0;
    size_t skeletons = 0;
    bool ascii_letter = false;
    for (size_t k = i; k < end; k += 2) {
      const char32_t c = in[k].cp;
      if (c < 0x80) {
        run.push_back(static_cast<char>(c));
        leet += !IsAsciiLetter(c);
        ascii_letter = ascii_letter || IsAsciiLetter(c);
        continue;
      }
      // A letter of another script that looks like one Latin letter; Latin's own accented
      // letters ("café") are not look-alikes.
      UErrorCode status = U_ZERO_ERROR;
      std::array<char, kMaxSkeletonLetters> latin;
      if (uscript_getScript(c, &status) == USCRIPT_LATIN || LatinSkeleton(c, &latin) != 1) {
        return false;
      }
      run.push_back(latin[0]);
      ++skeletons;
    }
    if (leet > length - leet || (skeletons > 0 && !ascii_letter) ||
        !SpellsWordWithLeet(run, word)) {
      return false;
    }
    for (size_t k = i, w = 0; k < end; k += 2, ++w) {
      out.push_back({static_cast<unsigned char>(word[w]), in[k].begin, in[k].end});
    }
    ++scratch->report.spaced_out_runs;
    scratch->report.leet_characters += static_cast<uint32_t>(leet);
    scratch->report.homoglyphs += static_cast<uint32_t>(skeletons);
    scratch->MarkObfuscated(in[i].begin, in[end - 1].end);
    changed = true;
    return true;
  };
  size_t i = 0;
  while (i < in.size()) {
    // A chain x.y.z...: single characters, one separator between each two.
    if (!(element(i) && (i == 0 || !word_character(i - 1)) && !word_character(i + 1))) {
      out.push_back(in[i++]);
      continue;
    }
    // Letters and leetspeak characters; no word is longer than kMaxLeetRun, so the chain is
    // followed no further than that.
    const size_t end = chain_end(i, element, kMaxLeetRun + 1);
    if (rejoin(i, end)) {
      i = end;
      continue;
    }
    // The same back to its last letter ("W.h.4.t.s.A.p.p" of "W.h.4.t.s.A.p.p.0.7.7").
    size_t last = end;
    while (last - 1 > i && !letter(last - 1)) last -= 2;
    if (last < end && rejoin(i, last)) {
      i = last;
      continue;
    }
    // Else the letters alone, as far as they go ("W.h.a.t.s.A.p.p" of "...p.p.0.7.7"),
    // copied as they are when they spell nothing either.
    if (!letter(i)) {
      out.push_back(in[i++]);
      continue;
    }
    const size_t letters_end = chain_end(i, letter, in.size());
    if (!rejoin(i, letters_end)) {
      out.insert(out.end(), in.begin() + static_cast<std::ptrdiff_t>(i),
                 in.begin() + static_cast<std::ptrdiff_t>(letters_end));
    }
    i = letters_end;
  }
  if (changed) std::swap(scratch->units, scratch->next);
}

// Whether `run` (lower-case ASCII letters and leetspeak characters, at most kMaxLeetRun of
// them, at most kMaxLeetAmbiguous of them '1') spells a known word when its leetspeak
// characters are read as the letters they stand for, '1' as 'i' or 'l'. The first such
// spelling goes to word[0..run.size()).
bool Normalizer::Impl::SpellsWordWithLeet(std::string_view run, char* word) const {
  const auto ambiguous = std::count(run.begin(), run.end(), '1');
  if (run.size() > kMaxLeetRun || ambiguous > kMaxLeetAmbiguous) return false;
  for (int mask = 0; mask < (1 << ambiguous); ++mask) {
    int bit = 0;
    for (size_t k = 0; k < run.size(); ++k) {
      switch (run[k]) {
        case '0':
          word[k] = 'o';
          break;
        case '1':
          word[k] = (mask >> bit++) & 1 ? 'i' : 'l';
          break;
        case '3':
          word[k] = 'e';
          break;
        case '4':
        case '@':
          word[k] = 'a';
          break;
        case '5':
        case '$':
          word[k] = 's';
          break;
        case '7':
          word[k] = 't';
          break;
        default:
          word[k] = run[k];
      }
    }
    if (IsWord(std::string_view(word, run.size()))) return true;
  }
  return false;
}

// Pass 4: leetspeak, in place (every fold is one code point for one code point).
void Normalizer::Impl::FoldLeetspeak(Scratch* scratch) const {
  std::vector<Unit>& u = scratch->units;
  const auto is_leet = IsLeetCharacter;
  const auto is_run_char = [&](char32_t c) {
    return (c >= 'a' && c <= 'z') || IsAsciiDigit(c) || c == '@' || c == '$';
  };
  constexpr size_t kMaxRun = kMaxLeetRun;
  size_t i = 0;
  while (i < u.size()) {
    // One white-space token at a time, so a URL or address is skipped as a whole.
    size_t token_end = i;
    bool has_leet = false;
    for (; token_end < u.size() && u[token_end].cp != ' '; ++token_end) {
      has_leet = has_leet || is_leet(u[token_end].cp);
    }
    if (!has_leet || LooksLikeAddress(u, i, token_end)) {
      i = token_end + 1;
      continue;
    }
    size_t r = i;
    while (r < token_end) {
      if (!is_run_char(u[r].cp)) {
        ++r;
        continue;
      }
      size_t run_end = r;
      bool has_letter = false;
      int leet = 0;
      int ambiguous = 0;
      while (run_end < token_end && is_run_char(u[run_end].cp)) {
        has_letter = has_letter || (u[run_end].cp >= 'a' && u[run_end].cp <= 'z');
        leet += is_leet(u[run_end].cp);
        ambiguous += u[run_end].cp == '1';
        ++run_end;
      }
      const size_t length = run_end - r;
      const size_t start = r;
      r = run_end;
      // Only leet inside a word counts: a run must begin with a letter, and end with one
      // unless it ends with a digit, holds two letters and two leetspeak characters, and has a
      // letter after its first leetspeak character ("v14gr4", "l0v3"). That keeps "10p",
      // "pop3", "v14" (not "via"), "x11", "$scope", "@name" (a handle), TeX's "\le5$" (not
      // "less") and postcodes and codes like "se11", "th15" and "wa11" as they are.
      const auto is_letter = [](char32_t c) { return c >= 'a' && c <= 'z'; };
      bool letter_after_leet = false;
      for (size_t k = start, first_leet = run_end; k < run_end; ++k) {
        if (first_leet == run_end && is_leet(u[k].cp)) first_leet = k;
        letter_after_leet = letter_after_leet || (first_leet < k && is_letter(u[k].cp));
      }
      const bool word_shaped = is_letter(u[run_end - 1].cp) ||
                               (IsAsciiDigit(u[run_end - 1].cp) && leet >= 2 &&
                                static_cast<int>(length) - leet >= 2 && letter_after_leet);
      if (!has_letter || leet == 0 || length < 3 || length > kMaxRun || !is_letter(u[start].cp) ||
          !word_shaped || ambiguous > kMaxLeetAmbiguous) {
        continue;
      }
      char run[kMaxRun];
      for (size_t k = 0; k < length; ++k) run[k] = static_cast<char>(u[start + k].cp);
      char word[kMaxLeetRun];
      if (!SpellsWordWithLeet(std::string_view(run, length), word)) continue;
      for (size_t k = 0; k < length; ++k) u[start + k].cp = static_cast<unsigned char>(word[k]);
      scratch->report.leet_characters += leet;
      scratch->MarkObfuscated(u[start].begin, u[run_end - 1].end);
    }
    i = token_end + 1;
  }
}

// Pass 5: a run of more than 3 of one code point keeps 3; the third covers the dropped ones.
void Normalizer::Impl::CapRepeats(Scratch* scratch) {
  std::vector<Unit>& u = scratch->units;
  constexpr size_t kMaxRepeat = 3;
  size_t first = kMaxRepeat;  // first index that may be dropped
  for (; first < u.size(); ++first) {
    const char32_t c = u[first].cp;
    if (c == u[first - 1].cp && c == u[first - 2].cp && c == u[first - 3].cp && !IsAsciiDigit(c)) {
      break;
    }
  }
  if (first >= u.size()) return;
  size_t write = first;
  size_t run = kMaxRepeat;
  for (size_t read = first; read < u.size(); ++read) {
    const bool same = write > 0 && u[write - 1].cp == u[read].cp;
    run = same ? run + 1 : 1;
    if (run > kMaxRepeat && !IsAsciiDigit(u[read].cp) && u[read].cp != ' ') {
      ++scratch->report.repeated_characters;
      u[write - 1].end = u[read].end;
      continue;
    }
    u[write++] = u[read];
  }
  u.resize(write);
}

Normalizer::Normalizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Normalizer::~Normalizer() = default;

Result<std::shared_ptr<const Normalizer>> Normalizer::Create(NormalizerOptions options) {
  auto impl = std::make_unique<Impl>();
  UErrorCode status = U_ZERO_ERROR;
  impl->nfkc_casefold = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) {
    return Status::Internal(std::string("ICU NFKC_Casefold data unavailable: ") +
                            u_errorName(status));
  }
  impl->nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) {
    return Status::Internal(std::string("ICU NFD data unavailable: ") + u_errorName(status));
  }
  impl->spoof_checker = uspoof_open(&status);
  if (U_FAILURE(status)) {
    return Status::Internal(std::string("ICU spoof checker unavailable: ") + u_errorName(status));
  }
  for (const std::string& path : options.word_list_paths) {
    std::ifstream in(path);
    if (!in) return Status::NotFound("word list " + path + " cannot be opened");
    std::string line;
    bool any = false;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      any = true;
      impl->words.insert(line);
    }
    if (in.bad()) return Status::IoError("reading word list " + path + " failed");
    if (!any) return Status::Corruption("word list " + path + " holds no words");
  }
  return std::shared_ptr<const Normalizer>(new Normalizer(std::move(impl)));
}

NormalizedText Normalizer::Normalize(std::string_view original, HtmlReading html) const {
  const bool as_displayed = html == HtmlReading::kAsDisplayed;
  NormalizedText plain;
  if (NormalizePlainAscii(original, as_displayed, &plain)) return plain;
  Scratch scratch;
  scratch.original = original;
  scratch.as_displayed = as_displayed;
  scratch.units.reserve(original.size());
  impl_->Decode(&scratch);
  if (scratch.has_non_ascii) SeparateBySymbols(&scratch);
  const Survey survey = SurveyUnits(scratch.units);
  if (survey.spaced_out_run) impl_->RejoinSpacedOut(&scratch);
  if (survey.punctuated_letters) impl_->RejoinPunctuatedLetters(&scratch);
  if (scratch.has_non_ascii) {
    impl_->FoldHomoglyphs(&scratch);
    impl_->FoldDecoratedWords(&scratch);
  }
  if (survey.leet) impl_->FoldLeetspeak(&scratch);
  if (survey.long_repeat) Impl::CapRepeats(&scratch);

  NormalizedText result;
  result.original_length = static_cast<uint32_t>(original.size());
  result.html_rewrites = scratch.html_rewrites;
  size_t bytes = scratch.units.size();
  if (scratch.has_non_ascii) {
    bytes = 0;
    for (const Unit& u : scratch.units) bytes += Utf8Length(u.cp);
  }
  result.text.resize(bytes);
  result.source_begin.resize(bytes);
  result.source_end.resize(bytes);
  char* text = result.text.data();
  uint32_t* begins = result.source_begin.data();
  uint32_t* ends = result.source_end.data();
  if (!scratch.has_non_ascii) {
    for (size_t k = 0; k < bytes; ++k) {
      const Unit& u = scratch.units[k];
      text[k] = static_cast<char>(u.cp);
      begins[k] = u.begin;
      ends[k] = u.end;
    }
  } else {
    for (const Unit& u : scratch.units) {
      const size_t length = EncodeUtf8(u.cp, text);
      for (size_t k = 0; k < length; ++k) {
        begins[k] = u.begin;
        ends[k] = u.end;
      }
      text += length;
      begins += length;
      ends += length;
    }
  }

  // Widen each obfuscated span to the whole original word around it, then merge spans that
  // overlap, touch, or are separated only by white space, so a moderator sees "Wh​ats​app"
  // or a fancy-lettered sentence as one stretch rather than as scattered code points.
  // Spans are taken in order and no byte is scanned twice: a span starting inside the last
  // widened one only extends it, and a backward scan stops where the last one ended (the
  // merge below joins what touches). Widening each span on its own was quadratic: 21,000
  // fullwidth letters in one 63 KB word took 0.9 s.
  std::vector<Span>& raw_spans = scratch.report.spans;
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  const auto size = static_cast<uint32_t>(original.size());
  std::sort(raw_spans.begin(), raw_spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::vector<Span> spans;
  for (const Span& raw : raw_spans) {
    if (!spans.empty() && raw.begin < spans.back().end) {
      Span& last = spans.back();
      if (raw.end > last.end) {
        last.end = raw.end;
        while (last.end < size && !is_space(original[last.end])) ++last.end;
      }
      continue;
    }
    Span span = raw;
    const uint32_t floor = spans.empty() ? 0 : spans.back().end;
    while (span.begin > floor && !is_space(original[span.begin - 1])) --span.begin;
    while (span.end < size && !is_space(original[span.end])) ++span.end;
    spans.push_back(span);
  }
  std::vector<Span> merged;
  for (const Span& span : spans) {
    if (!merged.empty()) {
      Span& last = merged.back();
      bool joinable = span.begin <= last.end;
      if (!joinable) {
        joinable = true;
        for (uint32_t k = last.end; k < span.begin && joinable; ++k) {
          joinable = is_space(original[k]);
        }
      }
      if (joinable) {
        last.end = std::max(last.end, span.end);
        continue;
      }
    }
    merged.push_back(span);
  }
  scratch.report.spans = std::move(merged);
  result.obfuscation = std::move(scratch.report);
  return result;
}

std::string Normalizer::NormalizeForMatching(std::string_view original) const {
  return Normalize(original).text;
}

}  // namespace spamguard
