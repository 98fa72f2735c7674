// The cost of one comment through the whole model library: normalize, entities, features,
// rules (the default pack) and the fastText model. Needs the default model: run
// `make model` first. Reported numbers go to docs/performance.md.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "bench/corpus_sample.h"
#include "model/comment_classifier.h"
#include "model/model_store.h"

namespace spamguard {
namespace {

const std::shared_ptr<const CommentClassifier>& Classifier() {
  static const std::shared_ptr<const CommentClassifier> classifier = [] {
    auto fail = [](const Status& status) {
      std::fprintf(stderr, "pipeline_bench: %s (run `make model` first)\n",
                   status.ToString().c_str());
      std::exit(1);
    };
    Result<std::shared_ptr<const TextPipeline>> pipeline = TextPipeline::Create();
    if (!pipeline.ok()) fail(pipeline.status());
    Result<std::string> path = ResolveModelPath(SPAMGUARD_SOURCE_DIR "/models");
    if (!path.ok()) fail(path.status());
    Result<std::shared_ptr<const SpamModel>> model = SpamModel::Load(*path);
    if (!model.ok()) fail(model.status());
    Result<std::shared_ptr<const RuleSet>> rules =
        RuleSet::LoadFile(SPAMGUARD_SOURCE_DIR "/rules/default.yaml", (*pipeline)->normalizer(),
                          (*pipeline)->extractor());
    if (!rules.ok()) fail(rules.status());
    return std::make_shared<const CommentClassifier>(
        *pipeline, *model, *rules, std::make_shared<DuplicateWindow>(60 * 60 * 1000, 100000));
  }();
  return classifier;
}

// Seed ham from the blog page that started the project (~160 bytes).
constexpr char kShortHam[] =
    "I agree. One positive thing that has happened so far is that I'm feeling less stressed. "
    "I can focus on my work this weekend. :) Thanks Manuel.";

// The seed spam (~200 bytes): phone number, contact call, love-back family.
constexpr char kShortSpam[] =
    "Qurani Dua For Love back and All life problem Solution \xE2\x80\x94 We will Solve your All "
    "type of problem: Love, Marriage, Family, Relationship, Ex Love back Etc. Call and Whatsapp "
    "Now +91 9829286600";

// ~500 bytes of ordinary reader prose with a news link.
constexpr char kLongHam[] =
    "I read the whole article twice and I still think the author underestimates how hard it "
    "is for small towns to keep their libraries open. Our branch lost two librarians last "
    "year and the hours were cut to three afternoons a week. The council says the budget is "
    "fixed, but the same council found money for a new roundabout. There is a good piece on "
    "this at https://www.theguardian.com/books/2019/dec/06/library-closures-report if anyone "
    "wants numbers. Thanks for writing this, it needed saying.";

// ~500 bytes of obfuscated spam: homoglyphs, zero-width space, fullwidth digits, spacing.
constexpr char kLongSpam[] =
    "L\xD0\xBEve b\xD0\xB0\x63k sp\xD0\xB5\x63ialist baba ji \xE2\x80\x8B solve all problem "
    "in 24 hours: love marriage, family dispute, husband wife problem, ex love back, "
    "business loss, black magic removal. 100% guaranteed result. Call and W h a t s a p p "
    "now \xEF\xBC\x8B\xEF\xBC\x99\xEF\xBC\x91 \xEF\xBC\x99\xEF\xBC\x98\xEF\xBC\x92\xEF\xBC\x99"
    "\xEF\xBC\x92\xEF\xBC\x98\xEF\xBC\x96\xEF\xBC\x96\xEF\xBC\x90\xEF\xBC\x90 or visit "
    "http://bit.ly/lovebackbaba for free consultation. Contact molvi ji today, do not wait, "
    "your problem solved within hours, 100% satisfaction, all India service.";

void BM_ClassifyComment(benchmark::State& state, const char* text) {
  const CommentClassifier& classifier = *Classifier();
  Comment comment;
  comment.content = text;
  ClassifyOptions options;
  options.now_ms = 1'700'000'000'000;
  for (auto _ : state) {
    Assessment assessment = classifier.Classify(comment, options);
    benchmark::DoNotOptimize(assessment);
  }
  state.SetLabel(std::to_string(comment.content.size()) + " bytes");
}

BENCHMARK_CAPTURE(BM_ClassifyComment, short_ham, kShortHam)->Repetitions(5)->ReportAggregatesOnly();
BENCHMARK_CAPTURE(BM_ClassifyComment, short_spam, kShortSpam)
    ->Repetitions(5)
    ->ReportAggregatesOnly();
BENCHMARK_CAPTURE(BM_ClassifyComment, long_ham, kLongHam)->Repetitions(5)->ReportAggregatesOnly();
BENCHMARK_CAPTURE(BM_ClassifyComment, long_spam, kLongSpam)->Repetitions(5)->ReportAggregatesOnly();

// The target's own measure: the median over real comments of up to 500 bytes.
void BM_ClassifyCorpusSample(benchmark::State& state) {
  const CommentClassifier& classifier = *Classifier();
  ClassifyOptions options;
  options.now_ms = 1'700'000'000'000;
  RunOverSample(state, [&](const LabeledExample& example) {
    benchmark::DoNotOptimize(classifier.Classify(example.comment, options));
  });
}
BENCHMARK(BM_ClassifyCorpusSample)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace spamguard
