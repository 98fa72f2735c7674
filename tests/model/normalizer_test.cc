#include "model/normalizer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace spamguard {
namespace {

class NormalizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto created = Normalizer::Create();
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    normalizer_ = std::move(created).value();
  }
  static void TearDownTestSuite() { normalizer_.reset(); }

  static NormalizedText Normalize(std::string_view text) { return normalizer_->Normalize(text); }

  // The original bytes behind the first occurrence of needle in the normalized text.
  static std::string OriginalOf(std::string_view original, const NormalizedText& normalized,
                                std::string_view needle) {
    const size_t at = normalized.text.find(needle);
    if (at == std::string::npos) return "<" + std::string(needle) + " not found>";
    const Span span =
        normalized.ToOriginal(static_cast<uint32_t>(at), static_cast<uint32_t>(at + needle.size()));
    return std::string(original.substr(span.begin, span.end - span.begin));
  }

  static std::shared_ptr<const Normalizer> normalizer_;
};

std::shared_ptr<const Normalizer> NormalizerTest::normalizer_;

TEST_F(NormalizerTest, PlainTextIsLowerCasedAndNotReportedAsObfuscated) {
  const NormalizedText n = Normalize("I agree. Thanks Manuel :)");
  EXPECT_EQ(n.text, "i agree. thanks manuel :)");
  EXPECT_EQ(n.obfuscation.total(), 0u);
  EXPECT_TRUE(n.obfuscation.spans.empty());
}

TEST_F(NormalizerTest, EveryNormalizedByteHasASourceRange) {
  const std::string original = "Ｌоvе  𝐜𝐚𝐥𝐥 +9̾1̾ W h a t s a p p\u200b!!!!!";
  const NormalizedText n = Normalize(original);
  ASSERT_EQ(n.source_begin.size(), n.text.size());
  ASSERT_EQ(n.source_end.size(), n.text.size());
  for (size_t i = 0; i < n.text.size(); ++i) {
    EXPECT_LT(n.source_begin[i], n.source_end[i]) << "byte " << i;
    EXPECT_LE(n.source_end[i], original.size()) << "byte " << i;
    if (i > 0) {
      EXPECT_LE(n.source_begin[i - 1], n.source_begin[i]) << "byte " << i;
    }
  }
}

TEST_F(NormalizerTest, WhiteSpaceIsCollapsedAndTrimmed) {
  const NormalizedText n = Normalize("  hello \t\n\u00a0 world  ");
  EXPECT_EQ(n.text, "hello world");
  EXPECT_EQ(n.ToOriginal(5, 6), (Span{7, 13}));  // the space stands for " \t\n\u00a0 "
}

TEST_F(NormalizerTest, ZeroWidthCharactersAreRemovedAndCounted) {
  const std::string original = "Wh\u200bats\u2060app";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "whatsapp");
  EXPECT_EQ(n.obfuscation.format_characters, 2u);
  EXPECT_EQ(OriginalOf(original, n, "whatsapp"), original);
  ASSERT_EQ(n.obfuscation.spans.size(), 1u);
  EXPECT_EQ(n.obfuscation.spans[0], (Span{0, static_cast<uint32_t>(original.size())}));
}

TEST_F(NormalizerTest, EmojiJoinersAndVariationSelectorsAreNotObfuscation) {
  const NormalizedText n = Normalize("love it \u2764\ufe0f \U0001F468\u200d\U0001F469");
  EXPECT_EQ(n.obfuscation.format_characters, 0u);
  EXPECT_EQ(n.obfuscation.total(), 0u);
}

TEST_F(NormalizerTest, FullwidthAndMathematicalLettersFoldToPlainOnes) {
  const std::string original = "ＣＡＬＬ 𝐍𝐨𝐰 𝕃𝕠𝕧𝕖";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "call now love");
  EXPECT_EQ(n.obfuscation.fancy_characters, 11u);
  EXPECT_EQ(OriginalOf(original, n, "now"), "𝐍𝐨𝐰");
}

TEST_F(NormalizerTest, SmallCapitalsFoldByTable) {
  const NormalizedText n = Normalize("ʟᴏᴠᴇ ᴘʀᴏʙʟᴇᴍ ꜱᴏʟᴜᴛɪᴏɴ ɢᴜʀᴜ");
  EXPECT_EQ(n.text, "love problem solution guru");
  EXPECT_EQ(n.obfuscation.fancy_characters, 23u);
}

TEST_F(NormalizerTest, CombiningMarksAreStrippedFromDigitsAndCoveredBySpans) {
  const std::string original = "+9̾1̾-8̾0̾";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "+91-80");
  EXPECT_EQ(n.obfuscation.combining_marks, 4u);
  EXPECT_EQ(OriginalOf(original, n, "91-80"), original.substr(1));
}

TEST_F(NormalizerTest, AccentedLettersKeepTheirAccents) {
  // Precomposed and decomposed forms both end up as the composed letter, not as "e".
  const NormalizedText n = Normalize("Café cafe\u0301 ÉCOLE");
  EXPECT_EQ(n.text, "café café école");
  EXPECT_EQ(n.obfuscation.total(), 0u);
}

TEST_F(NormalizerTest, MarksOnNonLatinScriptsAreKept) {
  const std::string hindi = "नमस्ते";  // virama and vowel signs are marks
  EXPECT_EQ(Normalize(hindi).text, hindi);
  EXPECT_EQ(Normalize(hindi).obfuscation.combining_marks, 0u);
}

TEST_F(NormalizerTest, CyrillicHomoglyphInLatinWordFoldsToLatin) {
  const std::string original = "l\u043eve";  // Cyrillic о
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "love");
  EXPECT_EQ(n.obfuscation.homoglyphs, 1u);
  EXPECT_EQ(OriginalOf(original, n, "o"), "\u043e");
}

TEST_F(NormalizerTest, MarksOnAHomoglyphGoWithItsFold) {
  // A Cyrillic о keeps its accent in pass 2 (it is not Latin); once folded to "o" the accent
  // is on a Latin letter and goes, as it would have from a Latin o.
  const std::string original = "l\u043e\u0301ve c\u0430\u0332\u0333ll";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "love call");
  EXPECT_EQ(n.obfuscation.homoglyphs, 2u);
  EXPECT_EQ(n.obfuscation.combining_marks, 3u);
  EXPECT_EQ(OriginalOf(original, n, "o"), "\u043e\u0301");
  EXPECT_EQ(OriginalOf(original, n, "a"), "\u0430\u0332\u0333");
}

TEST_F(NormalizerTest, AccentedHomoglyphsFoldToThePlainLatinLetter) {
  // Cyrillic ӓ and ё, Greek ό: their skeletons are a Latin letter plus a mark.
  const std::string original = "c\u04d3ll l\u03ccv\u0451";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "call love");
  EXPECT_EQ(n.obfuscation.homoglyphs, 3u);
  EXPECT_EQ(n.obfuscation.combining_marks, 0u);
  EXPECT_EQ(OriginalOf(original, n, "a"), "\u04d3");
  // The same letters in a wholly Cyrillic or Greek word are that language's own.
  EXPECT_EQ(Normalize("\u0451\u0436 \u03cc\u03c7\u03b9").text, "\u0451\u0436 \u03cc\u03c7\u03b9");
}

TEST_F(NormalizerTest, WhollyCyrillicAndArabicTextStaysReadable) {
  const std::string text = "привет, это обычный текст. مرحبا بالعالم";
  const NormalizedText n = Normalize(text);
  EXPECT_EQ(n.text, text);
  EXPECT_EQ(n.obfuscation.total(), 0u);
}

TEST_F(NormalizerTest, CyrillicWordWithOneLatinLetterIsNotTurnedIntoLatin) {
  // "привeт" with a Latin e: folding the Cyrillic letters toward Latin would be gibberish.
  EXPECT_EQ(Normalize("привeт").text, "привeт");
}

TEST_F(NormalizerTest, LeetspeakFoldsWhenItMakesAKnownWord) {
  const std::string original = "C4ll me, l0ve pr0blem, wh@tsapp";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "call me, love problem, whatsapp");
  EXPECT_EQ(n.obfuscation.leet_characters, 4u);
  EXPECT_EQ(OriginalOf(original, n, "whatsapp"), "wh@tsapp");
}

TEST_F(NormalizerTest, LettersAndDigitsSpacedOutWithEmojiAreRejoined) {
  const std::string original =
      "Join \U0001F449 W\U0001F48Eh\U0001F48Ea\U0001F48Et\U0001F48Es\U0001F48EA\U0001F48Ep"
      "\U0001F48Ep +1\U0001F539555\U0001F539012\U0001F5399876";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "join \U0001F449 whatsapp +1 555 012 9876");
  EXPECT_EQ(OriginalOf(original, n, "whatsapp"),
            "W\U0001F48Eh\U0001F48Ea\U0001F48Et\U0001F48Es\U0001F48EA\U0001F48Ep\U0001F48Ep");
  EXPECT_EQ(n.obfuscation.spaced_out_runs, 1u);  // the word; a digit separator is no disguise
}

TEST_F(NormalizerTest, WordsSeparatedByEmojiAndEmojiAfterNumbersStay) {
  const std::string text = "earn\U0001F525daily\U0001F525profit, 5\u2B50 and a\U0001F525b";
  EXPECT_EQ(Normalize(text).text, text);
  // Scores stay as written: as "4 3 3 3 3 0" they read as the spaced-out digits of a number.
  const std::string scores = "last games: 4\u26BD3 3\u26BD3 3\u26BD0 3\u26BD3 0\u26BD1";
  const NormalizedText score = Normalize(scores);
  EXPECT_EQ(score.text, scores);
  EXPECT_EQ(score.obfuscation.total(), 0u);
}

TEST_F(NormalizerTest, AWordDecoratedLetterByLetterIsFoldedWhenItBecomesAKnownWord) {
  // Precomposed letters ("ś", "è") and marks with no precomposed letter ("p̈") in one word.
  const std::string original =
      "most powerful śp̈èl̂l̃ "
      "c̱ás̈̀têr̃ today";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "most powerful spell caster today");
  EXPECT_EQ(OriginalOf(original, n, "spell"), "śp̈èl̂l̃");
  EXPECT_GE(n.obfuscation.combining_marks, 4u);
}

TEST_F(NormalizerTest, ALanguagesOwnAccentsAreNotFolded) {
  // No English word without its accents, or too few accents, or only Latin-1 ones (French
  // "référence", "génération", "côté", "âgé" are English words undecorated).
  const std::string text =
      "préstamo déjà café tiếng über naïve référence génération côté âgé préparé "
      "síť šīs şiş";
  const NormalizedText n = Normalize(text);
  EXPECT_EQ(n.text, text);
  EXPECT_EQ(n.obfuscation.total(), 0u);
}

TEST_F(NormalizerTest, ADecoratedAddressIsNotFolded) {
  // "https://ńàtùre.com" must not read as a link to nature.com.
  const std::string text = "https://ńàtùre.com/pills and śćíéńćé.org/bonus";
  EXPECT_EQ(Normalize(text).text, text);
}

TEST_F(NormalizerTest, LeetspeakMayEndAWordWithADigit) {
  const NormalizedText n = Normalize("Buy V14gr4 & C14l1s");
  EXPECT_EQ(n.text, "buy viagra & cialis");
  EXPECT_EQ(Normalize("l0v3").text, "love");
  EXPECT_EQ(n.obfuscation.leet_characters, 6u);
}

TEST_F(NormalizerTest, LeetspeakLeavesNumbersUnitsVersionsAndCodeAlone) {
  EXPECT_EQ(Normalize("10am 50p 3rd 2024 4u covid19 pop3 x11 $scope.$on h2o v14 s01e04").text,
            "10am 50p 3rd 2024 4u covid19 pop3 x11 $scope.$on h2o v14 s01e04");
  // Postcodes and codes whose digits would spell a word: "sell", "this".
  EXPECT_EQ(Normalize("from SE11 to WA11, TH15 and SH17").text, "from se11 to wa11, th15 and sh17");
  // Stack Exchange titles: TeX must not become "less", "toes" or "pilots".
  EXPECT_EQ(Normalize("$|z-2|\\le5$ $x\\to3$ $\\cos2\\pi10t$").text,
            "$|z-2|\\le5$ $x\\to3$ $\\cos2\\pi10t$");
}

TEST_F(NormalizerTest, LeetspeakNeverTouchesUrlsEmailsOrHandles) {
  EXPECT_EQ(Normalize("https://l0ve.com/c4ll l0ve.com m3@l0ve.com @l0ve").text,
            "https://l0ve.com/c4ll l0ve.com m3@l0ve.com @l0ve");
}

TEST_F(NormalizerTest, SpacedOutLettersAreRejoined) {
  const std::string original = "Contact on W h a t s a p p now";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "contact on whatsapp now");
  EXPECT_EQ(n.obfuscation.spaced_out_runs, 1u);
  EXPECT_EQ(OriginalOf(original, n, "whatsapp"), "W h a t s a p p");
}

TEST_F(NormalizerTest, LettersSpacedOutWithPunctuationAreRejoinedIntoKnownWords) {
  const std::string original = "Contact W.h.a.t.s.A.p.p or T-e-l-e-g-r-a-m, buy v_i_a_g_r_a";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "contact whatsapp or telegram, buy viagra");
  EXPECT_EQ(n.obfuscation.spaced_out_runs, 3u);
  EXPECT_EQ(OriginalOf(original, n, "whatsapp"), "W.h.a.t.s.A.p.p");
  EXPECT_EQ(OriginalOf(original, n, "telegram"), "T-e-l-e-g-r-a-m");
  // The same with a non-ASCII character elsewhere (the slower path).
  EXPECT_EQ(Normalize("\u00E9 c*a*l*l me").text, "\u00E9 call me");
}

TEST_F(NormalizerTest, PunctuatedLettersWithLeetspeakDigitsOrLookalikesAreRejoined) {
  // U+0456 is a Cyrillic "і".
  const std::string original = "Ask on W.h.4.t.s.A.p.p for c-4-s-h, buy v.\u0456.a.g.r.a";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "ask on whatsapp for cash, buy viagra");
  EXPECT_EQ(n.obfuscation.spaced_out_runs, 3u);
  EXPECT_EQ(n.obfuscation.leet_characters, 2u);
  EXPECT_EQ(n.obfuscation.homoglyphs, 1u);
  EXPECT_EQ(OriginalOf(original, n, "whatsapp"), "W.h.4.t.s.A.p.p");
  EXPECT_EQ(OriginalOf(original, n, "cash"), "c-4-s-h");
  EXPECT_EQ(OriginalOf(original, n, "viagra"), "v.\u0456.a.g.r.a");
  // All ASCII (the plain reader must hand it on) and with something else non-ASCII.
  EXPECT_EQ(Normalize("earn b.1.t.c.0.1.n daily").text, "earn bitcoin daily");
  EXPECT_EQ(Normalize("\u00E9 earn b.1.t.c.0.1.n daily").text, "\u00E9 earn bitcoin daily");
  // '@' and '$' stand for letters too, and a chain may begin with one.
  EXPECT_EQ(Normalize("W.h.@.t.s.A.p.p for c-@-$-h, 3.a.r.n").text, "whatsapp for cash, earn");
}

TEST_F(NormalizerTest, PunctuatedLettersFollowedByDigitsAreStillRejoined) {
  // When the whole chain spells nothing, the letters alone may: a number or a dosage glued on
  // with the same separators does not hide the word, nor does a letter and digit before it.
  EXPECT_EQ(Normalize("W.h.a.t.s.A.p.p.0.7.7.0.0.9").text, "whatsapp.0.7.7.0.0.9");
  EXPECT_EQ(Normalize("V.i.a.g.r.a.1.0.0.m.g and T.e.l.e.g.r.a.m.1").text,
            "viagra.1.0.0.m.g and telegram.1");
  EXPECT_EQ(Normalize("a.1.w.h.a.t.s.a.p.p").text, "a.1.whatsapp");
  // Or up to its last letter, leetspeak and all.
  EXPECT_EQ(Normalize("message me on W.h.4.t.s.A.p.p.0.7.7 now").text,
            "message me on whatsapp.0.7.7 now");
}

TEST_F(NormalizerTest, PunctuatedLettersInLinksAndAddressesStayAsWritten) {
  // A host or an address is what it is: "c-a-s-h.com" is not cash.com.
  for (const std::string text : {"see https://www.c-a-s-h.com/offer", "c-a-s-h.com",
                                 "mail j.o.h.n@example.com", "example.com/w-h-a-t-s-a-p-p/page"}) {
    EXPECT_EQ(Normalize(text).text, text);
  }
}

TEST_F(NormalizerTest, SpacedOutLettersWithLeetspeakDigitsAreRejoinedIntoKnownWords) {
  const std::string original = "W h 4 t s A p p me, b 1 t c 0 1 n";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "whatsapp me, bitcoin");
  EXPECT_EQ(n.obfuscation.spaced_out_runs, 2u);
  EXPECT_EQ(n.obfuscation.leet_characters, 4u);
  EXPECT_EQ(OriginalOf(original, n, "whatsapp"), "W h 4 t s A p p");
  // A run may end in leetspeak, and '$' stands for a letter too.
  EXPECT_EQ(Normalize("f r 3 3 gift in c 4 $ h").text, "free gift in cash");
  // And in a letter with the punctuation that closes a sentence or a label.
  const std::string closed = "on W h 4 t s A p p. Or T e l e g r a m: @x";
  const NormalizedText c = Normalize(closed);
  EXPECT_EQ(c.text, "on whatsapp. or telegram: @x");
  EXPECT_EQ(OriginalOf(closed, c, "whatsapp"), "W h 4 t s A p p");
  // Four single letters before the closing one, as a run of letters needs.
  EXPECT_EQ(Normalize("grades a b c d. and v w x y z.").text, "grades a b c d. and vwxyz.");
  // Digits that spell no word with the letters before them are a number of their own.
  EXPECT_EQ(Normalize("a 1 b c d, m e 4 5 7 3 1 0").text, "a 1 b c d, m e 457310");
  EXPECT_EQ(Normalize("u r @ home").text, "u r @ home");
  // A run longer than any word is not spelled out, however long.
  std::string long_run;
  for (int k = 0; k < 5000; ++k) long_run += "a 1 ";
  long_run += "a";
  EXPECT_EQ(Normalize(long_run).text, long_run);
}

TEST_F(NormalizerTest, AbbreviationsAndLettersThatSpellNoWordStay) {
  for (const std::string text :
       {"the u.s.a. and the u.k., e.g. a.k.a. i.e.", "options a-b-c-d-e", "axes x.y.z.w",
        "wh.a.t.s.a.p.p", "v1.2.3.4 and a.b.c.1",
        // Mostly digits, an accented Latin letter, and Russian letters, whatever their
        // skeletons spell.
        "v.1.3.5 and 1.8.0.0", "p-1-2-3", "c.a.f.\u00E9", "\u0440.\u0435.\u0441.\u043E"}) {
    const NormalizedText n = Normalize(text);
    EXPECT_EQ(n.text, text);
    EXPECT_EQ(n.obfuscation.total(), 0u) << text;
  }
}

TEST_F(NormalizerTest, SpacedOutDigitsWithPlusAreRejoined) {
  const std::string original = "+9 1 9 8 2 9 2 8 6 6 0 0";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "+919829286600");
  EXPECT_EQ(n.obfuscation.spaced_out_runs, 1u);
  EXPECT_EQ(n.ToOriginal(0, static_cast<uint32_t>(n.text.size())),
            (Span{0, static_cast<uint32_t>(original.size())}));
}

TEST_F(NormalizerTest, ShortRunsOfSingleCharactersStaySeparate) {
  EXPECT_EQ(Normalize("I am a fan of 1 2 3, u r a star").text, "i am a fan of 1 2 3, u r a star");
}

TEST_F(NormalizerTest, RepeatsAreCappedAtThreeExceptDigits) {
  const std::string original = "soooooo good!!!!!! 1000000";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "sooo good!!! 1000000");
  EXPECT_EQ(n.obfuscation.repeated_characters, 6u);
  EXPECT_EQ(n.obfuscation.total(), 0u);  // shouting is not obfuscation
  EXPECT_EQ(OriginalOf(original, n, "sooo"), "soooooo");
}

TEST_F(NormalizerTest, ObfuscatedStretchesAreMergedIntoOriginalSpans) {
  const std::string original = "Hi. 𝐋𝐨𝐯𝐞 𝐛𝐚𝐜𝐤 now. Call l0ve";
  const NormalizedText n = Normalize(original);
  const size_t fancy_begin = original.find("𝐋");
  const size_t fancy_end = original.find(" now");
  const size_t leet_begin = original.find("l0ve");
  ASSERT_EQ(n.obfuscation.spans.size(), 2u);
  EXPECT_EQ(n.obfuscation.spans[0],
            (Span{static_cast<uint32_t>(fancy_begin), static_cast<uint32_t>(fancy_end)}));
  EXPECT_EQ(n.obfuscation.spans[1],
            (Span{static_cast<uint32_t>(leet_begin), static_cast<uint32_t>(original.size())}));
}

TEST_F(NormalizerTest, SpansWidenToWholeWordsAcrossManyObfuscationsInOneWord) {
  // Every other letter fullwidth in one long word, a plain word, then a word whose
  // obfuscated letters sit in its middle: each obfuscated word is one span, whole.
  std::string word;
  for (int i = 0; i < 2000; ++i) word += i % 2 ? "a" : "\uff42";  // "ｂaｂa..."
  const std::string original = "start " + word + " plain mid\u200bdle end";
  const NormalizedText n = Normalize(original);
  const auto word_begin = static_cast<uint32_t>(original.find(word));
  const auto word_end = static_cast<uint32_t>(word_begin + word.size());
  const auto mid_begin = static_cast<uint32_t>(original.find("mid"));
  const auto mid_end = static_cast<uint32_t>(original.find(" end"));
  ASSERT_EQ(n.obfuscation.spans.size(), 2u);
  EXPECT_EQ(n.obfuscation.spans[0], (Span{word_begin, word_end}));
  EXPECT_EQ(n.obfuscation.spans[1], (Span{mid_begin, mid_end}));
}

TEST_F(NormalizerTest, HtmlCharacterReferencesAreDecodedAsABrowserShowsThem) {
  const std::string original = "I&#39;m &quot;here&quot; &amp; caf&eacute;&nbsp;now";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "i'm \"here\" & caf\u00e9 now");
  EXPECT_EQ(n.html_rewrites, 6u);
  EXPECT_EQ(n.obfuscation.total(), 0u);  // ordinary escaping
  EXPECT_EQ(OriginalOf(original, n, "'"), "&#39;");
  EXPECT_EQ(OriginalOf(original, n, "caf\u00e9"), "caf&eacute;");
  // Decoded once: "&amp;#87;" shows as the text "&#87;".
  EXPECT_EQ(Normalize("&amp;#87;").text, "&#87;");
  // An ampersand that starts no reference is text, on the ASCII fast path and off it.
  EXPECT_EQ(Normalize("Fish & chips &amp chips").text, "fish & chips &amp chips");
  EXPECT_EQ(Normalize("Fish & chips \u00e9").text, "fish & chips \u00e9");
}

TEST_F(NormalizerTest, LettersAndDigitsWrittenAsNumericReferencesAreObfuscation) {
  const std::string original = "Call &#87;hats&#x41;pp +&#57;1 now";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "call whatsapp +91 now");
  EXPECT_EQ(n.obfuscation.encoded_characters, 3u);
  EXPECT_EQ(n.obfuscation.total(), 3u);
  EXPECT_EQ(OriginalOf(original, n, "whatsapp"), "&#87;hats&#x41;pp");
  ASSERT_EQ(n.obfuscation.spans.size(), 1u);  // two words, one space apart: one stretch
  EXPECT_EQ(n.obfuscation.spans[0], (Span{5, static_cast<uint32_t>(original.find(" now"))}));
  // A combining mark written as a reference is stripped like a typed one.
  EXPECT_EQ(Normalize("+9&#830;1&#830;").text, "+91");
}

TEST_F(NormalizerTest, TagsInsideAWordAreReadAsABrowserShowsThem) {
  const std::string original = "Call What<b></b>sapp 98292<i></i>86600 now";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "call whatsapp 9829286600 now");
  EXPECT_EQ(n.obfuscation.markup_splits, 2u);
  EXPECT_EQ(n.html_rewrites, 2u);
  EXPECT_EQ(OriginalOf(original, n, "whatsapp"), "What<b></b>sapp");
  ASSERT_EQ(n.obfuscation.spans.size(), 1u);
  EXPECT_EQ(n.obfuscation.spans[0], (Span{5, static_cast<uint32_t>(original.find(" now"))}));
  // A line break shows the words apart, as its text keeps them, and hides nothing.
  const NormalizedText broken = Normalize("great song<br /><br />love it");
  EXPECT_EQ(broken.text, "great song<br /><br />love it");
  EXPECT_EQ(broken.html_rewrites, 0u);
  EXPECT_EQ(broken.obfuscation.total(), 0u);
}

TEST_F(NormalizerTest, WhatARunHidesIsLookedPastForTheRestOfTheWord) {
  // Zero-width characters and further runs between the run and the word's next letter.
  EXPECT_EQ(Normalize("Wh<b></b>\u200Batsapp").text, "whatsapp");
  EXPECT_EQ(Normalize("Wh<b>\u200B</b>atsapp").text, "whatsapp");
  EXPECT_EQ(Normalize("Wh<b></b>&#8203;<!---->atsapp").text, "whatsapp");
  // A word that ends in a mark.
  EXPECT_EQ(Normalize("\u043f\u0440\u0438\u0432\u0435\u0301<b></b>\u0442").text,
            "\u043f\u0440\u0438\u0432\u0435\u0301\u0442");
  // A Hangul vowel after the run would compose with the consonant before it; the run is
  // left as text rather than joined into a word NFKC would write otherwise.
  EXPECT_EQ(Normalize("\u1100<b></b>\u1161").text, "\u1100<b></b>\u1161");
  // A line break found past the run keeps the words apart.
  EXPECT_EQ(Normalize("Wh<b></b><br>atsapp").text, "wh<b></b><br>atsapp");
}

TEST_F(NormalizerTest, TagsBetweenWordsStayText) {
  EXPECT_EQ(Normalize("I <b>love</b> it, <a href=\"http://x.com\">here</a>.").text,
            "i <b>love</b> it, <a href=\"http://x.com\">here</a>.");
  EXPECT_EQ(Normalize("a<b and c > d").text, "a<b and c > d");
}

TEST_F(NormalizerTest, ReadingHtmlAsWrittenLeavesReferencesAndTagsAsText) {
  const NormalizedText n =
      normalizer_->Normalize("&#87;hatsapp I&#39;m What<b></b>sapp", HtmlReading::kAsWritten);
  EXPECT_EQ(n.text, "&#87;hatsapp i&#39;m what<b></b>sapp");
  EXPECT_EQ(n.html_rewrites, 0u);
  EXPECT_EQ(n.obfuscation.total(), 0u);
}

TEST_F(NormalizerTest, InvalidUtf8BytesBecomeReplacementCharactersMappedToThemselves) {
  const std::string original = "ab\xff\xc3z";
  const NormalizedText n = Normalize(original);
  EXPECT_EQ(n.text, "ab\uFFFD\uFFFDz");
  EXPECT_EQ(n.ToOriginal(2, 5), (Span{2, 3}));
  EXPECT_EQ(n.ToOriginal(5, 8), (Span{3, 4}));
  EXPECT_EQ(n.ToOriginal(8, 9), (Span{4, 5}));
}

TEST_F(NormalizerTest, EmptyRangesMapToAnEmptySpan) {
  const NormalizedText n = Normalize("  abc");
  EXPECT_EQ(n.ToOriginal(1, 1), (Span{3, 3}));
  EXPECT_EQ(n.ToOriginal(3, 3), (Span{5, 5}));
  EXPECT_EQ(Normalize("").ToOriginal(0, 0), (Span{0, 0}));
}

TEST_F(NormalizerTest, NormalizeForMatchingReturnsTheNormalizedText) {
  EXPECT_EQ(normalizer_->NormalizeForMatching("Ｊｏｈｎ  ＳＭＩＴＨ"), "john smith");
}

TEST_F(NormalizerTest, ConcurrentCallsGiveTheSameResult) {
  const std::string original = "𝐂𝐚𝐥𝐥 +9̾1̾ l\u043eve W h a t s a p p c4ll";
  const std::string expected = Normalize(original).text;
  std::atomic<int> mismatches = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (normalizer_->Normalize(original).text != expected) ++mismatches;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(NormalizerCreateTest, MissingWordListIsNotFound) {
  NormalizerOptions options;
  options.word_list_paths = {"/nonexistent/words.txt"};
  const auto created = Normalizer::Create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), Status::Code::kNotFound);
}

TEST(NormalizerCreateTest, EmptyWordListIsCorruption) {
  const std::string path = ::testing::TempDir() + "/empty_words.txt";
  std::ofstream(path) << "# no words\n";
  NormalizerOptions options;
  options.word_list_paths = {path};
  const auto created = Normalizer::Create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), Status::Code::kCorruption);
}

TEST(NormalizerCreateTest, LeetspeakFoldsOnlyIntoTheConfiguredWords) {
  const std::string path = ::testing::TempDir() + "/one_word.txt";
  std::ofstream(path) << "zebra\n";
  NormalizerOptions options;
  options.word_list_paths = {path};
  const auto created = Normalizer::Create(options);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created.value()->Normalize("z3bra l0ve").text, "zebra l0ve");
}

}  // namespace
}  // namespace spamguard
