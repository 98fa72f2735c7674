#include "bench/corpus_sample.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace spamguard {
namespace {

struct SampledFile {
  const char* path;
  size_t every;  // keep every n-th comment
};

constexpr SampledFile kSampledFiles[] = {
    {SPAMGUARD_SOURCE_DIR "/data/youtube-spam/youtube-spam.tsv", 1},
    {SPAMGUARD_SOURCE_DIR "/data/tg-spam/tg-spam.tsv", 1},
    {SPAMGUARD_SOURCE_DIR "/data/sms-spam/sms-spam.tsv", 5},
    {SPAMGUARD_SOURCE_DIR "/data/smokedetector-titles/smokedetector-titles.tsv", 200},
};

constexpr size_t kMaxBytes = 500;
constexpr int kTimingRepeats = 5;

double Percentile(const std::vector<double>& sorted, double fraction) {
  const size_t index = static_cast<size_t>(fraction * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

}  // namespace

const std::vector<LabeledExample>& CommentsUpTo500Bytes() {
  static const std::vector<LabeledExample> sample = [] {
    std::vector<LabeledExample> kept;
    for (const SampledFile& file : kSampledFiles) {
      Result<std::vector<LabeledExample>> examples = LoadLabeledFile(file.path);
      if (!examples.ok()) {
        std::fprintf(stderr, "corpus sample: %s\n", examples.status().ToString().c_str());
        std::exit(1);
      }
      for (size_t i = 0; i < examples->size(); i += file.every) {
        const LabeledExample& example = (*examples)[i];
        const size_t bytes = example.comment.content.size();
        if (bytes > 0 && bytes <= kMaxBytes) kept.push_back(example);
      }
    }
    return kept;
  }();
  return sample;
}

LatencyDistribution TimeEachComment(const std::vector<LabeledExample>& comments,
                                    const std::function<void(const LabeledExample&)>& work,
                                    int repeats) {
  using Clock = std::chrono::steady_clock;
  // Passes over the sample in order, as traffic arrives (each comment finds the caches the
  // previous ones left), then each comment's median over the passes.
  std::vector<std::vector<double>> runs(comments.size(), std::vector<double>(repeats));
  for (int pass = 0; pass < repeats; ++pass) {
    for (size_t i = 0; i < comments.size(); ++i) {
      const Clock::time_point start = Clock::now();
      work(comments[i]);
      runs[i][pass] = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    }
  }
  std::vector<double> per_comment;
  per_comment.reserve(comments.size());
  for (std::vector<double>& times : runs) {
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    per_comment.push_back(times[times.size() / 2]);
  }
  if (const char* show = std::getenv("SPAMGUARD_BENCH_SLOWEST"); show != nullptr) {
    // Diagnostic: print the slowest comments, to see what the tail is made of.
    char* end = nullptr;
    const long wanted = std::strtol(show, &end, 10);
    if (end == show || *end != '\0' || wanted < 0) {
      std::fprintf(stderr, "SPAMGUARD_BENCH_SLOWEST must be a count of comments, got '%s'\n", show);
      std::exit(1);
    }
    std::vector<size_t> order(comments.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return per_comment[a] > per_comment[b]; });
    const size_t count = std::min(order.size(), static_cast<size_t>(wanted));
    for (size_t i = 0; i < count; ++i) {
      const LabeledExample& example = comments[order[i]];
      std::fprintf(stderr, "%10.1f us  %-20s %.120s\n", per_comment[order[i]] / 1000,
                   example.source.c_str(), example.comment.content.c_str());
    }
  }
  LatencyDistribution distribution;
  if (per_comment.empty()) return distribution;
  std::vector<double> spam;
  std::vector<double> ham;
  for (size_t i = 0; i < comments.size(); ++i) {
    (comments[i].spam ? spam : ham).push_back(per_comment[i]);
  }
  std::sort(spam.begin(), spam.end());
  std::sort(ham.begin(), ham.end());
  if (!spam.empty()) {
    distribution.spam_median_ns = Percentile(spam, 0.5);
    distribution.spam_p90_ns = Percentile(spam, 0.9);
  }
  if (!ham.empty()) distribution.ham_median_ns = Percentile(ham, 0.5);
  std::sort(per_comment.begin(), per_comment.end());
  distribution.median_ns = Percentile(per_comment, 0.5);
  distribution.p90_ns = Percentile(per_comment, 0.9);
  distribution.p99_ns = Percentile(per_comment, 0.99);
  distribution.max_ns = per_comment.back();
  return distribution;
}

void RunOverSample(benchmark::State& state,
                   const std::function<void(const LabeledExample&)>& work) {
  const std::vector<LabeledExample>& comments = CommentsUpTo500Bytes();
  // Warm-up: the rule pack compiles a pattern's exact regex on its first match, and RE2 and
  // fastText fill caches; none of that is per-comment cost.
  for (const LabeledExample& example : comments) work(example);
  for (auto _ : state) {
    for (const LabeledExample& example : comments) work(example);
  }
  const LatencyDistribution distribution = TimeEachComment(comments, work, kTimingRepeats);
  state.counters["comments"] = static_cast<double>(comments.size());
  state.counters["median_us"] = distribution.median_ns / 1000;
  state.counters["p90_us"] = distribution.p90_ns / 1000;
  state.counters["p99_us"] = distribution.p99_ns / 1000;
  state.counters["max_us"] = distribution.max_ns / 1000;
  state.counters["spam_median_us"] = distribution.spam_median_ns / 1000;
  state.counters["spam_p90_us"] = distribution.spam_p90_ns / 1000;
  state.counters["ham_median_us"] = distribution.ham_median_ns / 1000;
}

}  // namespace spamguard
