#pragma once
/// What flows from the Dataset to the Loss.
#include <torch/torch.h>

#include <memory>
#include <vector>

namespace modlr {

/// A batch of examples. x: inputs [B, ...]; y: targets [B] (class indices, int64) or
/// [B, ...] (regression values, float32). Both on the run's device.
struct Batch {
  torch::Tensor x;
  torch::Tensor y;
  int64_t size() const { return x.size(0); }
};

/// One example's input as the model receives it, without the batch dimension: [C, H, W]
/// float32 for images, [max_length] int64 for token ids. Lets the models' shapes be checked
/// before any data is read (runner/shape_check.h).
struct ExampleShape {
  std::vector<int64_t> dims;
  torch::Dtype dtype = torch::kFloat32;
};

/// Inputs read on demand, for data larger than memory (dataset.cache): a batch's rows are
/// read and decoded when the loader asks for them. Implementations are thread-safe (the
/// loader's prefetch thread gathers while the model trains).
class LazyRows {
 public:
  virtual ~LazyRows() = default;
  virtual int64_t size() const = 0;
  /// The shape of one row's inputs ([C, H, W] for images).
  virtual std::vector<int64_t> row_shape() const = 0;
  /// Rows `indices` (int64 [B], values in [0, size())) as one input batch [B, row_shape...],
  /// in that order; the same rows always give the same values, cached or not.
  virtual torch::Tensor gather(const torch::Tensor& indices) const = 0;
  /// Rows `indices` of this one as a new LazyRows sharing the reader and its cache.
  virtual std::shared_ptr<const LazyRows> select(const torch::Tensor& indices) const = 0;
};

/// A labelled set, one example per row of `inputs` (or of `lazy`) and `targets`.
struct TensorData {
  TensorData() = default;
  TensorData(torch::Tensor inputs_, torch::Tensor targets_, std::shared_ptr<const LazyRows> lazy_ = nullptr)
      : inputs(std::move(inputs_)), targets(std::move(targets_)), lazy(std::move(lazy_)) {}

  torch::Tensor inputs;                  ///< undefined when `lazy` is set
  torch::Tensor targets;                 ///< always in memory
  std::shared_ptr<const LazyRows> lazy;  ///< inputs read on demand instead of `inputs`
  int64_t size() const {
    if (lazy) return lazy->size();
    return inputs.defined() ? inputs.size(0) : 0;
  }
  /// Rows `indices` (int64 [B]) of the inputs, in memory or read on demand.
  torch::Tensor input_rows(const torch::Tensor& indices) const {
    return lazy ? lazy->gather(indices) : inputs.index_select(0, indices.to(inputs.device()));
  }
  /// The rows `indices` as a set of their own (a view for lazy inputs).
  TensorData select(const torch::Tensor& indices) const {
    if (lazy) return {torch::Tensor(), targets.index_select(0, indices), lazy->select(indices)};
    return {inputs.index_select(0, indices.to(inputs.device())), targets.index_select(0, indices.to(targets.device())),
            nullptr};
  }
};

}  // namespace modlr
