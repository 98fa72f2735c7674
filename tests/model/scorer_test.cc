#include "model/scorer.h"

#include <gtest/gtest.h>

namespace spamguard {
namespace {

Reason RuleReason(const std::string& code, double score) { return Reason{code, "test", score, {}}; }

TEST(ScorerTest, WithoutRulesTheProbabilityIsTheModelsOwn) {
  const Assessment a = Score(0.3, {}, SitePolicy{});
  EXPECT_DOUBLE_EQ(a.spam_probability, 0.3);
  ASSERT_EQ(a.reasons.size(), 1u);
  EXPECT_EQ(a.reasons[0].code, "model");
  EXPECT_LT(a.reasons[0].score, 0);  // 0.3 pushes toward ham
}

TEST(ScorerTest, TheModelReasonNamesItsEvidence) {
  ModelEvidence evidence;
  evidence.words = {"whatsapp", "love"};
  evidence.spans = {{4, 12}, {20, 24}};
  const Assessment a = Score(0.9, {}, SitePolicy{}, evidence);
  ASSERT_EQ(a.reasons.size(), 1u);
  EXPECT_EQ(a.reasons[0].description,
            "The text model rates the wording 90% likely to be spam; the words weighing most: "
            "\"whatsapp\", \"love\".");
  EXPECT_EQ(a.reasons[0].spans, evidence.spans);
  EXPECT_EQ(Score(0.9, {}, SitePolicy{}).reasons[0].description,
            "The text model rates the wording 90% likely to be spam.");
  // At most kMaxReasonSpans spans.
  evidence.spans.assign(40, Span{0, 1});
  EXPECT_EQ(Score(0.9, {}, SitePolicy{}, evidence).reasons[0].spans.size(), kMaxReasonSpans);
}

TEST(ScorerTest, RuleScoresAddInLogOdds) {
  const Assessment a = Score(0.5, {RuleReason("phone-number", 2.0)}, SitePolicy{});
  EXPECT_NEAR(a.spam_probability, Sigmoid(2.0), 1e-12);
}

TEST(ScorerTest, NegativeRulesPullTowardHam) {
  const Assessment a = Score(0.9, {RuleReason("trusted-role", -10.0)}, SitePolicy{});
  EXPECT_EQ(a.verdict, Verdict::kHam);
}

TEST(ScorerTest, ReasonsAreOrderedStrongestFirst) {
  const Assessment a =
      Score(0.6, {RuleReason("weak", 0.5), RuleReason("strong", 4.0), RuleReason("ham", -1.0)},
            SitePolicy{});
  ASSERT_EQ(a.reasons.size(), 4u);
  EXPECT_EQ(a.reasons[0].code, "strong");
  EXPECT_EQ(a.reasons[1].code, "ham");
  EXPECT_EQ(a.reasons[2].code, "weak");
  EXPECT_EQ(a.reasons[3].code, "model");
}

Reason Bounded(const std::string& code, double score, Verdict at_least, Verdict at_most) {
  Reason reason = RuleReason(code, score);
  reason.at_least = at_least;
  reason.at_most = at_most;
  return reason;
}

// api.md: a filled honeypot means a bot; a -6 honeypot-like score used to leave "Great post"
// from a bot HAM when the model was sure of it.
TEST(ScorerTest, AFloorRaisesTheVerdictButNotTheProbability) {
  const Assessment a =
      Score(0.001, {Bounded("honeypot", 6.0, Verdict::kSpam, Verdict::kDiscard)}, SitePolicy{});
  EXPECT_EQ(a.verdict, Verdict::kSpam);
  EXPECT_NEAR(a.spam_probability, Sigmoid(Logit(0.001) + 6.0), 1e-12);
  EXPECT_LT(a.spam_probability, 0.5);
  // A floor never lowers a harsher verdict.
  EXPECT_EQ(
      Score(0.999, {Bounded("honeypot", 6.0, Verdict::kSpam, Verdict::kDiscard)}, SitePolicy{})
          .verdict,
      Verdict::kDiscard);
}

// api.md: trusted roles are ham. A -6 score alone let an administrator's comment with a phone
// number and spam words reach DISCARD.
TEST(ScorerTest, ACeilingCapsTheVerdictAndWinsOverAFloor) {
  const Reason trusted = Bounded("trusted-role", -6.0, Verdict::kHam, Verdict::kHam);
  const Assessment capped = Score(0.999, {RuleReason("love-back", 8.0), trusted}, SitePolicy{});
  EXPECT_GT(capped.spam_probability, 0.98);
  EXPECT_EQ(capped.verdict, Verdict::kHam);
  const Assessment both = Score(
      0.5, {Bounded("honeypot", 6.0, Verdict::kSpam, Verdict::kDiscard), trusted}, SitePolicy{});
  EXPECT_EQ(both.verdict, Verdict::kHam);
  const Assessment hold_cap =
      Score(0.999, {Bounded("cap", 0, Verdict::kHam, Verdict::kHold)}, SitePolicy{});
  EXPECT_EQ(hold_cap.verdict, Verdict::kHold);
}

// api.md: DISCARD is safe to drop unseen. The model's wording alone once dropped readers'
// comments ("Subscribe to the RSS feed if you want new posts without the emails." 0.99).
TEST(ScorerTest, TheModelAloneCannotDiscardUnlessThePolicySaysSo) {
  const Assessment alone = Score(0.999, {}, SitePolicy{});
  EXPECT_EQ(alone.verdict, Verdict::kSpam);
  EXPECT_DOUBLE_EQ(alone.spam_probability, 0.999);
  // A rule that weighs toward ham corroborates nothing.
  EXPECT_EQ(Score(0.9999, {RuleReason("reference-links-only", -0.1)}, SitePolicy{}).verdict,
            Verdict::kSpam);
  // A rule of its own weight with the rules adding up toward spam, or a floor, is evidence
  // besides the wording. A link or a phone number only says the comment has one: a reader's
  // "Ring them on 0113 496 0127 ... fixed my gate for free" was rated 0.99 by the model.
  EXPECT_EQ(Score(0.999, {RuleReason("family", kMinDiscardEvidence)}, SitePolicy{}).verdict,
            Verdict::kDiscard);
  EXPECT_EQ(Score(0.999, {RuleReason("has-link", 0.3)}, SitePolicy{}).verdict, Verdict::kSpam);
  EXPECT_EQ(Score(0.9999,
                  {RuleReason("has-link", 0.3), RuleReason("phone-number", 0.4),
                   RuleReason("call-whatsapp", 0.9)},
                  SitePolicy{})
                .verdict,
            Verdict::kSpam);
  EXPECT_EQ(
      Score(0.999, {RuleReason("has-link", 0.3), RuleReason("markup-links", 1.5)}, SitePolicy{})
          .verdict,
      Verdict::kDiscard);
  // ... and a link that the reference-links rule outweighs is none.
  EXPECT_EQ(
      Score(0.9999, {RuleReason("markup-links", 1.5), RuleReason("reference-links-only", -2.5)},
            SitePolicy{})
          .verdict,
      Verdict::kSpam);
  EXPECT_EQ(
      Score(0.999, {Bounded("family", 0, Verdict::kHold, Verdict::kDiscard)}, SitePolicy{}).verdict,
      Verdict::kDiscard);
  SitePolicy trusting;
  trusting.model_alone_can_discard = true;
  EXPECT_EQ(Score(0.999, {}, trusting).verdict, Verdict::kDiscard);
  // Below the discard threshold nothing changes.
  EXPECT_EQ(Score(0.9, {}, SitePolicy{}).verdict, Verdict::kSpam);
  EXPECT_EQ(Score(0.6, {}, SitePolicy{}).verdict, Verdict::kHold);
}

TEST(ScorerTest, ACommentThatOffersNoContactIsAtMostSpam) {
  const std::vector<Reason> family = {Bounded("vashikaran", 3.0, Verdict::kHold, Verdict::kDiscard),
                                      RuleReason("love-problem-solution", 2.5)};
  const Assessment quoted = Score(0.9, family, SitePolicy{}, {}, /*offers_contact=*/false);
  EXPECT_EQ(quoted.verdict, Verdict::kSpam);
  EXPECT_GT(quoted.spam_probability, 0.99);  // the evidence is reported as it is
  EXPECT_EQ(Score(0.9, family, SitePolicy{}, {}, /*offers_contact=*/true).verdict,
            Verdict::kDiscard);
  // Not even a policy that lets the model alone discard lifts it.
  SitePolicy trusting;
  trusting.model_alone_can_discard = true;
  EXPECT_EQ(Score(0.9999, {}, trusting, {}, /*offers_contact=*/false).verdict, Verdict::kSpam);
  // Below DISCARD nothing changes.
  EXPECT_EQ(Score(0.6, {}, SitePolicy{}, {}, /*offers_contact=*/false).verdict, Verdict::kHold);
}

TEST(ScorerTest, VerdictFollowsThePolicyThresholds) {
  SitePolicy policy;
  policy.hold_threshold = 0.4;
  policy.spam_threshold = 0.7;
  policy.discard_threshold = 0.95;
  EXPECT_EQ(VerdictFor(0.39, policy), Verdict::kHam);
  EXPECT_EQ(VerdictFor(0.40, policy), Verdict::kHold);
  EXPECT_EQ(VerdictFor(0.70, policy), Verdict::kSpam);
  EXPECT_EQ(VerdictFor(0.95, policy), Verdict::kDiscard);
}

TEST(ScorerTest, AStricterSiteTurnsTheSameScoreIntoAHarsherVerdict) {
  SitePolicy strict;
  strict.hold_threshold = 0.2;
  strict.spam_threshold = 0.3;
  EXPECT_EQ(Score(0.35, {}, SitePolicy{}).verdict, Verdict::kHam);
  EXPECT_EQ(Score(0.35, {}, strict).verdict, Verdict::kSpam);
}

TEST(ScorerTest, ExtremeModelProbabilitiesStayFinite) {
  const Assessment a = Score(1.0, {RuleReason("allowlist", -20.0)}, SitePolicy{});
  EXPECT_GT(a.spam_probability, 0.0);
  EXPECT_LT(a.spam_probability, 0.5);
}

}  // namespace
}  // namespace spamguard
