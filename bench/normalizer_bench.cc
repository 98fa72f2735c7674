// Cost of the text-preparation front of the pipeline: Normalize() and Extract() on a short
// comment, a ~500-byte comment (the size the 20 µs budget is stated for), and an obfuscated
// ~500-byte comment that takes every slow path (fancy letters, marks, homoglyphs, phone), and
// HTML-escaped text.
// Reported as the median of repetitions.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "model/entities.h"
#include "model/normalizer.h"

namespace spamguard {
namespace {

const std::string kShortComment = "Great post, thanks for sharing! I learned a lot.";

// 500 bytes of ordinary English ham with a news link.
const std::string kLongComment =
    "I agree. One positive thing that has happened so far is that I'm feeling less stressed. "
    "I can focus on my work this weekend. My wife and I talked about the problem last night "
    "and we decided to call her parents about it; they were very understanding, and we all "
    "feel better now. There is a good article about this at https://www.bbc.co.uk/news/health "
    "which explains the research much better than I could. Thanks again Manuel, and please "
    "keep writing posts like this one, they really help people like us. :)";

// The seed spam, obfuscated: mathematical bold, Cyrillic homoglyphs, zero-width characters,
// combining marks on the phone number, spaced-out letters, leetspeak. About 500 bytes.
const std::string kObfuscatedComment =
    "Qurani Dua For 𝐋𝐨𝐯𝐞 back and All life pr0blem Solution — We will Solve your All type of "
    "problem: Lоve, Marriage, Family, Relationship, Ex Love back Etc. Call and W h a t s a p p "
    "Now +9̾1̾ 9̾8̾2̾9̾2̾8̾6̾6̾0̾0̾ Wh\u200bats\u200bapp";

// The long comment as a CMS that escapes HTML sends it ("I&#39;m", "&amp;", "&quot;"), and
// the seed spam with letters and digits written as numeric character references.
const std::string kEscapedComment = [] {
  std::string escaped;
  for (char c : kLongComment) {
    if (c == '\'') {
      escaped += "&#39;";
    } else if (c == '&') {
      escaped += "&amp;";
    } else {
      escaped += c;
    }
  }
  return escaped + " &quot;Thank you&quot; &amp; goodbye.";
}();
const std::string kReferencesComment =
    "&#81;urani Dua For &#76;&#x6f;ve back and All life pro&#98;lem Solu&#116;ion. Ex "
    "Lo&#118;e back. Call and &#87;hats&#x61;pp Now &#43;91 98292&#56;6600";

struct Fixture {
  std::shared_ptr<const Normalizer> normalizer;
  std::shared_ptr<const EntityExtractor> extractor;
};

const Fixture& Get() {
  static const Fixture fixture = [] {
    auto normalizer = Normalizer::Create();
    auto extractor = EntityExtractor::Create({});
    if (!normalizer.ok() || !extractor.ok()) {
      std::fprintf(stderr, "normalizer_bench: set-up failed\n");
      std::exit(1);
    }
    return Fixture{normalizer.value(), extractor.value()};
  }();
  return fixture;
}

void BM_Normalize(benchmark::State& state, const std::string* text) {
  const Normalizer& normalizer = *Get().normalizer;
  for (auto _ : state) benchmark::DoNotOptimize(normalizer.Normalize(*text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text->size()));
}

void BM_NormalizeAndExtract(benchmark::State& state, const std::string* text) {
  const Normalizer& normalizer = *Get().normalizer;
  const EntityExtractor& extractor = *Get().extractor;
  for (auto _ : state) {
    const NormalizedText normalized = normalizer.Normalize(*text);
    benchmark::DoNotOptimize(extractor.Extract(normalized));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text->size()));
}

#define SPAMGUARD_NORMALIZER_BENCH(function, name, text) \
  BENCHMARK_CAPTURE(function, name, &text)->Repetitions(5)->ReportAggregatesOnly(true)

SPAMGUARD_NORMALIZER_BENCH(BM_Normalize, short, kShortComment);
SPAMGUARD_NORMALIZER_BENCH(BM_Normalize, long_500b, kLongComment);
SPAMGUARD_NORMALIZER_BENCH(BM_Normalize, obfuscated_500b, kObfuscatedComment);
SPAMGUARD_NORMALIZER_BENCH(BM_Normalize, escaped_500b, kEscapedComment);
SPAMGUARD_NORMALIZER_BENCH(BM_Normalize, references_seed_spam, kReferencesComment);
SPAMGUARD_NORMALIZER_BENCH(BM_NormalizeAndExtract, short, kShortComment);
SPAMGUARD_NORMALIZER_BENCH(BM_NormalizeAndExtract, long_500b, kLongComment);
SPAMGUARD_NORMALIZER_BENCH(BM_NormalizeAndExtract, obfuscated_500b, kObfuscatedComment);

}  // namespace
}  // namespace spamguard
