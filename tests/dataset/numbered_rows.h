#pragma once
// Data whose rows say who they are, for the loader's and the data-parallel shards' tests.
#include <gtest/gtest.h>

#include <vector>

#include "modlr/dataset/loader.h"

namespace modlr::testing {

/// `n` rows: row i's input holds the value i and its target is i, so a batch shows which
/// rows it came from.
inline TensorData numbered(int64_t n) {
  return {torch::arange(n, torch::kFloat32).view({n, 1}), torch::arange(n, torch::kInt64)};
}

/// The row indices of each batch of one epoch of `loader` (over numbered() rows; every
/// batch's inputs are checked against its targets on the way).
inline std::vector<std::vector<int64_t>> epoch_rows(BatchLoader& loader) {
  std::vector<std::vector<int64_t>> out;
  loader.start_epoch();
  Batch batch;
  while (loader.next(batch)) {
    EXPECT_TRUE(torch::equal(batch.x.view(-1).to(torch::kInt64), batch.y));
    out.emplace_back(batch.y.data_ptr<int64_t>(), batch.y.data_ptr<int64_t>() + batch.y.numel());
  }
  return out;
}

}  // namespace modlr::testing
