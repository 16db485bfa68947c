// Training-batch augmentation: the crop moves pixels by the drawn offset (zeros come in from
// the padding), the flip mirrors, the draws are torch::randint from the augmenter's own
// seeded generator, only the training loader augments, and a resumed loader continues the
// augmentation stream exactly.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include "cifar_fixture.h"
#include "modlr/core/error.h"
#include "modlr/dataset/augment.h"
#include "modlr/dataset/dataset.h"
#include "test_support.h"

using modlr::AugmentOptions;
using modlr::Batch;
using modlr::BatchAugmenter;
using modlr::BatchLoader;
namespace mt = modlr::testing;

namespace {

// [B, C, 5, 6] where pixel (b, c, h, w) = 1000b + 100c + 10h + w + 1 (never 0).
torch::Tensor numbered_images(int64_t b, int64_t c) {
  auto x = torch::empty({b, c, 5, 6});
  auto a = x.accessor<float, 4>();
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < c; ++j)
      for (int64_t h = 0; h < 5; ++h)
        for (int64_t w = 0; w < 6; ++w) a[i][j][h][w] = static_cast<float>(1000 * i + 100 * j + 10 * h + w + 1);
  return x;
}

AugmentOptions augment_options(int64_t padding, bool hflip) {
  AugmentOptions o;
  o.crop_padding = padding;
  o.hflip = hflip;
  return o;
}

modlr::TensorData images_data(int64_t n) { return {numbered_images(n, 2), torch::arange(n, torch::kInt64)}; }

std::vector<torch::Tensor> epoch_inputs(BatchLoader& loader) {
  std::vector<torch::Tensor> out;
  loader.start_epoch();
  for (Batch batch; loader.next(batch);) out.push_back(batch.x.clone());
  return out;
}

}  // namespace

TEST(Augment, CropShiftsByTheOffsetAndPadsWithZeros) {
  const auto x = numbered_images(2, 2);
  // Padding 2: offset (dy, dx) = (3, 0) for image 0 moves content up 1 and right 2;
  // image 1 gets (2, 2), the identity.
  const auto offsets = torch::tensor({3, 2, 0, 2}, torch::kInt64).view({2, 2});
  const auto y = modlr::crop_and_flip(x, 2, offsets, torch::Tensor());
  ASSERT_EQ(y.sizes(), x.sizes());
  EXPECT_TRUE(torch::equal(y[1], x[1]));
  auto a = y.accessor<float, 4>();
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t h = 0; h < 5; ++h)
      for (int64_t w = 0; w < 6; ++w) {
        // out(h, w) = in(h + 1, w - 2), zero where that is outside the image.
        const int64_t sh = h + 1, sw = w - 2;
        const float expected = sh < 5 && sw >= 0 ? static_cast<float>(100 * c + 10 * sh + sw + 1) : 0.0f;
        EXPECT_EQ(a[0][c][h][w], expected) << c << " " << h << " " << w;
      }
}

TEST(Augment, FlipMirrorsLeftRightAfterTheCrop) {
  const auto x = numbered_images(2, 3);
  const auto flips = torch::tensor({1, 0}, torch::kInt64);
  const auto y = modlr::crop_and_flip(x, 0, torch::Tensor(), flips);
  EXPECT_TRUE(torch::equal(y[0], x[0].flip({2})));
  EXPECT_TRUE(torch::equal(y[1], x[1]));
  // Crop then flip: out(h, w) = padded(dy + h, dx + W - 1 - w).
  const auto offsets = torch::tensor({1, 1, 0, 1}, torch::kInt64).view({2, 2});  // (1, 0), (1, 1)
  const auto z = modlr::crop_and_flip(x, 1, offsets, flips);
  const auto padded = torch::constant_pad_nd(x, {1, 1, 1, 1}, 0);
  EXPECT_TRUE(torch::equal(z[0], padded[0].narrow(1, 1, 5).narrow(2, 0, 6).flip({2})));
  EXPECT_TRUE(torch::equal(z[1], x[1]));
}

TEST(Augment, DrawsAreTorchRandintFromTheAugmentGenerator) {
  // The contract the PyTorch twin repeats: offsets randint(0, 2P+1, {2, B}), then flips
  // randint(0, 2, {B}), from a generator seeded with augment_seed(run seed).
  const auto x = numbered_images(4, 2);
  BatchAugmenter augmenter(augment_options(2, true), modlr::augment_seed(9));
  const auto y = augmenter.apply(x);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(modlr::augment_seed(9));
  const auto offsets = torch::randint(0, 5, {2, 4}, generator, torch::kInt64);
  const auto flips = torch::randint(0, 2, {4}, generator, torch::kInt64);
  EXPECT_TRUE(torch::equal(y, modlr::crop_and_flip(x, 2, offsets, flips)));
  EXPECT_EQ(modlr::augment_seed(9), 9 + 0x9E3779B97F4A7C15ULL);
}

TEST(Augment, SameSeedSameBatchesOtherSeedOthers) {
  const auto x = numbered_images(16, 2);
  BatchAugmenter a(augment_options(2, true), 1), b(augment_options(2, true), 1), c(augment_options(2, true), 2);
  const auto a1 = a.apply(x), a2 = a.apply(x);
  EXPECT_TRUE(torch::equal(a1, b.apply(x)));
  EXPECT_TRUE(torch::equal(a2, b.apply(x)));
  EXPECT_FALSE(torch::equal(a1, a2));  // the stream moves on
  EXPECT_FALSE(torch::equal(a1, c.apply(x)));
  EXPECT_FALSE(torch::equal(a1, x));
  EXPECT_THROW(a.apply(torch::zeros({4, 10})), modlr::Error);
}

TEST(Augment, OnlyTheTrainingLoaderAugmentsAndTestDataIsUntouched) {
  mt::TempDir dir;
  mt::write_synthetic_cifar(dir.path(), 20, 10);
  auto config = modlr::Config::parse("dataset:\n  name: cifar10\n  path: " + dir.path() +
                                         "\n  batch_size: 8\n  eval_batch_size: 8\n"
                                         "  extra_test_files: {more: [test_batch_first1000]}\n"
                                         "  augment: {crop_padding: 4, hflip: true}\n",
                                     "a.yaml");
  modlr::Dataset dataset(config.section("dataset"), 5);
  dataset.load();
  const auto test_before = dataset.data(modlr::Split::test).inputs.clone();
  auto test_loader = dataset.loader(modlr::Split::test);
  EXPECT_TRUE(torch::equal(torch::cat(epoch_inputs(*test_loader)), test_before));
  auto extra_loader = dataset.extra_test_loader("more");
  EXPECT_TRUE(torch::equal(torch::cat(epoch_inputs(*extra_loader)), dataset.extra_tests()[0].data.inputs));
  EXPECT_TRUE(torch::equal(dataset.data(modlr::Split::test).inputs, test_before));
  // The training loader's batches are the shuffled rows, cropped and flipped.
  auto train = dataset.loader(modlr::Split::train);
  const auto batches = epoch_inputs(*train);
  const auto rows = train->permutation().narrow(0, 0, 8);
  EXPECT_FALSE(torch::equal(batches[0], dataset.data(modlr::Split::train).inputs.index_select(0, rows)));
}

TEST(Augment, ResumedLoaderContinuesTheAugmentationStream) {
  modlr::LoaderOptions o;
  o.batch_size = 4;
  o.shuffle = true;
  o.prefetch = 2;  // prefetching must not move the augmentation stream
  o.seed = 11;
  o.augment = augment_options(1, true);
  BatchLoader original(images_data(14), o);
  epoch_inputs(original);  // epoch 1
  original.start_epoch();
  Batch batch;
  original.next(batch);
  original.next(batch);
  const auto state = original.state();
  ASSERT_TRUE(state.augment_generator.defined());
  std::vector<torch::Tensor> rest;
  for (Batch b; original.next(b);) rest.push_back(b.x.clone());
  const auto next_epoch = epoch_inputs(original);

  BatchLoader resumed(images_data(14), o);
  resumed.resume_epoch(state);
  std::vector<torch::Tensor> resumed_rest;
  for (Batch b; resumed.next(b);) resumed_rest.push_back(b.x.clone());
  ASSERT_EQ(resumed_rest.size(), rest.size());
  for (size_t i = 0; i < rest.size(); ++i) EXPECT_TRUE(torch::equal(resumed_rest[i], rest[i])) << i;
  const auto resumed_next = epoch_inputs(resumed);
  for (size_t i = 0; i < next_epoch.size(); ++i) EXPECT_TRUE(torch::equal(resumed_next[i], next_epoch[i])) << i;

  modlr::LoaderOptions plain = o;
  plain.augment = AugmentOptions();
  BatchLoader no_augment(images_data(14), plain);
  EXPECT_THROW(no_augment.resume_epoch(state), modlr::Error);  // the checkpoint augments, this loader not
}
