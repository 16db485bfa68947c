#pragma once
// Examples read from their files when a batch asks for them (dataset.cache: none | N MB),
// through a bounded least-recently-used cache of decoded rows: image folders' pixels, text
// folders' token ids. Internal to src/dataset.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "modlr/core/config.h"
#include "modlr/dataset/batch.h"

namespace modlr {

class LazyFiles : public LazyRows {
 public:
  /// Turns one file into its row (a tensor of `shape`: uint8 [C, H, W] pixels, int64 [L]
  /// token ids); throws modlr::Error naming the file. Called from several threads at once.
  using Decode = std::function<torch::Tensor(const std::string& path)>;
  /// Turns a batch of decoded rows into model inputs (an image's normalisation); may read
  /// state fitted after construction, before the first gather.
  using Finish = std::function<torch::Tensor(const torch::Tensor& rows)>;

  /// All of `files`, decoded by `decode` into rows of `shape` and `dtype`, cached up to
  /// `cache_bytes` of decoded rows (0: no cache), finished by `finish`.
  static std::shared_ptr<LazyFiles> create(std::vector<std::string> files, Decode decode, std::vector<int64_t> shape,
                                           torch::ScalarType dtype, int64_t cache_bytes, Finish finish);

  int64_t size() const override;
  std::vector<int64_t> row_shape() const override;
  /// finish(gather_raw(indices)).
  torch::Tensor gather(const torch::Tensor& indices) const override;
  std::shared_ptr<const LazyRows> select(const torch::Tensor& indices) const override;
  /// The decoded rows [B, shape...], as decode made them.
  torch::Tensor gather_raw(const torch::Tensor& indices) const;
  /// Decoded bytes held by the cache shared by this and its selections (<= the budget).
  int64_t cached_bytes() const;

  struct Shared;
  LazyFiles(std::shared_ptr<Shared> shared, torch::Tensor index);

 private:
  std::shared_ptr<Shared> shared_;
  torch::Tensor index_;  ///< int64: row i is file index_[i]
};

/// dataset.cache of a folder source: -1 for `memory` (the default: everything decoded at
/// load), else the cache budget in bytes (`none` = 0, a number = that many MB). Errors name
/// the key.
int64_t read_cache_option(const Config& section);

}  // namespace modlr
