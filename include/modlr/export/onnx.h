#pragma once
/// ONNX export: a model becomes an ONNX model (opset 17, IR version 8) with one input
/// "input" [batch, ...] and one output "output" [batch, ...], the batch dimension symbolic
/// so any batch size runs. A SequentialModel's layers are each translated by the exporter
/// registered for its type name (layer_type_name: "Conv2d", "Linear", "ReLU", ...), so
/// supporting a new layer is one registration:
///
///   MODLR_REGISTER(modlr::onnx_exporters, "Tanh",
///                  [](modlr::OnnxGraph& g, const modlr::LayerView& layer, const std::string& x) {
///                    return g.add_node("Tanh", {x}, layer.name);
///                  });
///
/// A model that is not a list of layers (the token-id classifiers: RnnClassifier,
/// TransformerClassifier) is translated whole by the exporter registered for its type name
/// in onnx_model_exporters(); its input is int64 token ids [batch, sequence], both symbolic.
///
/// The bytes are protobuf written by modlr itself (formats/protobuf.h), no libprotobuf or
/// libonnx: their headers clash with those bundled in PyPI's torch. Before anything is
/// written the graph is checked for what makes a model invalid whatever its operators
/// (every value defined once, before use; the output produced); the test suite runs ONNX's
/// own checker, strict shape inference and ONNX Runtime on every exported model
/// (tools/onnx/check_onnx.py).
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "modlr/core/registry.h"
#include "modlr/dataset/input_normalization.h"
#include "modlr/model/model.h"

namespace modlr {

/// An ONNX node attribute: INT, FLOAT, INTS or STRING.
using OnnxAttribute = std::variant<int64_t, float, std::vector<int64_t>, std::string>;

/// The ONNX graph under construction, handed to layer exporters.
class OnnxGraph {
 public:
  OnnxGraph();
  ~OnnxGraph();
  OnnxGraph(const OnnxGraph&) = delete;
  OnnxGraph& operator=(const OnnxGraph&) = delete;

  /// Stores `tensor` (float32 or int64; copied, made contiguous, moved to CPU) as an
  /// initializer called `name` and returns `name`. Names must be unique: exporters use the
  /// state_dict names ("conv1.weight"). Throws modlr::Error for other dtypes or a duplicate.
  std::string add_initializer(const std::string& name, const torch::Tensor& tensor);
  /// Adds a node of `op_type` (default ONNX domain) reading `inputs` ("" = an omitted
  /// optional input) and writing the new value `output`; returns `output`.
  std::string add_node(const std::string& op_type, const std::vector<std::string>& inputs, const std::string& output,
                       const std::map<std::string, OnnxAttribute>& attributes = {});
  /// add_node() for operators with several outputs (LSTM: Y, Y_h); the node is named after
  /// the first output.
  void add_multi_output_node(const std::string& op_type, const std::vector<std::string>& inputs,
                             const std::vector<std::string>& outputs,
                             const std::map<std::string, OnnxAttribute>& attributes = {});

  struct Impl;  ///< the nodes and tensors; defined in src/export/onnx_graph.cpp
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

/// Translates one layer: adds the nodes that compute it from value `input`, returns the
/// name of its output value. Throws modlr::Error naming the layer for options ONNX (or the
/// exporter) cannot express.
using OnnxExporterRegistry = Registry<std::string, OnnxGraph&, const LayerView&, const std::string&>;
/// The exporters by layer type name (built-ins: Linear, Conv2d, ConvTranspose2d, BatchNorm2d,
/// ReLU, LeakyReLU, Tanh, Sigmoid, MaxPool2d, MaxPool2x2, AvgPool2d, Flatten, Unflatten,
/// Dropout, Identity).
OnnxExporterRegistry& onnx_exporters();

/// How a whole model is translated (see above): the element type of its input, whether the
/// input's first dimension after the batch is a symbolic "sequence" (any length), and the
/// function that adds the nodes computing the model from value "input" and returns the name
/// of its output value. It throws modlr::Error naming the model for options ONNX cannot
/// express. The model is in evaluation mode (dropout is the identity).
struct OnnxModelExporter {
  torch::Dtype input_dtype = torch::kFloat32;
  bool symbolic_sequence = false;
  std::function<std::string(OnnxGraph&, Model&, const std::string& input)> add_nodes;
  /// Further int64 inputs [batch, <name>_sequence] (both dimensions symbolic) after
  /// "input", which add_nodes reads by these names (a translator's target "prefix").
  std::vector<std::string> more_inputs;
  /// When set: the output's dimensions after the batch, the first written as the symbolic
  /// "output_sequence", instead of a dry run of forward() (a translator's forward() searches;
  /// its graph scores a given prefix: logits [batch, steps, vocabulary]).
  std::function<std::vector<int64_t>(Model&)> output_dims;

  /// An exporter whose input is int64 token ids [batch, sequence], both symbolic.
  static OnnxModelExporter token_ids(std::function<std::string(OnnxGraph&, Model&, const std::string&)> add_nodes) {
    OnnxModelExporter exporter;
    exporter.input_dtype = torch::kInt64;
    exporter.symbolic_sequence = true;
    exporter.add_nodes = std::move(add_nodes);
    return exporter;
  }
};
using OnnxModelExporterRegistry = Registry<OnnxModelExporter>;
/// The whole-model exporters by model type name (built-ins: RnnClassifier for
/// lstm_classifier and gru_classifier, TransformerClassifier, TransformerTranslator).
OnnxModelExporterRegistry& onnx_model_exporters();

/// The ONNX model for `model` as serialised protobuf bytes. `example_shape` is one
/// example's shape without the batch dimension ([1, 28, 28] for MNIST images). The model
/// is switched to evaluation mode and run once on zeros to learn the output shape.
/// With `preprocessing`, the graph starts with it (Cast, Div, Sub, Div), so its input is
/// raw data of `preprocessing->raw_dtype` (uint8 pixels) rather than the normalised tensor.
/// Throws modlr::Error if the model is neither a SequentialModel nor has a whole-model
/// exporter, if preprocessing is asked of a model reading token ids, names the first layer
/// with no registered exporter (or options it cannot express), or the value the graph check
/// finds undefined or defined twice.
std::string export_onnx(Model& model, const std::vector<int64_t>& example_shape,
                        const InputNormalization* preprocessing = nullptr);

/// export_onnx(), then an atomic write to `path` (nothing is written if export fails).
void write_onnx(Model& model, const std::vector<int64_t>& example_shape, const std::string& path,
                const InputNormalization* preprocessing = nullptr);

}  // namespace modlr
