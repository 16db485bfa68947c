#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <set>

#include "dataset/numbered_rows.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/loader.h"

using modlr::Batch;
using modlr::BatchLoader;
using modlr::LoaderOptions;
using modlr::TensorData;
using modlr::testing::epoch_rows;
using modlr::testing::numbered;

namespace {

LoaderOptions loader_options(int64_t batch, bool shuffle, bool drop_last, int64_t prefetch, uint64_t seed = 5) {
  LoaderOptions o;
  o.batch_size = batch;
  o.shuffle = shuffle;
  o.drop_last = drop_last;
  o.prefetch = prefetch;
  o.seed = seed;
  return o;
}

}  // namespace

TEST(BatchLoader, EveryExampleOncePerEpoch) {
  BatchLoader loader(numbered(103), loader_options(10, true, false, 2));
  EXPECT_EQ(loader.batches_per_epoch(), 11);
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::multiset<int64_t> seen;
    auto batches = epoch_rows(loader);
    ASSERT_EQ(batches.size(), 11u);
    EXPECT_EQ(batches.back().size(), 3u);
    for (const auto& rows : batches) seen.insert(rows.begin(), rows.end());
    EXPECT_EQ(seen.size(), 103u);
    EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 103u);
  }
}

TEST(BatchLoader, SameSeedSameOrderAndEpochsDiffer) {
  BatchLoader a(numbered(50), loader_options(8, true, false, 0));
  BatchLoader b(numbered(50), loader_options(8, true, false, 3));  // prefetch must not change order
  const auto a1 = epoch_rows(a), a2 = epoch_rows(a);
  const auto b1 = epoch_rows(b), b2 = epoch_rows(b);
  EXPECT_EQ(a1, b1);
  EXPECT_EQ(a2, b2);
  EXPECT_NE(a1, a2);
  BatchLoader c(numbered(50), loader_options(8, true, false, 0, /*seed=*/6));
  EXPECT_NE(epoch_rows(c), a1);
}

TEST(BatchLoader, PermutationIsTorchRandpermOfASeededGenerator) {
  // The contract the PyTorch twins rely on: torch.randperm(n, generator=Generator(seed)).
  BatchLoader loader(numbered(20), loader_options(20, true, false, 0, 42));
  auto generator = at::make_generator<at::CPUGeneratorImpl>(42);
  const auto first = torch::randperm(20, generator, torch::kLong);
  const auto second = torch::randperm(20, generator, torch::kLong);
  EXPECT_TRUE(torch::equal(torch::tensor(epoch_rows(loader).front()), first));
  EXPECT_TRUE(torch::equal(torch::tensor(epoch_rows(loader).front()), second));
}

TEST(BatchLoader, DropLastAndNoShuffle) {
  BatchLoader loader(numbered(25), loader_options(10, false, true, 1));
  EXPECT_EQ(loader.batches_per_epoch(), 2);
  const auto batches = epoch_rows(loader);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0], (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(batches[1].front(), 10);
}

TEST(BatchLoader, AbandoningAnEpochMidwayIsSafe) {
  BatchLoader loader(numbered(100), loader_options(5, true, false, 2));
  loader.start_epoch();
  Batch batch;
  ASSERT_TRUE(loader.next(batch));
  EXPECT_EQ(epoch_rows(loader).size(), 20u);  // restarting discards prefetched batches
  loader.start_epoch();
  ASSERT_TRUE(loader.next(batch));  // destructor with a live prefetch thread must join
}

TEST(Splits, TakeFirstAndSeededValidationSplit) {
  const auto data = numbered(100);
  EXPECT_EQ(modlr::take_first(data, 30).size(), 30);
  EXPECT_EQ(modlr::take_first(data, 0).size(), 100);
  auto [kept, held] = modlr::split_off(data, 0.2, 9);
  EXPECT_EQ(held.size(), 20);
  EXPECT_EQ(kept.size(), 80);
  std::set<int64_t> all;
  for (const auto* part : {&kept, &held}) {
    auto t = part->targets;
    EXPECT_TRUE(torch::equal(t, std::get<0>(t.sort())));  // original order kept
    all.insert(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
  }
  EXPECT_EQ(all.size(), 100u);
  auto [kept2, held2] = modlr::split_off(data, 0.2, 9);
  EXPECT_TRUE(torch::equal(held.targets, held2.targets));
  auto [kept3, held3] = modlr::split_off(data, 0.2, 10);
  EXPECT_FALSE(torch::equal(held.targets, held3.targets));
}

TEST(BatchLoader, ResumingFromAStateReplaysTheRestExactly) {
  BatchLoader original(numbered(50), loader_options(8, true, false, 2));
  epoch_rows(original);  // epoch 1
  original.start_epoch();
  Batch batch;
  original.next(batch), original.next(batch);
  const auto saved = original.state();
  EXPECT_EQ(saved.next_batch, 2);
  std::vector<std::vector<int64_t>> rest;
  while (original.next(batch))
    rest.emplace_back(batch.y.data_ptr<int64_t>(), batch.y.data_ptr<int64_t>() + batch.y.numel());
  const auto next_epoch = epoch_rows(original);

  BatchLoader resumed(numbered(50), loader_options(8, true, false, 0));
  resumed.resume_epoch(saved);
  std::vector<std::vector<int64_t>> replay;
  while (resumed.next(batch))
    replay.emplace_back(batch.y.data_ptr<int64_t>(), batch.y.data_ptr<int64_t>() + batch.y.numel());
  EXPECT_EQ(replay, rest);
  EXPECT_EQ(epoch_rows(resumed), next_epoch);
}
