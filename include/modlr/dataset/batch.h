#pragma once
/// What flows from the Dataset to the Loss.
#include <torch/torch.h>

namespace modlr {

/// A batch of examples. x: inputs [B, ...]; y: targets [B] (class indices, int64) or
/// [B, ...] (regression values, float32). Both on the run's device.
struct Batch {
  torch::Tensor x;
  torch::Tensor y;
  int64_t size() const { return x.size(0); }
};

/// A labelled set held in memory, one example per row of `inputs` and `targets`.
struct TensorData {
  torch::Tensor inputs;
  torch::Tensor targets;
  int64_t size() const { return inputs.defined() ? inputs.size(0) : 0; }
};

}  // namespace modlr
