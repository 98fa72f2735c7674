// Corpus sample: a fixed, deterministic set of real comments of at most 500 bytes from the
// corpora shipped in data/, and per-comment timing over it. The issues' latency targets are
// medians "for a comment up to 500 bytes"; a hand-picked comment shows one point, this sample
// shows the distribution real traffic has (YouTube and Telegram comments, SMS, Stack
// Exchange titles; spam and ham).
//
// Contents: every comment of youtube-spam.tsv and tg-spam.tsv, every 5th of sms-spam.tsv and
// every 200th of smokedetector-titles.tsv, in file order, keeping those of 1..500 bytes.
// Exits the process with a message when a file is missing (benchmarks have no caller to
// return a status to).
#ifndef SPAMGUARD_BENCH_CORPUS_SAMPLE_H_
#define SPAMGUARD_BENCH_CORPUS_SAMPLE_H_

#include <benchmark/benchmark.h>

#include <functional>
#include <vector>

#include "model/dataset.h"

namespace spamguard {

// The sample, loaded once.
const std::vector<LabeledExample>& CommentsUpTo500Bytes();

struct LatencyDistribution {
  double median_ns = 0;
  double p90_ns = 0;
  double p99_ns = 0;
  double max_ns = 0;
  // The same per class: spam sets off far more rules than ham, so its median is the one
  // the rule pack's target is closest to.
  double spam_median_ns = 0;
  double spam_p90_ns = 0;
  double ham_median_ns = 0;
};

// Times `work` on each comment separately, in `repeats` passes over the sample in order, and
// returns the distribution over comments of each one's median time (so that a context switch
// does not count as a comment's cost, while cache misses from the comments before it do).
LatencyDistribution TimeEachComment(const std::vector<LabeledExample>& comments,
                                    const std::function<void(const LabeledExample&)>& work,
                                    int repeats);

// A benchmark over the whole sample: each iteration runs `work` on every comment (so the
// reported time is per sample), then the per-comment distribution is reported as counters
// median_us, p90_us, p99_us and max_us (and spam_median_us, spam_p90_us, ham_median_us), with
// the sample size as `comments`.
void RunOverSample(benchmark::State& state, const std::function<void(const LabeledExample&)>& work);

}  // namespace spamguard

#endif  // SPAMGUARD_BENCH_CORPUS_SAMPLE_H_
