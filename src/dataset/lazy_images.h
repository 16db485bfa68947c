#pragma once
// Images read and decoded when a batch asks for them (dataset.cache: none | N MB), through
// a bounded least-recently-used cache of decoded images. Internal to src/dataset.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "modlr/dataset/batch.h"
#include "modlr/dataset/image_preprocess.h"

namespace modlr {

class LazyImages : public LazyRows {
 public:
  /// Turns one file into uint8 [C, H, W] of `shape`; throws modlr::Error naming the file.
  using Decode = std::function<torch::Tensor(const std::string& path)>;

  /// All of `files`, decoded by `decode` (called from several threads at once), cached up
  /// to `cache_bytes` of decoded pixels (0: no cache), normalised by `*preprocess` (read at
  /// gather time, so it may be fitted after construction but before the first gather).
  static std::shared_ptr<LazyImages> create(std::vector<std::string> files, Decode decode, std::vector<int64_t> shape,
                                            int64_t cache_bytes, std::shared_ptr<const ImagePreprocess> preprocess);

  int64_t size() const override;
  std::vector<int64_t> row_shape() const override;
  /// float32 [B, C, H, W] after preprocessing.
  torch::Tensor gather(const torch::Tensor& indices) const override;
  std::shared_ptr<const LazyRows> select(const torch::Tensor& indices) const override;
  /// uint8 [B, C, H, W], as decoded.
  torch::Tensor gather_raw(const torch::Tensor& indices) const;
  /// Decoded bytes held by the cache shared by this and its selections (<= the budget).
  int64_t cached_bytes() const;

  struct Shared;
  LazyImages(std::shared_ptr<Shared> shared, torch::Tensor index);

 private:
  std::shared_ptr<Shared> shared_;
  torch::Tensor index_;  ///< int64: row i is file index_[i]
};

}  // namespace modlr
