#pragma once
// Examples read from their files when a batch asks for them (dataset.cache: none | N MB),
// through a bounded least-recently-used cache of decoded rows: an image file's or an IDX or
// CIFAR record's pixels, a text's token ids, a CSV record's values. Internal to src/dataset.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "modlr/dataset/batch.h"
#include "modlr/dataset/read_options.h"
#include "modlr/formats/seekable_file.h"

namespace modlr {

class LazyExamples : public LazyRows {
 public:
  /// Reads and decodes example `item` (0 <= item < count) into its row, a tensor of `shape`
  /// (uint8 [C, H, W] pixels, int64 [L] token ids); throws modlr::Error naming the file (and
  /// the record). Called from several threads at once.
  using Decode = std::function<torch::Tensor(int64_t item)>;
  /// Turns a batch of decoded rows into model inputs (an image's normalisation); may read
  /// state fitted after construction, before the first gather.
  using Finish = std::function<torch::Tensor(const torch::Tensor& rows)>;

  /// Examples 0..count-1, decoded by `decode` into rows of `shape` and `dtype`, cached up to
  /// `cache_bytes` of decoded rows (0: no cache), finished by `finish`.
  static std::shared_ptr<LazyExamples> create(int64_t count, Decode decode, std::vector<int64_t> shape,
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
  LazyExamples(std::shared_ptr<Shared> shared, torch::Tensor index);

 private:
  std::shared_ptr<Shared> shared_;
  torch::Tensor index_;  ///< int64: row i is example index_[i]
};

/// Fixed-size records of pixels in files (IDX images, CIFAR-10 batches): `count` records of
/// `record_bytes` from `first_offset` on, each with its uint8 pixels at `pixel_offset`.
struct RecordFilePart {
  std::shared_ptr<const formats::SeekableFile> file;
  uint64_t first_offset = 0, record_bytes = 0, pixel_offset = 0;
  int64_t count = 0;
};

/// A Decode for the records of `parts` numbered in order (part 0's first, then part 1's...),
/// each row uint8 of `shape` (which has as many elements as a record has pixels).
LazyExamples::Decode record_file_decode(std::vector<RecordFilePart> parts, std::vector<int64_t> shape);

/// The rows [first, first + count) of `all` with their `targets`, as a lazily read split.
TensorData lazy_split(const std::shared_ptr<LazyExamples>& all, const torch::Tensor& targets, int64_t first,
                      int64_t count);

}  // namespace modlr
