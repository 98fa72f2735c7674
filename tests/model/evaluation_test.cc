#include "model/evaluation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace spamguard {
namespace {

std::vector<ScoredExample> Examples(std::initializer_list<std::pair<double, bool>> items) {
  std::vector<ScoredExample> out;
  for (const auto& [p, spam] : items) out.push_back({p, spam});
  return out;
}

TEST(EvaluationTest, ConfusionMatrixCountsAtThreshold) {
  const auto scored = Examples({{0.9, true}, {0.6, false}, {0.4, true}, {0.1, false}, {0.5, true}});
  const ConfusionMatrix c = Confuse(scored, 0.5);
  EXPECT_EQ(c.true_positives, 2);   // 0.9 and 0.5 (>= threshold counts as spam)
  EXPECT_EQ(c.false_positives, 1);  // 0.6
  EXPECT_EQ(c.false_negatives, 1);  // 0.4
  EXPECT_EQ(c.true_negatives, 1);   // 0.1
}

TEST(EvaluationTest, RatiosMatchHandComputedValues) {
  // TP=6 FP=2 TN=10 FN=2.
  ConfusionMatrix c;
  c.true_positives = 6;
  c.false_positives = 2;
  c.true_negatives = 10;
  c.false_negatives = 2;
  BinaryMetrics m;
  FillRatios(c, m);
  EXPECT_DOUBLE_EQ(m.accuracy, 16.0 / 20.0);
  EXPECT_DOUBLE_EQ(m.precision, 0.75);
  EXPECT_DOUBLE_EQ(m.recall, 0.75);
  EXPECT_DOUBLE_EQ(m.f1, 0.75);
  EXPECT_DOUBLE_EQ(m.ham_false_positive_rate, 2.0 / 12.0);
  EXPECT_NEAR(m.mcc, (6.0 * 10 - 2.0 * 2) / std::sqrt(8.0 * 8 * 12 * 12), 1e-12);
}

TEST(EvaluationTest, EmptyDenominatorsGiveZeroNotNan) {
  BinaryMetrics m;
  FillRatios(ConfusionMatrix{}, m);
  EXPECT_EQ(m.precision, 0);
  EXPECT_EQ(m.recall, 0);
  EXPECT_EQ(m.f1, 0);
  EXPECT_EQ(m.mcc, 0);
}

TEST(EvaluationTest, FiguresOfAMissingClassAreUndefined) {
  ConfusionMatrix ham_only;
  ham_only.false_positives = 1;
  ham_only.true_negatives = 9;
  const DefinedFigures without_spam = DefinedFiguresOf(ham_only);
  EXPECT_FALSE(without_spam.precision);
  EXPECT_FALSE(without_spam.recall);
  EXPECT_FALSE(without_spam.f1);
  EXPECT_FALSE(without_spam.mcc);
  EXPECT_FALSE(without_spam.roc_auc);
  EXPECT_TRUE(without_spam.ham_false_positive_rate);

  ConfusionMatrix spam_only;
  spam_only.true_positives = 3;
  spam_only.false_negatives = 2;
  const DefinedFigures without_ham = DefinedFiguresOf(spam_only);
  EXPECT_TRUE(without_ham.precision);
  EXPECT_TRUE(without_ham.recall);
  EXPECT_TRUE(without_ham.f1);
  EXPECT_FALSE(without_ham.mcc);
  EXPECT_FALSE(without_ham.roc_auc);
  EXPECT_FALSE(without_ham.ham_false_positive_rate);
}

TEST(EvaluationTest, PrecisionIsUndefinedWhenNothingIsPredictedSpam) {
  ConfusionMatrix none_flagged;
  none_flagged.false_negatives = 4;
  none_flagged.true_negatives = 6;
  const DefinedFigures defined = DefinedFiguresOf(none_flagged);
  EXPECT_FALSE(defined.precision);
  EXPECT_TRUE(defined.recall);
  EXPECT_TRUE(defined.f1);
  EXPECT_TRUE(defined.mcc);
  EXPECT_TRUE(defined.roc_auc);
}

TEST(EvaluationTest, RocAucIsOneForPerfectRankingAndHalfForTies) {
  EXPECT_DOUBLE_EQ(RocAuc(Examples({{0.9, true}, {0.8, true}, {0.2, false}})), 1.0);
  EXPECT_DOUBLE_EQ(RocAuc(Examples({{0.1, true}, {0.8, false}})), 0.0);
  EXPECT_DOUBLE_EQ(RocAuc(Examples({{0.5, true}, {0.5, false}})), 0.5);
  // One spam above both hams, one between them: (2 + 1) / 4.
  EXPECT_DOUBLE_EQ(RocAuc(Examples({{0.9, true}, {0.5, true}, {0.7, false}, {0.1, false}})), 0.75);
  EXPECT_DOUBLE_EQ(RocAuc(Examples({{0.9, true}})), 0.5);  // one class only
}

TEST(EvaluationTest, CalibrationErrorIsZeroWhenBinsMatchFrequencies) {
  // Bin [0.2, 0.3): mean 0.25, 1 spam of 4 -> 0 error. Bin [0.7,0.8): mean 0.75, 3 of 4.
  const auto calibrated = Examples({{0.25, true},
                                    {0.25, false},
                                    {0.25, false},
                                    {0.25, false},
                                    {0.75, true},
                                    {0.75, true},
                                    {0.75, true},
                                    {0.75, false}});
  EXPECT_NEAR(ExpectedCalibrationError(calibrated), 0.0, 1e-12);
  // Everything at 0.9 but only half spam: error 0.4.
  const auto overconfident = Examples({{0.9, true}, {0.9, false}});
  EXPECT_NEAR(ExpectedCalibrationError(overconfident), 0.4, 1e-12);
}

TEST(EvaluationTest, ProbabilityOneFallsInTheLastBin) {
  EXPECT_NEAR(ExpectedCalibrationError(Examples({{1.0, true}})), 0.0, 1e-12);
}

TEST(EvaluationTest, PlattFitRecoversAKnownLogisticRelation) {
  // Labels drawn deterministically so that P(spam | x) = sigmoid(2x - 1) in each bucket.
  std::vector<ScoredExample> raw;
  for (int bucket = -6; bucket <= 6; ++bucket) {
    const double x = bucket * 0.5;
    const double p = 1 / (1 + std::exp(-(2 * x - 1)));
    const int spam = static_cast<int>(std::lround(p * 1000));
    const double raw_probability = 1 / (1 + std::exp(-x));  // logit(raw) == x
    for (int i = 0; i < 1000; ++i) raw.push_back({raw_probability, i < spam});
  }
  Result<PlattCalibration> fit = FitPlatt(raw);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  EXPECT_NEAR(fit->slope, 2.0, 0.02);
  EXPECT_NEAR(fit->intercept, -1.0, 0.02);
}

TEST(EvaluationTest, PlattFitStaysFiniteOnSeparableData) {
  Result<PlattCalibration> fit = FitPlatt(Examples({{0.99, true}, {0.98, true}, {0.02, false}}));
  ASSERT_TRUE(fit.ok());
  EXPECT_TRUE(std::isfinite(fit->slope));
  EXPECT_GT(fit->slope, 0);
  EXPECT_GT(fit->Apply(0.99), fit->Apply(0.02));
}

TEST(EvaluationTest, PlattFitNeedsBothClasses) {
  EXPECT_FALSE(FitPlatt(Examples({{0.9, true}, {0.8, true}})).ok());
}

TEST(EvaluationTest, ThresholdRespectsTheHamFalsePositiveLimit) {
  // 100 hams at 0.1 except one at 0.95; spam at 0.9 (10) and 0.3 (2).
  std::vector<ScoredExample> scored;
  for (int i = 0; i < 99; ++i) scored.push_back({0.1, false});
  scored.push_back({0.95, false});
  for (int i = 0; i < 10; ++i) scored.push_back({0.9, true});
  scored.push_back({0.3, true});
  scored.push_back({0.3, true});
  // FPR <= 1% allows the one ham at 0.95; the best F1 then takes all spam down to 0.3.
  const ThresholdChoice loose = ChooseThreshold(scored, 0.01);
  EXPECT_TRUE(loose.constraint_met);
  EXPECT_GT(loose.threshold, 0.1);
  EXPECT_LE(loose.threshold, 0.3);
  EXPECT_NEAR(loose.f1, 2.0 * 12 / (2 * 12 + 1), 1e-12);
  // FPR 0 forbids the 0.95 ham: nothing can be flagged without it, so no feasible F1.
  const ThresholdChoice strict = ChooseThreshold(scored, 0.0);
  EXPECT_FALSE(strict.constraint_met);
  EXPECT_GT(strict.threshold, 0.95);
}

TEST(EvaluationTest, ThresholdLiesBetweenScoresSoDecisionsAreUnchanged) {
  const auto scored = Examples({{0.8, true}, {0.6, true}, {0.2, false}, {0.1, false}});
  const ThresholdChoice choice = ChooseThreshold(scored, 0.0);
  EXPECT_DOUBLE_EQ(choice.threshold, 0.4);
  EXPECT_DOUBLE_EQ(choice.f1, 1.0);
  EXPECT_EQ(Confuse(scored, choice.threshold).false_positives, 0);
}

TEST(EvaluationTest, LowestThresholdWithinCatchesAllSpamTheBudgetAllows) {
  // 100 hams at 0.1 except one at 0.7; spam at 0.9 (10) and 0.6 (2). With a 1% budget the
  // 0.7 ham is allowed, so the threshold falls to take the 0.6 spam too.
  std::vector<ScoredExample> scored;
  for (int i = 0; i < 99; ++i) scored.push_back({0.1, false});
  scored.push_back({0.7, false});
  for (int i = 0; i < 10; ++i) scored.push_back({0.9, true});
  scored.push_back({0.6, true});
  scored.push_back({0.6, true});
  const ThresholdChoice choice = LowestThresholdWithin(scored, 0.01, 0.5);
  EXPECT_TRUE(choice.constraint_met);
  EXPECT_GE(choice.threshold, 0.5);
  EXPECT_LE(choice.threshold, 0.6);
  EXPECT_EQ(Confuse(scored, choice.threshold).false_negatives, 0);
  EXPECT_DOUBLE_EQ(choice.ham_false_positive_rate, 0.01);
}

TEST(EvaluationTest, LowestThresholdWithinNeverGoesBelowTheFloor) {
  const auto scored = Examples({{0.9, true}, {0.3, true}, {0.1, false}});
  const ThresholdChoice choice = LowestThresholdWithin(scored, 0.0, 0.5);
  EXPECT_TRUE(choice.constraint_met);
  EXPECT_GE(choice.threshold, 0.5);  // the 0.3 spam stays below it
  EXPECT_LT(choice.threshold, 0.9);
  EXPECT_EQ(Confuse(scored, choice.threshold).false_negatives, 1);
}

TEST(EvaluationTest, LowestThresholdWithinReportsAnUnmeetableBudget) {
  const auto scored = Examples({{0.95, false}, {0.9, true}, {0.1, false}});
  const ThresholdChoice choice = LowestThresholdWithin(scored, 0.0, 0.5);
  EXPECT_FALSE(choice.constraint_met);
  EXPECT_GT(choice.threshold, 0.95);
}

}  // namespace
}  // namespace spamguard
