#include "model/evaluation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace spamguard {
namespace {

double Ratio(double numerator, double denominator) {
  return denominator > 0 ? numerator / denominator : 0.0;
}

double F1(int64_t tp, int64_t fp, int64_t fn) {
  return Ratio(2.0 * static_cast<double>(tp), static_cast<double>(2 * tp + fp + fn));
}

}  // namespace

ConfusionMatrix Confuse(const std::vector<ScoredExample>& scored, double threshold) {
  ConfusionMatrix confusion;
  for (const ScoredExample& example : scored) {
    const bool predicted_spam = example.probability >= threshold;
    if (example.spam) {
      ++(predicted_spam ? confusion.true_positives : confusion.false_negatives);
    } else {
      ++(predicted_spam ? confusion.false_positives : confusion.true_negatives);
    }
  }
  return confusion;
}

void FillRatios(const ConfusionMatrix& c, BinaryMetrics& m) {
  const double tp = static_cast<double>(c.true_positives);
  const double fp = static_cast<double>(c.false_positives);
  const double tn = static_cast<double>(c.true_negatives);
  const double fn = static_cast<double>(c.false_negatives);
  m.confusion = c;
  m.accuracy = Ratio(tp + tn, tp + fp + tn + fn);
  m.precision = Ratio(tp, tp + fp);
  m.recall = Ratio(tp, tp + fn);
  m.f1 = F1(c.true_positives, c.false_positives, c.false_negatives);
  m.ham_false_positive_rate = Ratio(fp, fp + tn);
  const double denominator = std::sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  m.mcc = Ratio(tp * tn - fp * fn, denominator);
}

DefinedFigures DefinedFiguresOf(const ConfusionMatrix& c) {
  const bool has_spam = c.true_positives + c.false_negatives > 0;
  const bool has_ham = c.false_positives + c.true_negatives > 0;
  const bool predicts_spam = c.true_positives + c.false_positives > 0;
  DefinedFigures defined;
  defined.precision = has_spam && predicts_spam;
  defined.recall = has_spam;
  defined.f1 = has_spam;
  defined.mcc = has_spam && has_ham;
  defined.ham_false_positive_rate = has_ham;
  defined.roc_auc = has_spam && has_ham;
  return defined;
}

BinaryMetrics Evaluate(const std::vector<ScoredExample>& scored, double threshold) {
  BinaryMetrics metrics;
  metrics.threshold = threshold;
  FillRatios(Confuse(scored, threshold), metrics);
  metrics.roc_auc = RocAuc(scored);
  metrics.calibration_error = ExpectedCalibrationError(scored);
  return metrics;
}

double RocAuc(const std::vector<ScoredExample>& scored) {
  std::vector<size_t> order(scored.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&scored](size_t a, size_t b) {
    return scored[a].probability < scored[b].probability;
  });
  // Sum of the (1-based, mid-ranked) ranks of the spam examples.
  double spam_rank_sum = 0;
  int64_t spam = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scored[order[j]].probability == scored[order[i]].probability) ++j;
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k) {
      if (scored[order[k]].spam) {
        spam_rank_sum += mid_rank;
        ++spam;
      }
    }
    i = j;
  }
  const int64_t ham = static_cast<int64_t>(scored.size()) - spam;
  if (spam == 0 || ham == 0) return 0.5;
  const double u = spam_rank_sum - static_cast<double>(spam) * static_cast<double>(spam + 1) / 2.0;
  return u / (static_cast<double>(spam) * static_cast<double>(ham));
}

double ExpectedCalibrationError(const std::vector<ScoredExample>& scored, int bins) {
  if (scored.empty() || bins <= 0) return 0;
  std::vector<double> probability_sum(bins, 0.0);
  std::vector<double> spam_count(bins, 0.0);
  std::vector<double> count(bins, 0.0);
  for (const ScoredExample& example : scored) {
    const double p = std::clamp(example.probability, 0.0, 1.0);
    // Bins are [0, 0.1), ..., [0.9, 1.0]: probability 1 belongs to the last one.
    const int bin = std::min(bins - 1, static_cast<int>(p * bins));
    probability_sum[bin] += p;
    spam_count[bin] += example.spam ? 1.0 : 0.0;
    count[bin] += 1.0;
  }
  double error = 0;
  for (int bin = 0; bin < bins; ++bin) {
    if (count[bin] == 0) continue;
    error += std::abs(probability_sum[bin] - spam_count[bin]) / static_cast<double>(scored.size());
  }
  return error;
}

Result<PlattCalibration> FitPlatt(const std::vector<ScoredExample>& raw) {
  double positives = 0;
  for (const ScoredExample& example : raw) positives += example.spam ? 1 : 0;
  const double negatives = static_cast<double>(raw.size()) - positives;
  if (positives == 0 || negatives == 0) {
    return Status::InvalidArgument("Platt calibration needs both spam and ham examples");
  }
  const double high_target = (positives + 1) / (positives + 2);
  const double low_target = 1 / (negatives + 2);
  std::vector<double> x(raw.size());
  std::vector<double> y(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    x[i] = RawLogit(raw[i].probability);
    y[i] = raw[i].spam ? high_target : low_target;
  }
  // Newton's method with backtracking line search on the cross-entropy of sigmoid(a*x + b)
  // (Lin, Lin & Weng 2007): plain Newton overshoots when raw scores are saturated, as
  // fastText's softmax scores usually are.
  auto objective = [&x, &y](double a, double b) {
    double sum = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double z = a * x[i] + b;
      // -[y log s(z) + (1-y) log(1-s(z))], written to stay finite for large |z|.
      sum += (z >= 0) ? (1 - y[i]) * z + std::log1p(std::exp(-z))
                      : -y[i] * z + std::log1p(std::exp(z));
    }
    return sum;
  };
  double a = 0;
  double b = std::log((negatives + 1) / (positives + 1));
  double value = objective(a, b);
  constexpr double kRidge = 1e-12;
  for (int iteration = 0; iteration < 100; ++iteration) {
    double g_a = 0, g_b = 0, h_aa = kRidge, h_ab = 0, h_bb = kRidge;
    for (size_t i = 0; i < x.size(); ++i) {
      const double z = a * x[i] + b;
      const double p = z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z));
      const double residual = p - y[i];
      const double w = p * (1 - p);
      g_a += residual * x[i];
      g_b += residual;
      h_aa += w * x[i] * x[i];
      h_ab += w * x[i];
      h_bb += w;
    }
    if (std::abs(g_a) < 1e-7 && std::abs(g_b) < 1e-7) break;
    const double determinant = h_aa * h_bb - h_ab * h_ab;
    if (!(std::abs(determinant) > 1e-300)) break;
    const double step_a = -(h_bb * g_a - h_ab * g_b) / determinant;
    const double step_b = -(h_aa * g_b - h_ab * g_a) / determinant;
    const double slope = g_a * step_a + g_b * step_b;  // directional derivative (< 0)
    double t = 1;
    bool moved = false;
    while (t >= 1e-10) {
      const double candidate = objective(a + t * step_a, b + t * step_b);
      if (candidate <= value + 1e-4 * t * slope) {
        a += t * step_a;
        b += t * step_b;
        value = candidate;
        moved = true;
        break;
      }
      t /= 2;
    }
    if (!moved) break;
  }
  if (!std::isfinite(a) || !std::isfinite(b)) {
    return Status::Internal("Platt calibration did not converge");
  }
  PlattCalibration calibration;
  calibration.slope = a;
  calibration.intercept = b;
  return calibration;
}

namespace {

// Examples by falling probability, with the class totals.
struct RankedScores {
  std::vector<ScoredExample> sorted;
  int64_t spam_total = 0;
  int64_t ham_total = 0;
};

RankedScores RankByScore(const std::vector<ScoredExample>& scored) {
  RankedScores ranked;
  ranked.sorted = scored;
  std::sort(
      ranked.sorted.begin(), ranked.sorted.end(),
      [](const ScoredExample& a, const ScoredExample& b) { return a.probability > b.probability; });
  for (const ScoredExample& example : ranked.sorted) ranked.spam_total += example.spam ? 1 : 0;
  ranked.ham_total = static_cast<int64_t>(ranked.sorted.size()) - ranked.spam_total;
  return ranked;
}

// One step of the walk: spam predicted for every example scoring >= `score`.
struct Cut {
  double score = 0;
  double next_lower = 0;  // the next lower distinct score; `score` itself after the last
  double f1 = 0;
  double ham_false_positive_rate = 0;
};

// The walk both threshold choices make: lowers the threshold one distinct score at a time,
// from the top, while the ham FPR stays within max_ham_fpr (it only grows as the threshold
// falls); `visit(cut)` returns false to stop earlier.
template <typename Visit>
void WalkCuts(const RankedScores& ranked, double max_ham_fpr, Visit visit) {
  const std::vector<ScoredExample>& sorted = ranked.sorted;
  int64_t tp = 0, fp = 0;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() && sorted[j].probability == sorted[i].probability) {
      ++(sorted[j].spam ? tp : fp);
      ++j;
    }
    Cut cut;
    cut.score = sorted[i].probability;
    cut.next_lower = j < sorted.size() ? sorted[j].probability : sorted[i].probability;
    cut.ham_false_positive_rate =
        ranked.ham_total > 0 ? static_cast<double>(fp) / static_cast<double>(ranked.ham_total) : 0;
    if (cut.ham_false_positive_rate > max_ham_fpr) return;
    cut.f1 = F1(tp, fp, ranked.spam_total - tp);
    if (!visit(cut)) return;
    i = j;
  }
}

}  // namespace

ThresholdChoice ChooseThreshold(const std::vector<ScoredExample>& scored, double max_ham_fpr) {
  const RankedScores ranked = RankByScore(scored);
  ThresholdChoice best;
  best.threshold =
      ranked.sorted.empty() ? 0.5 : std::nextafter(ranked.sorted.front().probability, 2.0);
  WalkCuts(ranked, max_ham_fpr, [&](const Cut& cut) {
    if (cut.f1 > best.f1) {
      best.f1 = cut.f1;
      best.ham_false_positive_rate = cut.ham_false_positive_rate;
      best.constraint_met = true;
      // Halfway to the next lower score: the same decisions on this data, with a margin.
      best.threshold = (cut.score + cut.next_lower) / 2.0;
    }
    return true;
  });
  return best;
}

ThresholdChoice LowestThresholdWithin(const std::vector<ScoredExample>& scored, double max_ham_fpr,
                                      double floor) {
  const RankedScores ranked = RankByScore(scored);
  ThresholdChoice choice;
  choice.threshold = ranked.sorted.empty()
                         ? floor
                         : std::max(floor, std::nextafter(ranked.sorted.front().probability, 2.0));
  choice.constraint_met = ranked.ham_total == 0 || ranked.sorted.empty();
  WalkCuts(ranked, max_ham_fpr, [&](const Cut& cut) {
    if (cut.score < floor) return false;
    choice.constraint_met = true;
    choice.f1 = cut.f1;
    choice.ham_false_positive_rate = cut.ham_false_positive_rate;
    // Halfway to the next lower score (but not below the floor): same decisions, a margin.
    choice.threshold = std::max(floor, (cut.score + cut.next_lower) / 2.0);
    return true;
  });
  return choice;
}

ModelMetrics ToModelMetrics(const BinaryMetrics& m) {
  ModelMetrics out;
  out.precision = m.precision;
  out.recall = m.recall;
  out.f1 = m.f1;
  out.mcc = m.mcc;
  out.ham_false_positive_rate = m.ham_false_positive_rate;
  out.roc_auc = m.roc_auc;
  out.calibration_error = m.calibration_error;
  return out;
}

}  // namespace spamguard
