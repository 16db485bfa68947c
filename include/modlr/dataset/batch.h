#pragma once
/// What flows from the Dataset to the Loss.
#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "modlr/core/error.h"

namespace modlr {

/// Named per-example tensors beside the input and target, each [B, ...] with its rows
/// aligned with theirs: what a task needs that is neither (a translation pair's source
/// lengths, a conditional model's class, per-example weights). Names are the source's.
using BatchFields = std::map<std::string, torch::Tensor>;

/// A batch of examples. x: inputs [B, ...]; y: targets [B] (class indices, int64) or
/// [B, ...] (regression values, float32); fields: the source's further named tensors. All
/// on the run's device. Models read x; a Loss reads whatever its task needs, by name.
struct Batch {
  Batch() = default;
  Batch(torch::Tensor x_, torch::Tensor y_, BatchFields fields_ = {})
      : x(std::move(x_)), y(std::move(y_)), fields(std::move(fields_)) {}

  torch::Tensor x;
  torch::Tensor y;
  BatchFields fields;
  int64_t size() const { return x.size(0); }
  /// "input" is x, "target" is y, any other name a field; throws modlr::Error naming the
  /// field and the ones the batch has when it has no such field.
  const torch::Tensor& get(const std::string& name) const {
    if (name == "input") return x;
    if (name == "target") return y;
    const auto found = fields.find(name);
    if (found != fields.end()) return found->second;
    std::string known = "input, target";
    for (const auto& field : fields) known += ", " + field.first;
    throw Error("batch field '" + name + "' is not delivered by this data source (fields: " + known + ")");
  }
  /// This batch with every tensor replaced by f(tensor): a device move, pinning.
  Batch map(const std::function<torch::Tensor(const torch::Tensor&)>& f) const {
    Batch out(f(x), f(y));
    for (const auto& [name, field] : fields) out.fields.emplace(name, f(field));
    return out;
  }
};

/// fields' rows `indices` (int64 [B]), each indexed on its own device.
inline BatchFields select_rows(const BatchFields& fields, const torch::Tensor& indices) {
  BatchFields out;
  for (const auto& [name, field] : fields) out.emplace(name, field.index_select(0, indices.to(field.device())));
  return out;
}

/// fields' rows [start, start + length).
inline BatchFields narrow_rows(const BatchFields& fields, int64_t start, int64_t length) {
  BatchFields out;
  for (const auto& [name, field] : fields) out.emplace(name, field.narrow(0, start, length));
  return out;
}

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

/// A labelled set, one example per row of `inputs` (or of `lazy`), `targets` and each field.
struct TensorData {
  TensorData() = default;
  TensorData(torch::Tensor inputs_, torch::Tensor targets_, std::shared_ptr<const LazyRows> lazy_ = nullptr,
             BatchFields fields_ = {})
      : inputs(std::move(inputs_)), targets(std::move(targets_)), lazy(std::move(lazy_)), fields(std::move(fields_)) {}

  torch::Tensor inputs;                  ///< undefined when `lazy` is set
  torch::Tensor targets;                 ///< always in memory
  std::shared_ptr<const LazyRows> lazy;  ///< inputs read on demand instead of `inputs`
  BatchFields fields;                    ///< always in memory, beside `targets`
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
    if (lazy)
      return {torch::Tensor(), targets.index_select(0, indices), lazy->select(indices), select_rows(fields, indices)};
    return {inputs.index_select(0, indices.to(inputs.device())), targets.index_select(0, indices.to(targets.device())),
            nullptr, select_rows(fields, indices)};
  }
  /// Every tensor passed through `f` (a device move); the inputs must be in memory.
  TensorData map(const std::function<torch::Tensor(const torch::Tensor&)>& f) const {
    BatchFields mapped;
    for (const auto& [name, field] : fields) mapped.emplace(name, f(field));
    return {f(inputs), f(targets), nullptr, std::move(mapped)};
  }
};

}  // namespace modlr
