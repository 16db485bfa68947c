#include "modlr/metrics/classification.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "modlr/core/error.h"

namespace mm = modlr::metrics;

namespace {

mm::ConfusionMatrix make_matrix(int k, const std::vector<int64_t>& t, const std::vector<int64_t>& p) {
  mm::ConfusionMatrix cm(k);
  cm.add_batch(t.data(), p.data(), t.size());
  return cm;
}

// O(n_pos * n_neg) definition of AUC, independent of the rank implementation.
double pairwise_auc(const std::vector<float>& s, const std::vector<uint8_t>& pos) {
  double wins = 0.0, pairs = 0.0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!pos[i]) continue;
    for (size_t j = 0; j < s.size(); ++j) {
      if (pos[j]) continue;
      wins += s[i] > s[j] ? 1.0 : (s[i] == s[j] ? 0.5 : 0.0);
      pairs += 1.0;
    }
  }
  return wins / pairs;
}

}  // namespace

TEST(ConfusionMatrix, CountsAndAccessors) {
  mm::ConfusionMatrix cm(3);
  cm.add(0, 0);
  cm.add(0, 2);
  cm.add(2, 1);
  EXPECT_EQ(cm.num_classes(), 3);
  EXPECT_EQ(cm.total(), 3);
  EXPECT_EQ(cm.at(0, 2), 1);
  EXPECT_EQ(cm.target_count(0), 2);
  EXPECT_EQ(cm.predicted_count(1), 1);
  const std::vector<std::vector<int64_t>> expected{{1, 0, 1}, {0, 0, 0}, {0, 1, 0}};
  EXPECT_EQ(cm.rows(), expected);
  cm.reset();
  EXPECT_EQ(cm.total(), 0);
  EXPECT_EQ(cm.at(0, 0), 0);
  EXPECT_EQ(cm.num_classes(), 3);
}

TEST(ConfusionMatrix, InvalidInputThrows) {
  EXPECT_THROW(mm::ConfusionMatrix(0), modlr::Error);
  mm::ConfusionMatrix cm(3);
  EXPECT_THROW(cm.add(3, 0), modlr::Error);
  EXPECT_THROW(cm.add(0, -1), modlr::Error);
  EXPECT_THROW(cm.at(0, 3), modlr::Error);
  EXPECT_THROW(cm.add_batch(nullptr, nullptr, 2), modlr::Error);
  // A bad label late in a batch must not leave the earlier ones counted.
  const std::vector<int64_t> t{0, 1, 5}, p{0, 1, 1};
  EXPECT_THROW(cm.add_batch(t.data(), p.data(), t.size()), modlr::Error);
  EXPECT_EQ(cm.total(), 0);
  EXPECT_EQ(cm.at(0, 0), 0);
}

TEST(ClassificationMetrics, ThreeClassHandWorked) {
  // rows = target, cols = predicted:
  //   t0: [2 1 1]  (4)     column sums: p0=2, p1=4, p2=4
  //   t1: [0 3 1]  (4)     diagonal 2+3+2 = 7 of 10 -> accuracy 0.7
  //   t2: [0 0 2]  (2)
  // P = (2/2, 3/4, 2/4) = (1, .75, .5)  -> macro 2.25/3 = 0.75
  // R = (2/4, 3/4, 2/2) = (.5, .75, 1)  -> macro 0.75
  // F1 = (2*1*.5/1.5, .75, 2*.5*1/1.5) = (2/3, 3/4, 2/3) -> macro (8+9+8)/12/3 = 25/36
  // (F1 of macro P and macro R would be 0.75, so this pins the per-class mean.)
  auto cm = make_matrix(3, {0, 0, 0, 0, 1, 1, 1, 1, 2, 2}, {0, 0, 1, 2, 1, 1, 1, 2, 2, 2});
  EXPECT_DOUBLE_EQ(mm::accuracy(cm), 0.7);
  EXPECT_DOUBLE_EQ(mm::precision_macro(cm), 0.75);
  EXPECT_DOUBLE_EQ(mm::recall_macro(cm), 0.75);
  EXPECT_DOUBLE_EQ(mm::f1_macro(cm), 25.0 / 36.0);
}

TEST(ClassificationMetrics, ClassNeverPredictedCountsAsZero) {
  // targets {0,0,1,1,2}, preds {0,1,1,1,0}:
  //   t0: [1 1 0]   t1: [0 2 0]   t2: [1 0 0]   column sums: 2, 3, 0
  // accuracy 3/5
  // P = (1/2, 2/3, 0 [0/0 -> 0])   -> macro (1/2 + 2/3)/3 = 7/18
  // R = (1/2, 2/2, 0/1)            -> macro 1.5/3 = 0.5
  // F1 = (1/2, 2*(2/3)*1/(5/3) = 4/5, 0) -> macro 1.3/3 = 13/30
  const std::vector<int64_t> t{0, 0, 1, 1, 2}, p{0, 1, 1, 1, 0};
  auto cm = make_matrix(3, t, p);
  EXPECT_DOUBLE_EQ(mm::accuracy(cm), 0.6);
  EXPECT_DOUBLE_EQ(mm::precision_macro(cm), 7.0 / 18.0);
  EXPECT_DOUBLE_EQ(mm::recall_macro(cm), 0.5);
  EXPECT_DOUBLE_EQ(mm::f1_macro(cm), 13.0 / 30.0);

  // A 4th class that occurs nowhere is left out of the averages (sklearn's labels =
  // union of present labels), so the numbers do not change.
  auto cm4 = make_matrix(4, t, p);
  EXPECT_DOUBLE_EQ(mm::precision_macro(cm4), 7.0 / 18.0);
  EXPECT_DOUBLE_EQ(mm::recall_macro(cm4), 0.5);
  EXPECT_DOUBLE_EQ(mm::f1_macro(cm4), 13.0 / 30.0);
}

TEST(ClassificationMetrics, ClassOnlyPredictedCountsAsZero) {
  // targets {0,1}, preds {0,2}: present classes {0,1,2}.
  // P = (1/1, 0/0 -> 0, 0/1) ; R = (1/1, 0/1, 0/0 -> 0) ; F1 = (1, 0, 0) -> all 1/3.
  auto cm = make_matrix(3, {0, 1}, {0, 2});
  EXPECT_DOUBLE_EQ(mm::precision_macro(cm), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(mm::recall_macro(cm), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(mm::f1_macro(cm), 1.0 / 3.0);
}

TEST(ClassificationMetrics, EmptyMatrixThrows) {
  mm::ConfusionMatrix cm(2);
  EXPECT_THROW(mm::accuracy(cm), modlr::Error);
  EXPECT_THROW(mm::precision_macro(cm), modlr::Error);
  EXPECT_THROW(mm::recall_macro(cm), modlr::Error);
  EXPECT_THROW(mm::f1_macro(cm), modlr::Error);
}

TEST(AucBinary, TextbookExample) {
  // Ascending ranks: 0.1->1, 0.35->2, 0.4->3, 0.8->4. Positives (0.35, 0.8) rank sum 6;
  // U = 6 - 2*3/2 = 3; AUC = 3 / (2*2) = 0.75.
  EXPECT_DOUBLE_EQ(mm::auc_roc_binary({0.1f, 0.4f, 0.35f, 0.8f}, {0, 0, 1, 1}), 0.75);
}

TEST(AucBinary, TiesCountHalf) {
  // All equal: every pair is a tie -> 0.5.
  EXPECT_DOUBLE_EQ(mm::auc_roc_binary({0.3f, 0.3f, 0.3f, 0.3f}, {0, 1, 0, 1}), 0.5);
  // scores {0.2, 0.5, 0.5, 0.9}, labels {0, 0, 1, 1}. Pairs (pos, neg):
  //   0.5 vs 0.2 -> 1, 0.5 vs 0.5 -> 1/2, 0.9 vs 0.2 -> 1, 0.9 vs 0.5 -> 1  => 3.5 / 4.
  // Ranks agree: 1, 2.5, 2.5, 4; positive sum 6.5; U = 6.5 - 3 = 3.5.
  EXPECT_DOUBLE_EQ(mm::auc_roc_binary({0.2f, 0.5f, 0.5f, 0.9f}, {0, 0, 1, 1}), 0.875);
}

TEST(AucBinary, PerfectAndReversed) {
  EXPECT_DOUBLE_EQ(mm::auc_roc_binary({0.1f, 0.2f, 0.8f, 0.9f}, {0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(mm::auc_roc_binary({0.1f, 0.2f, 0.8f, 0.9f}, {1, 1, 0, 0}), 0.0);
}

TEST(AucBinary, MatchesPairwiseDefinitionWithManyTies) {
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> level(0, 9);  // few distinct scores -> many ties
  std::bernoulli_distribution coin(0.4);
  std::vector<float> s(300);
  std::vector<uint8_t> pos(300);
  for (size_t i = 0; i < s.size(); ++i) {
    s[i] = static_cast<float>(level(rng)) / 10.0f;
    pos[i] = coin(rng) ? 1 : 0;
  }
  EXPECT_NEAR(mm::auc_roc_binary(s, pos), pairwise_auc(s, pos), 1e-12);
}

TEST(AucBinary, InvalidInputThrows) {
  EXPECT_THROW(mm::auc_roc_binary({}, {}), modlr::Error);
  EXPECT_THROW(mm::auc_roc_binary({0.1f, 0.2f}, {1, 1}), modlr::Error);  // no negatives
  EXPECT_THROW(mm::auc_roc_binary({0.1f, 0.2f}, {0, 0}), modlr::Error);  // no positives
  EXPECT_THROW(mm::auc_roc_binary({0.1f, 0.2f}, {0, 1, 1}), modlr::Error);
  EXPECT_THROW(mm::auc_roc_binary({0.1f, std::nanf("")}, {0, 1}), modlr::Error);
}

TEST(AucOvr, ThreeClassHandWorked) {
  // row (scores for class 0,1,2) -> target
  //   [.6 .3 .1] -> 0   [.2 .5 .3] -> 1   [.1 .2 .7] -> 2   [.3 .4 .3] -> 0   [.5 .2 .3] -> 1
  // class 0: pos {.6, .3} vs neg {.2, .1, .5}: .6 beats 3, .3 beats 2 -> 5/6
  // class 1: pos {.5, .2} vs neg {.3, .2, .4}: .5 beats 3, .2 ties one (1/2) -> 3.5/6 = 7/12
  // class 2: pos {.7} vs neg {.1, .3, .3, .3}: 4/4 = 1
  // macro = (10/12 + 7/12 + 12/12) / 3 = 29/36
  const std::vector<float> scores{.6f, .3f, .1f, .2f, .5f, .3f, .1f, .2f, .7f, .3f, .4f, .3f, .5f, .2f, .3f};
  EXPECT_NEAR(mm::auc_roc_ovr_macro(scores, {0, 1, 2, 0, 1}, 3), 29.0 / 36.0, 1e-12);
}

TEST(AucOvr, ClassWithoutPositivesIsSkipped) {
  // Class 2 never occurs as a target, so it is skipped.
  //   [.7 .2 .1] -> 0   [.3 .6 .1] -> 1   [.2 .5 .3] -> 0   [.5 .3 .2] -> 1
  // class 0: pos {.7, .2} vs neg {.3, .5}: .7 beats 2, .2 beats 0 -> 2/4
  // class 1: pos {.6, .3} vs neg {.2, .5}: .6 beats 2, .3 beats 1 -> 3/4
  // macro over classes {0, 1} = 0.625
  const std::vector<float> scores{.7f, .2f, .1f, .3f, .6f, .1f, .2f, .5f, .3f, .5f, .3f, .2f};
  EXPECT_DOUBLE_EQ(mm::auc_roc_ovr_macro(scores, {0, 1, 0, 1}, 3), 0.625);
}

TEST(AucOvr, InvalidInputThrows) {
  const std::vector<float> scores{.7f, .3f, .4f, .6f};
  // Only class 0 occurs: class 0 has no negatives, class 1 no positives -> none qualify.
  EXPECT_THROW(mm::auc_roc_ovr_macro(scores, {0, 0}, 2), modlr::Error);
  EXPECT_THROW(mm::auc_roc_ovr_macro(scores, {0, 1, 1}, 2), modlr::Error);  // size mismatch
  EXPECT_THROW(mm::auc_roc_ovr_macro(scores, {0, 2}, 2), modlr::Error);     // label range
  EXPECT_THROW(mm::auc_roc_ovr_macro(scores, {0, 1}, 0), modlr::Error);
  EXPECT_DOUBLE_EQ(mm::auc_roc_ovr_macro(scores, {0, 1}, 2), 1.0);
}
