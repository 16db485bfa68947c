#pragma once
/// ONNX export: a SequentialModel becomes an ONNX model (opset 17, IR version 8) with one
/// float input "input" [batch, ...] and one output "output" [batch, ...], the batch
/// dimension symbolic so any batch size runs. Every layer is translated by the exporter
/// registered for its type name (layer_type_name: "Conv2d", "Linear", "ReLU", ...), so
/// supporting a new layer is one registration:
///
///   MODLR_REGISTER(modlr::onnx_exporters, "Tanh",
///                  [](modlr::OnnxGraph& g, const modlr::LayerView& layer, const std::string& x) {
///                    return g.add_node("Tanh", {x}, layer.name);
///                  });
///
/// The bytes are protobuf written by modlr itself (formats/protobuf.h), no libprotobuf or
/// libonnx: their headers clash with those bundled in PyPI's torch. Before anything is
/// written the graph is checked for what makes a model invalid whatever its operators
/// (every value defined once, before use; the output produced); the test suite runs ONNX's
/// own checker, strict shape inference and ONNX Runtime on every exported model
/// (tools/onnx/check_onnx.py).
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

/// The ONNX model for `model` as serialised protobuf bytes. `example_shape` is one
/// example's shape without the batch dimension ([1, 28, 28] for MNIST images). The model
/// is switched to evaluation mode and run once on zeros to learn the output shape.
/// With `preprocessing`, the graph starts with it (Cast, Div, Sub, Div), so its input is
/// raw data of `preprocessing->raw_dtype` (uint8 pixels) rather than the normalised tensor.
/// Throws modlr::Error if the model is not a SequentialModel, names the first layer with
/// no registered exporter (or options it cannot express), or the value the graph check
/// finds undefined or defined twice.
std::string export_onnx(Model& model, const std::vector<int64_t>& example_shape,
                        const InputNormalization* preprocessing = nullptr);

/// export_onnx(), then an atomic write to `path` (nothing is written if export fails).
void write_onnx(Model& model, const std::vector<int64_t>& example_shape, const std::string& path,
                const InputNormalization* preprocessing = nullptr);

}  // namespace modlr
