// Length bucketing (LoaderOptions::bucket_by): every example once per epoch, batches cut
// from length-sorted pools in a drawn order, the partial batch last, less padding than
// unbucketed batches, the same batches from the same seed and after a resume, and the
// config key checked against the source's fields.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "modlr/dataset/loader.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

// 203 examples, x = row index, lengths 1..40 in a scrambled order.
modlr::TensorData lengths_data() {
  const int64_t n = 203;
  auto lengths = (torch::arange(n, torch::kInt64) * 37 % 40) + 1;
  return {torch::arange(n, torch::kInt64), torch::zeros({n}, torch::kInt64), nullptr, {{"lengths", lengths}}};
}

std::vector<modlr::Batch> epoch(modlr::BatchLoader& loader) {
  std::vector<modlr::Batch> out;
  loader.start_epoch();
  for (modlr::Batch b; loader.next(b);) out.push_back(b);
  return out;
}

// Padding per batch: sum over rows of (the batch's longest - the row's length).
int64_t padding(const std::vector<modlr::Batch>& batches) {
  int64_t total = 0;
  for (const auto& b : batches) {
    const auto l = b.fields.at("lengths");
    total += (l.max() - l).sum().item<int64_t>();
  }
  return total;
}

}  // namespace

TEST(Bucketing, BatchesAreSlicesOfLengthSortedPoolsInADrawnOrder) {
  modlr::LoaderOptions o;
  o.batch_size = 16;
  o.shuffle = true;
  o.seed = 7;
  o.bucket_by = "lengths";
  o.bucket_pool = 100;  // one pool: each batch is a run of the sorted lengths
  modlr::BatchLoader loader(lengths_data(), o);
  const auto batches = epoch(loader);
  ASSERT_EQ(batches.size(), 13u);
  EXPECT_EQ(batches.back().size(), 203 - 12 * 16);  // the partial batch stays last
  std::vector<int64_t> seen;
  for (const auto& b : batches) seen.insert(seen.end(), b.x.data_ptr<int64_t>(), b.x.data_ptr<int64_t>() + b.size());
  std::sort(seen.begin(), seen.end());
  std::vector<int64_t> all(203);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(seen, all);
  // Sorted together, the full batches' length ranges do not overlap but at their ends, and
  // they come in a shuffled order (not shortest first).
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (size_t i = 0; i + 1 < batches.size(); ++i) {
    const auto l = batches[i].fields.at("lengths");
    ranges.emplace_back(l.min().item<int64_t>(), l.max().item<int64_t>());
  }
  auto sorted = ranges;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i + 1 < sorted.size(); ++i) EXPECT_LE(sorted[i].second, sorted[i + 1].first);
  EXPECT_NE(sorted, ranges);

  modlr::LoaderOptions plain = o;
  plain.bucket_by.clear();
  modlr::BatchLoader unbucketed(lengths_data(), plain);
  EXPECT_LT(padding(batches) * 5, padding(epoch(unbucketed)));
}

TEST(Bucketing, SameSeedSameBatchesAndAResumeContinuesThem) {
  modlr::LoaderOptions o;
  o.batch_size = 10;
  o.shuffle = true;
  o.seed = 3;
  o.bucket_by = "lengths";
  o.bucket_pool = 4;  // pools of 40: several sorted runs
  modlr::BatchLoader a(lengths_data(), o), b(lengths_data(), o);
  const auto first = epoch(a), again = epoch(b);
  ASSERT_EQ(first.size(), again.size());
  for (size_t i = 0; i < first.size(); ++i) EXPECT_TRUE(torch::equal(first[i].x, again[i].x));
  // Three batches into the second epoch, a new loader resumes from the state.
  a.start_epoch();
  modlr::Batch batch;
  for (int i = 0; i < 3; ++i) a.next(batch);
  const auto state = a.state();
  std::vector<modlr::Batch> rest_a, rest_b;
  while (a.next(batch)) rest_a.push_back(batch);
  modlr::BatchLoader resumed(lengths_data(), o);
  resumed.resume_epoch(state);
  while (resumed.next(batch)) rest_b.push_back(batch);
  ASSERT_EQ(rest_a.size(), rest_b.size());
  for (size_t i = 0; i < rest_a.size(); ++i) EXPECT_TRUE(torch::equal(rest_a[i].x, rest_b[i].x));
  const auto next_a = epoch(a), next_b = epoch(resumed);
  for (size_t i = 0; i < next_a.size(); ++i) EXPECT_TRUE(torch::equal(next_a[i].x, next_b[i].x));
}

TEST(Bucketing, AFieldTheSourceLacksIsNamed) {
  modlr::LoaderOptions o;
  o.shuffle = true;
  o.bucket_by = "target_lengths";
  EXPECT_EQ(mt::error_message([&] { modlr::BatchLoader(lengths_data(), o); }),
            "bucket_by 'target_lengths': the data source delivers no int64 [N] field of that name");
  mt::TempDir dir;
  mt::write_synthetic_idx(dir.file("d"), 40, 10);
  const auto message = mt::dataset_error("dataset:\n  path: " + dir.file("d") + "\n  bucket_by: lengths\n");
  EXPECT_NE(message.find("dataset.bucket_by"), std::string::npos) << message;
  EXPECT_NE(message.find("fields: none"), std::string::npos) << message;
}
