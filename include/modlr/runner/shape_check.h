#pragma once
/// Shapes before data: every model runs once on an empty batch (zero examples of the shape
/// the data source declares: no data read, no arithmetic, the weights untouched), so that a
/// model that does not fit its data, or two layers that do not fit each other, fail in well
/// under a second with one line, before any data is loaded or step taken. (An empty batch
/// rather than meta tensors: libtorch's C++ library lacks meta kernels for most layers,
/// convolution and ReLU among them, which PyTorch registers from Python; an empty batch
/// also runs on whatever device holds the weights.)
/// `modlr train` runs it before loading the data (after, for sources whose shape depends on
/// the data); `modlr summary` prints its trace.
#include <cstdint>
#include <string>
#include <vector>

#include "modlr/dataset/batch.h"
#include "modlr/model/model_set.h"

namespace modlr {

/// One layer's output in a trace.
struct LayerShape {
  std::string name;             ///< "fc1"
  std::string type;             ///< "Linear"
  std::vector<int64_t> output;  ///< batch dimension first
  int64_t parameters = 0;       ///< in the layer and its sublayers
};

/// One model's trace: the input it was given and each layer's output, in forward order.
struct ModelShapes {
  std::string model;
  std::vector<int64_t> input;
  std::vector<LayerShape> layers;
};

/// Runs each model of `models`, in evaluation mode, on an empty batch [0, example.dims...]
/// of example.dtype (or of the model's own input_shape(): a generator's noise) on the
/// device of its weights; the trace reports batch dimensions as `batch`. Training mode is
/// restored afterwards. Throws modlr::Error naming the model, the layer and both
/// shapes: "model 'model': layer 'fc1' (Linear) expects [N, 400], gets Float [64, 256]
/// (one example from the data set: Float [1, 28, 28])". Not thread-safe with training the
/// same models.
std::vector<ModelShapes> trace_shapes(ModelSet& models, const ExampleShape& example, int64_t batch);

}  // namespace modlr
