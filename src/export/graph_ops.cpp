// Compound ONNX operations for the whole-model exporters (graph_ops.h).
#include "graph_ops.h"

#include <limits>

#include "modlr/core/error.h"

namespace modlr::onnx_ops {

namespace {
constexpr int64_t kOnnxFloat = 1, kOnnxInt64 = 7;  // TensorProto.DataType
}  // namespace

GraphOps::GraphOps(OnnxGraph& graph, Model& model) : graph_(graph), model_(model) {}

std::string GraphOps::op(const std::string& type, const std::vector<std::string>& inputs, const std::string& output,
                         const std::map<std::string, OnnxAttribute>& attributes) {
  return graph_.add_node(type, inputs, output, attributes);
}

torch::Tensor GraphOps::tensor(const std::string& name) const {
  // named_parameters() returns a dictionary by value: find() points into it, so it is kept alive here.
  const auto parameters = model_.named_parameters();
  if (const auto* p = parameters.find(name)) return *p;
  const auto buffers = model_.named_buffers();
  if (const auto* b = buffers.find(name)) return *b;
  throw Error("cannot export model of type '" + layer_type_name(model_) + "' to ONNX: it has no tensor '" + name + "'");
}

std::string GraphOps::weight(const std::string& name) {
  if (constants_.insert(name).second) graph_.add_initializer(name, tensor(name));
  return name;
}

std::string GraphOps::weight_rows(const std::string& name, int64_t chunk, int64_t chunks) {
  auto part = name + "." + std::to_string(chunk);
  if (constants_.insert(part).second)
    graph_.add_initializer(part, tensor(name).chunk(chunks).at(static_cast<size_t>(chunk)));
  return part;
}

std::string GraphOps::ints(const std::string& name, const std::vector<int64_t>& values) {
  if (constants_.insert(name).second) graph_.add_initializer(name, torch::tensor(values, torch::kInt64));
  return name;
}

std::string GraphOps::int_scalar(const std::string& name, int64_t value) {
  if (constants_.insert(name).second) graph_.add_initializer(name, torch::tensor(value, torch::kInt64));
  return name;
}

std::string GraphOps::float_scalar(const std::string& name, float value) {
  if (constants_.insert(name).second) graph_.add_initializer(name, torch::tensor(value, torch::kFloat32));
  return name;
}

std::string GraphOps::linear(const std::string& x, const std::string& prefix, bool two_dimensional) {
  return linear(x, prefix + ".weight", prefix + ".bias", prefix, two_dimensional);
}

std::string GraphOps::linear(const std::string& x, const std::string& weight_name, const std::string& bias_name,
                             const std::string& output, bool two_dimensional) {
  const auto w = weight(weight_name);
  const bool has_bias = constants_.count(bias_name) > 0 || model_.named_parameters().contains(bias_name);
  if (two_dimensional) {
    std::vector<std::string> inputs{x, w};
    if (has_bias) inputs.push_back(weight(bias_name));
    return op("Gemm", inputs, output, {{"transB", int64_t{1}}});
  }
  const auto transposed = op("Transpose", {w}, output + ".weight_t", {{"perm", std::vector<int64_t>{1, 0}}});
  const auto product = op("MatMul", {x, transposed}, has_bias ? output + ".matmul" : output);
  return has_bias ? op("Add", {product, weight(bias_name)}, output) : product;
}

std::string GraphOps::layer_norm(const std::string& x, const std::string& prefix) {
  return op("LayerNormalization", {x, weight(prefix + ".weight"), weight(prefix + ".bias")}, prefix,
            {{"axis", int64_t{-1}}, {"epsilon", 1e-5f}});
}

std::string GraphOps::token_lengths(const std::string& ids, const std::string& name) {
  const auto padding = op("Equal", {ids, int_scalar("const.zero", 0)}, name + ".is_padding");
  const auto real =
      op("Cast", {op("Not", {padding}, name + ".is_token")}, name + ".is_token_int", {{"to", kOnnxInt64}});
  const auto counts = op("ReduceSum", {real, ints("const.axis1", {1})}, name + ".count", {{"keepdims", int64_t{0}}});
  return op("Max", {counts, int_scalar("const.one", 1)}, name + ".lengths");
}

std::string GraphOps::step_range(const std::string& ids, const std::string& name) {
  const auto shape = op("Shape", {ids}, name + ".shape");
  const auto steps = op("Gather", {shape, int_scalar("const.one", 1)}, name + ".steps", {{"axis", int64_t{0}}});
  return op("Range", {int_scalar("const.zero", 0), steps, int_scalar("const.one", 1)}, name + ".range");
}

std::string GraphOps::valid_steps(const std::string& ids, const std::string& lengths, const std::string& name) {
  const auto row = op("Unsqueeze", {step_range(ids, name), ints("const.axis0", {0})}, name + ".range_row");  // [1, T]
  const auto column = op("Unsqueeze", {lengths, ints("const.axis1", {1})}, name + ".length_column");         // [N, 1]
  return op("Less", {row, column}, name + ".valid");
}

std::string GraphOps::masked_mean(const std::string& outputs, const std::string& valid, const std::string& lengths) {
  const auto weights = op("Cast", {op("Unsqueeze", {valid, ints("const.axis2", {2})}, outputs + ".valid3")},
                          outputs + ".valid_float", {{"to", kOnnxFloat}});
  const auto masked = op("Mul", {outputs, weights}, outputs + ".masked");
  const auto sums = op("ReduceSum", {masked, ints("const.axis1", {1})}, outputs + ".sum", {{"keepdims", int64_t{0}}});
  const auto counts = op("Cast", {op("Unsqueeze", {lengths, ints("const.axis1", {1})}, outputs + ".lengths_column")},
                         outputs + ".counts", {{"to", kOnnxFloat}});
  return op("Div", {sums, counts}, outputs + ".mean");
}

std::string GraphOps::masked_max(const std::string& outputs, const std::string& valid) {
  const auto valid3 = op("Unsqueeze", {valid, ints("const.axis2", {2})}, outputs + ".valid3");
  const auto minus_inf = float_scalar("const.minus_inf", -std::numeric_limits<float>::infinity());
  const auto masked = op("Where", {valid3, outputs, minus_inf}, outputs + ".max_masked");
  return op("ReduceMax", {masked}, outputs + ".max", {{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}});
}

}  // namespace modlr::onnx_ops
