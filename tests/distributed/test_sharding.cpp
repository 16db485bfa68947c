// The data-parallel loader shards and the metric merges, against their single-process twins.
#include <gtest/gtest.h>

#include "dataset/numbered_rows.h"
#include "modlr/dataset/loader.h"
#include "modlr/metrics/suite.h"

namespace {

using modlr::Batch;
using modlr::BatchLoader;
using modlr::LoaderOptions;
using modlr::testing::epoch_rows;
using modlr::testing::numbered;

LoaderOptions sharded(int64_t batch, int64_t rank, int64_t ranks, bool drop_last) {
  LoaderOptions o;
  o.batch_size = batch;
  o.shuffle = true;
  o.drop_last = drop_last;
  o.prefetch = rank % 2;  // with and without the prefetch thread
  o.seed = 11;
  o.shard_rank = rank;
  o.shard_count = ranks;
  return o;
}

// Global batch i of N ranks with batch b = batch i of one process with batch N * b, cut
// into N consecutive slices; the short last batch is spread (sizes differ by at most one).
TEST(DataParallelSharding, RanksTogetherSeeTheSingleProcessBatches) {
  const int64_t n = 103, b = 8, ranks = 3;
  BatchLoader whole(numbered(n), sharded(b * ranks, 0, 1, false));
  const auto expected = epoch_rows(whole);
  std::vector<std::vector<std::vector<int64_t>>> per_rank;
  for (int64_t r = 0; r < ranks; ++r) {
    BatchLoader loader(numbered(n), sharded(b, r, ranks, false));
    EXPECT_EQ(loader.batches_per_epoch(), whole.batches_per_epoch());
    per_rank.push_back(epoch_rows(loader));
  }
  ASSERT_EQ(expected.size(), 5u);  // 4 x 24 + 7
  for (size_t i = 0; i < expected.size(); ++i) {
    std::vector<int64_t> joined;
    for (int64_t r = 0; r < ranks; ++r) joined.insert(joined.end(), per_rank[r][i].begin(), per_rank[r][i].end());
    EXPECT_EQ(joined, expected[i]) << "global batch " << i;
  }
  // The last global batch holds 103 - 96 = 7 rows: 3, 2, 2.
  EXPECT_EQ(per_rank[0][4].size(), 3u);
  EXPECT_EQ(per_rank[1][4].size(), 2u);
  EXPECT_EQ(per_rank[2][4].size(), 2u);
}

TEST(DataParallelSharding, AShortLastBatchCanLeaveARankEmptyOrBeDropped) {
  const int64_t n = 17, b = 4, ranks = 4;  // 16 + 1: the last global batch has one row
  for (int64_t r = 0; r < ranks; ++r) {
    BatchLoader loader(numbered(n), sharded(b, r, ranks, false));
    const auto rows = epoch_rows(loader);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].size(), r == 0 ? 1u : 0u);
    BatchLoader dropping(numbered(n), sharded(b, r, ranks, true));
    EXPECT_EQ(epoch_rows(dropping).size(), 1u);
  }
}

TEST(DataParallelSharding, GlobalBatchSizesAreWhatTheWeightsUse) {
  BatchLoader loader(numbered(10), sharded(2, 1, 2, false));
  EXPECT_EQ(loader.global_batch_examples(0), 4);
  EXPECT_EQ(loader.global_batch_examples(2), 2);
  EXPECT_EQ(loader.global_batch_examples(3), 0);
  loader.start_epoch();
  Batch batch;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(loader.next(batch));
  EXPECT_EQ(loader.last_global_examples(), 2);
  EXPECT_EQ(batch.size(), 1);
}

// Merging the shards' metric suites gives the metrics of the whole split.
TEST(DataParallelSharding, MergedMetricsEqualTheWholeSplits) {
  torch::manual_seed(3);
  const auto logits = torch::randn({90, 4});
  const auto classes = torch::randint(0, 4, {90}, torch::kInt64);
  const std::vector<std::string> names{"accuracy", "f1_macro", "auc_roc", "confusion_matrix"};
  modlr::MetricSuite whole(modlr::Task::classification, names), merged(modlr::Task::classification, names);
  whole.update(logits, classes);
  for (int64_t start : {0, 40, 70}) {
    const int64_t length = start == 70 ? 20 : (start == 0 ? 40 : 30);
    auto part = merged.empty_like();
    part.update(logits.narrow(0, start, length), classes.narrow(0, start, length));
    merged.merge(part);
  }
  EXPECT_EQ(merged.compute(), whole.compute());
  EXPECT_EQ(merged.confusion_matrix(), whole.confusion_matrix());

  const auto predicted = torch::randn({50}), target = torch::randn({50}) * 3 + 1;
  modlr::MetricSuite r_whole(modlr::Task::regression, {"mse", "mae", "r2"});
  auto r_merged = r_whole.empty_like();
  r_whole.update(predicted, target);
  for (int64_t start : {0, 17}) {
    auto part = r_whole.empty_like();
    part.update(predicted.narrow(0, start, start == 0 ? 17 : 33), target.narrow(0, start, start == 0 ? 17 : 33));
    r_merged.merge(part);
  }
  const auto a = r_whole.compute(), b = r_merged.compute();
  for (const auto& [name, value] : a) EXPECT_NEAR(b.at(name), value, 1e-12 * std::max(1.0, std::abs(value))) << name;
}

}  // namespace
