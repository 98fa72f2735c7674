// Normalizer: turns raw comment text into the canonical form the rules and the model read,
// undoing the obfuscation spammers use, and keeps a map back to the original bytes.
//
// The same Normalizer serves training (spamguardctl) and serving (spamguard-server), so a
// model never sees text prepared differently from what it was trained on.
//
// What Normalize() does, in order (each obfuscation step is counted in ObfuscationReport):
//   - decodes HTML character references as a browser displays them ("&#87;hatsapp" ->
//     "whatsapp", "I&#39;m" -> "i'm", "&amp;" -> "&"; model/html_text), once: a
//     decoded "&amp;#87;" is the text "&#87;". A letter or digit written as a numeric
//     reference is obfuscation (no editor writes "W" as "&#87;"); any other reference counts
//     as the character it stands for would (a zero-width "&zwj;" after a letter is a format
//     character, "&amp;" nothing);
//   - reads a run of HTML tags inside a word as a browser shows it ("What<b></b>sapp" ->
//     "whatsapp", "98292<i></i>86600" -> "9829286600"; model/html_text): as nothing,
//     counted as obfuscation. Tags between words stay text, as the rules read markup
//     ("<a href=...>"), and so does a run that breaks the line ("song<br />love"), whose
//     text already keeps the words apart. HtmlReading::kAsWritten does neither of these two
//     steps;
//   - removes zero-width and other format characters (Cf: U+200B..U+200F, U+2060, U+FEFF...)
//     and other default-ignorable code points (variation selectors, Hangul fillers);
//   - NFKC plus case folding: fullwidth, mathematical bold/italic/double-struck letters and
//     digits, circled and other "fancy" forms become plain ones; small capitals and similar
//     letters that NFKC leaves alone are folded by an explicit table;
//   - strips combining marks from Latin letters and digits ("+9̾1̾" -> "+91"), keeps them on
//     other scripts (a precomposed or composable "é" stays "é"); a word of four letters or
//     more, more than half of them decorated, one beyond Latin-1 or by a stripped mark, that
//     is a known word without them (the leetspeak word lists) loses them all ("śp̈èl̂l̃" ->
//     "spell"; "référence", "âgé", "préstamo", "café", "síť" and addresses stay);
//   - collapses runs of white space (and control characters) to one ASCII space and trims
//     the ends;
//   - re-joins letters or digits that were spaced out ("W h a t s a p p" -> "whatsapp",
//     "+9 1 9 8 2 9 ..." -> "+91982..."): at least 4 single letters or digits in a row;
//     so are letters or digits spaced out with emoji or other symbols (Unicode So:
//     "W💎h💎a💎t💎s💎A💎p💎p" -> "whatsapp"), and a symbol between groups of digits, one of
//     three or more, becomes a space ("+1🔹555🔹0129" -> "+1 555 0129"; "2⚽1" stays);
//     and 4 or more single letters in one token separated by one of . - _ * | ~ each, when
//     they spell a known word ("W.h.a.t.s.A.p.p" -> "whatsapp"; "u.s.a." and "a-b-c-d" stay);
//     in both, leetspeak characters may stand for letters, no more of them than letters,
//     when the word then spelled is known ("W h 4 t s A p p", "c-4-$-h"; "a.b.c.1" and
//     "v.1.3.5" stay); in a punctuated chain with an ASCII letter a letter of another script
//     may stand for its Latin skeleton ("v.і.a.g.r.a" with a Cyrillic "і"), and its
//     letters alone are rejoined when the whole chain spells nothing ("W.h.a.t.s.A.p.p.0.7.7");
//   - folds homoglyphs in mixed-script words to their Latin skeleton (ICU uspoof), so a
//     Cyrillic "о" inside "lоve" becomes "o" (and "ӧ", or "о" plus a combining mark, a plain
//     "o" too), while a wholly Cyrillic or Arabic word is left as it is;
//   - folds leetspeak inside a word (0->o, 1->i/l, 3->e, 4->a, 5->s, 7->t, @->a, $->s) only
//     when that turns a non-word into a known word (NormalizerOptions::word_list_paths) and
//     the word begins with a letter and ends with one, or holds two letters and two leetspeak
//     characters with a letter after the first of them ("l0ve", "c4ll", "v14gr4"; not "10p",
//     "pop3", "v14", "se11" or "$scope");
//     URLs, domains, e-mail addresses, @handles and numbers are never leet-folded;
//   - caps runs of one repeated character at 3 (digits are never capped: they are numbers).
//
// Invalid UTF-8 is not expected (the server rejects it); if present, each bad byte is
// replaced by U+FFFD and mapped to itself.
//
// Thread safety: Normalize() is const and allocates its scratch state per call; one
// Normalizer may be shared by any number of threads.
#ifndef SPAMGUARD_MODEL_NORMALIZER_H_
#define SPAMGUARD_MODEL_NORMALIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/assessment.h"
#include "model/status.h"

namespace spamguard {

// How much of the text had to be undone. Counts are of code points (or, for
// spaced_out_runs, of re-joined runs).
struct ObfuscationReport {
  uint32_t encoded_characters = 0;  // ASCII letters/digits written as numeric references
  uint32_t markup_splits = 0;       // runs of tags removed from inside a word
  uint32_t format_characters = 0;  // zero-width/Cf characters removed after a Latin letter or digit
  uint32_t fancy_characters = 0;   // letters/digits changed by NFKC or the small-caps table
  uint32_t combining_marks = 0;    // marks stripped from Latin letters and digits
  uint32_t homoglyphs = 0;         // letters replaced by their Latin skeleton in mixed words
  uint32_t leet_characters = 0;    // characters changed by leetspeak folding
  uint32_t spaced_out_runs = 0;    // runs of spaced-out letters/digits re-joined
  uint32_t repeated_characters = 0;  // characters dropped by the repeat cap
  // Sum of all the above except repeated_characters (shouting is not obfuscation).
  uint32_t total() const;
  // Spans (original byte offsets) of the obfuscated stretches, merged and ordered, for the
  // obfuscation reason.
  std::vector<Span> spans;
};

// Normalized text plus, for every byte of it, the original bytes it came from.
struct NormalizedText {
  std::string text;  // normalized UTF-8
  // For byte i of text: the original code point(s) it came from span
  // [source_begin[i], source_end[i]). Both vectors have text.size() entries.
  std::vector<uint32_t> source_begin;
  std::vector<uint32_t> source_end;
  ObfuscationReport obfuscation;

  uint32_t original_length = 0;  // size of the original text in bytes
  // HTML read as displayed: character references decoded and runs of tags inside a word
  // removed.
  uint32_t html_rewrites = 0;

  // Maps a half-open byte range of text to the original bytes that produced it:
  // [source_begin[begin], source_end[end - 1]). An empty range maps to an empty span at
  // source_begin[begin] (or at the original length when begin == text.size()).
  Span ToOriginal(uint32_t begin, uint32_t end) const;
};

#ifdef SPAMGUARD_SOURCE_DIR
#define SPAMGUARD_WORDLIST_DIR SPAMGUARD_SOURCE_DIR "/data/wordlist"
#else
#define SPAMGUARD_WORDLIST_DIR "data/wordlist"
#endif

// Whether Normalize() reads HTML as a browser displays it (character references, tags inside
// words) or as written (feature schemas 1 and 2 were trained on it as written).
enum class HtmlReading { kAsDisplayed, kAsWritten };

struct NormalizerOptions {
  // Files of known lower-case words, one per line; leetspeak is folded only into these.
  std::vector<std::string> word_list_paths = {SPAMGUARD_WORDLIST_DIR "/english.txt",
                                              SPAMGUARD_WORDLIST_DIR "/spam_vocabulary.txt"};
};

class Normalizer {
 public:
  // Builds the ICU objects and loads the word lists. Fails with kNotFound/kIoError when a
  // word list cannot be read, kCorruption when one holds no words, and kInternal if ICU's
  // data is unusable.
  static Result<std::shared_ptr<const Normalizer>> Create(NormalizerOptions options = {});
  ~Normalizer();
  Normalizer(const Normalizer&) = delete;
  Normalizer& operator=(const Normalizer&) = delete;

  // See the file comment. original_length is original.size(); never fails.
  NormalizedText Normalize(std::string_view original,
                           HtmlReading html = HtmlReading::kAsDisplayed) const;

  // Normalize(original).text, for callers that need no offsets (author names, domains).
  std::string NormalizeForMatching(std::string_view original) const;

 private:
  struct Impl;
  explicit Normalizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace spamguard

#endif  // SPAMGUARD_MODEL_NORMALIZER_H_
