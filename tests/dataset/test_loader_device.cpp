// Data on the device (dataset.device): a loader over data on a GPU hands out exactly the
// batches a loader over the same data on the CPU does (shuffled, augmented, resumed), and a
// loader cutting into pinned memory too. Runs where a GPU is; elsewhere it skips (the CPU
// path is the same code, run by every other loader test).
#include <gtest/gtest.h>

#include <torch/cuda.h>

#include "modlr/dataset/loader.h"

using modlr::Batch;
using modlr::BatchLoader;
using modlr::LoaderOptions;
using modlr::TensorData;

namespace {

TensorData images(int64_t n) {
  auto x = torch::rand({n, 3, 8, 8}, torch::TensorOptions().dtype(torch::kFloat32));
  return {x, torch::arange(n, torch::kInt64)};
}

LoaderOptions augmenting(bool pin = false) {
  LoaderOptions o;
  o.batch_size = 16;
  o.shuffle = true;
  o.prefetch = 0;
  o.seed = 11;
  o.augment.crop_padding = 2;
  o.augment.hflip = true;
  o.pin_memory = pin;
  return o;
}

// Every batch of `epochs` epochs, on the CPU.
std::vector<Batch> batches(BatchLoader& loader, int epochs) {
  std::vector<Batch> out;
  for (int e = 0; e < epochs; ++e) {
    loader.start_epoch();
    Batch batch;
    while (loader.next(batch)) out.push_back({batch.x.cpu(), batch.y.cpu()});
  }
  return out;
}

void expect_same_batches(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i].x, b[i].x)) << "batch " << i;
    EXPECT_TRUE(torch::equal(a[i].y, b[i].y)) << "batch " << i;
  }
}

}  // namespace

TEST(LoaderOnDevice, GpuResidentDataGivesTheCpuBatchesBitForBit) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto data = images(100);
  BatchLoader on_cpu(data, augmenting());
  BatchLoader on_gpu({data.inputs.cuda(), data.targets.cuda()}, augmenting());
  BatchLoader pinned(data, augmenting(/*pin=*/true));
  const auto expected = batches(on_cpu, 2);
  expect_same_batches(expected, batches(on_gpu, 2));
  expect_same_batches(expected, batches(pinned, 2));
  Batch batch;
  pinned.start_epoch();
  ASSERT_TRUE(pinned.next(batch));
  EXPECT_TRUE(batch.x.is_pinned());
}

TEST(LoaderOnDevice, AResumedGpuLoaderContinuesAsTheCpuOne) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto data = images(100);
  BatchLoader on_cpu(data, augmenting());
  BatchLoader on_gpu({data.inputs.cuda(), data.targets.cuda()}, augmenting());
  on_gpu.start_epoch();
  Batch batch;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(on_gpu.next(batch));
  BatchLoader resumed({data.inputs.cuda(), data.targets.cuda()}, augmenting());
  resumed.resume_epoch(on_gpu.state());
  on_cpu.start_epoch();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(on_cpu.next(batch));
  Batch a, b;
  while (on_cpu.next(a)) {
    ASSERT_TRUE(resumed.next(b));
    EXPECT_TRUE(torch::equal(a.x, b.x.cpu()));
  }
}
