// The built-in ONNX layer exporters, one registration per layer type name. Each reads the
// layer's options and refuses (naming the layer) whatever ONNX would compute differently.
#include "modlr/core/error.h"
#include "modlr/export/onnx.h"

namespace modlr {
namespace {

[[noreturn]] void unsupported(const LayerView& layer, const std::string& what) {
  throw Error("cannot export layer '" + layer.name + "' of type '" + layer.type + "' to ONNX: " + what);
}

template <typename Impl>
const Impl& as(const LayerView& layer) {
  const auto* impl = dynamic_cast<const Impl*>(layer.module);
  if (impl) return *impl;
  unsupported(layer, "unexpected module class " + layer.module->name());
}

template <size_t D>
std::vector<int64_t> ints(const torch::ExpandingArray<D>& array) {
  return c10::ArrayRef<int64_t>(array).vec();
}

// ONNX pads: every axis's begin, then every axis's end (torch pads both sides equally).
template <size_t D>
std::vector<int64_t> pads(const torch::ExpandingArray<D>& padding) {
  auto out = ints(padding);
  const auto ends = out;
  out.insert(out.end(), ends.begin(), ends.end());
  return out;
}

// y = x W^T + b, exactly torch's addmm (input must be 2-D, as after Flatten).
std::string export_linear(OnnxGraph& graph, const LayerView& layer, const std::string& x) {
  const auto& linear = as<torch::nn::LinearImpl>(layer);
  std::vector<std::string> inputs{x, graph.add_initializer(layer.name + ".weight", linear.weight)};
  if (linear.bias.defined()) inputs.push_back(graph.add_initializer(layer.name + ".bias", linear.bias));
  return graph.add_node("Gemm", inputs, layer.name, {{"transB", int64_t{1}}});
}

std::string export_conv2d(OnnxGraph& graph, const LayerView& layer, const std::string& x) {
  const auto& conv = as<torch::nn::Conv2dImpl>(layer);
  const auto& o = conv.options;
  if (!std::holds_alternative<torch::enumtype::kZeros>(o.padding_mode()))
    unsupported(layer, "only zero padding_mode is supported");
  std::vector<int64_t> padding(4, 0);
  if (const auto* explicit_padding = std::get_if<torch::ExpandingArray<2>>(&o.padding()))
    padding = pads(*explicit_padding);
  else if (!std::holds_alternative<torch::enumtype::kValid>(o.padding()))
    unsupported(layer, "padding 'same' is not supported");
  std::vector<std::string> inputs{x, graph.add_initializer(layer.name + ".weight", conv.weight)};
  if (conv.bias.defined()) inputs.push_back(graph.add_initializer(layer.name + ".bias", conv.bias));
  return graph.add_node("Conv", inputs, layer.name,
                        {{"kernel_shape", ints(o.kernel_size())},
                         {"strides", ints(o.stride())},
                         {"pads", padding},
                         {"dilations", ints(o.dilation())},
                         {"group", o.groups()}});
}

std::string export_max_pool2d(OnnxGraph& graph, const LayerView& layer, const std::string& x) {
  const auto& o = as<torch::nn::MaxPool2dImpl>(layer).options;
  return graph.add_node("MaxPool", {x}, layer.name,
                        {{"kernel_shape", ints(o.kernel_size())},
                         {"strides", ints(o.stride())},
                         {"pads", pads(o.padding())},
                         {"dilations", ints(o.dilation())},
                         {"ceil_mode", int64_t{o.ceil_mode()}}});
}

// modlr's exact, faster equivalent of MaxPool2d(2): kernel 2, stride 2, no padding.
std::string export_max_pool_2x2(OnnxGraph& graph, const LayerView& layer, const std::string& x) {
  return graph.add_node("MaxPool", {x}, layer.name,
                        {{"kernel_shape", std::vector<int64_t>{2, 2}},
                         {"strides", std::vector<int64_t>{2, 2}},
                         {"pads", std::vector<int64_t>{0, 0, 0, 0}},
                         {"dilations", std::vector<int64_t>{1, 1}},
                         {"ceil_mode", int64_t{0}}});
}

std::string export_avg_pool2d(OnnxGraph& graph, const LayerView& layer, const std::string& x) {
  const auto& o = as<torch::nn::AvgPool2dImpl>(layer).options;
  if (o.divisor_override().has_value()) unsupported(layer, "divisor_override is not supported");
  return graph.add_node("AveragePool", {x}, layer.name,
                        {{"kernel_shape", ints(o.kernel_size())},
                         {"strides", ints(o.stride())},
                         {"pads", pads(o.padding())},
                         {"count_include_pad", int64_t{o.count_include_pad()}},
                         {"ceil_mode", int64_t{o.ceil_mode()}}});
}

// Inference-mode batch norm: (x - running_mean) / sqrt(running_var + eps) * weight + bias.
std::string export_batch_norm2d(OnnxGraph& graph, const LayerView& layer, const std::string& x) {
  const auto& bn = as<torch::nn::BatchNorm2dImpl>(layer);
  const auto& o = bn.options;
  if (!o.track_running_stats() || !bn.running_mean.defined())
    unsupported(layer, "without running statistics it normalises with batch statistics at inference");
  const int64_t features = o.num_features();
  const auto scale = o.affine() ? bn.weight : torch::ones({features});
  const auto shift = o.affine() ? bn.bias : torch::zeros({features});
  return graph.add_node(
      "BatchNormalization",
      {x, graph.add_initializer(layer.name + ".weight", scale), graph.add_initializer(layer.name + ".bias", shift),
       graph.add_initializer(layer.name + ".running_mean", bn.running_mean),
       graph.add_initializer(layer.name + ".running_var", bn.running_var)},
      layer.name, {{"epsilon", static_cast<float>(o.eps())}});
}

// modlr's Flatten is x.flatten(1); torch::nn::Flatten only with its default dims.
std::string export_flatten(OnnxGraph& graph, const LayerView& layer, const std::string& x) {
  if (const auto* flatten = dynamic_cast<const torch::nn::FlattenImpl*>(layer.module)) {
    if (flatten->options.start_dim() != 1 || flatten->options.end_dim() != -1)
      unsupported(layer, "only start_dim 1, end_dim -1 is supported");
  }
  return graph.add_node("Flatten", {x}, layer.name, {{"axis", int64_t{1}}});
}

// torch's transposed-convolution weight [in, out / groups, kH, kW] is ONNX's layout too.
std::string export_conv_transpose2d(OnnxGraph& graph, const LayerView& layer, const std::string& x) {
  const auto& conv = as<torch::nn::ConvTranspose2dImpl>(layer);
  const auto& o = conv.options;
  if (!std::holds_alternative<torch::enumtype::kZeros>(o.padding_mode()))
    unsupported(layer, "only zero padding_mode is supported");
  const auto* padding = std::get_if<torch::ExpandingArray<2>>(&o.padding());
  if (!padding) unsupported(layer, "only explicit padding is supported");
  std::vector<std::string> inputs{x, graph.add_initializer(layer.name + ".weight", conv.weight)};
  if (conv.bias.defined()) inputs.push_back(graph.add_initializer(layer.name + ".bias", conv.bias));
  return graph.add_node("ConvTranspose", inputs, layer.name,
                        {{"kernel_shape", ints(o.kernel_size())},
                         {"strides", ints(o.stride())},
                         {"pads", pads(*padding)},
                         {"output_padding", ints(o.output_padding())},
                         {"dilations", ints(o.dilation())},
                         {"group", o.groups()}});
}

std::string export_leaky_relu(OnnxGraph& graph, const LayerView& layer, const std::string& x) {
  const auto& o = as<torch::nn::LeakyReLUImpl>(layer).options;
  return graph.add_node("LeakyRelu", {x}, layer.name, {{"alpha", static_cast<float>(o.negative_slope())}});
}

// [N, d] -> [N, sizes...] (dim 1 of a 2-D input: ONNX Reshape with 0 = keep the batch).
std::string export_unflatten(OnnxGraph& graph, const LayerView& layer, const std::string& x) {
  const auto& o = as<torch::nn::UnflattenImpl>(layer).options;
  if (o.dim() != 1 || o.sizes().empty()) unsupported(layer, "only unflattening dim 1 is supported");
  std::vector<int64_t> shape{0};
  shape.insert(shape.end(), o.sizes().begin(), o.sizes().end());
  const auto shape_name = graph.add_initializer(layer.name + ".shape", torch::tensor(shape, torch::kInt64));
  return graph.add_node("Reshape", {x, shape_name}, layer.name);
}

// Element-wise layers and those that are the identity at inference.
OnnxExporterRegistry::Factory unary(const std::string& op_type) {
  return [op_type](OnnxGraph& graph, const LayerView& layer, const std::string& x) {
    return graph.add_node(op_type, {x}, layer.name);
  };
}

}  // namespace

MODLR_REGISTER(onnx_exporters, "Linear", export_linear);
MODLR_REGISTER(onnx_exporters, "Conv2d", export_conv2d);
MODLR_REGISTER(onnx_exporters, "MaxPool2d", export_max_pool2d);
MODLR_REGISTER(onnx_exporters, "MaxPool2x2", export_max_pool_2x2);
MODLR_REGISTER(onnx_exporters, "AvgPool2d", export_avg_pool2d);
MODLR_REGISTER(onnx_exporters, "Flatten", export_flatten);
MODLR_REGISTER(onnx_exporters, "BatchNorm2d", export_batch_norm2d);
MODLR_REGISTER(onnx_exporters, "ReLU", unary("Relu"));
MODLR_REGISTER(onnx_exporters, "Tanh", unary("Tanh"));
MODLR_REGISTER(onnx_exporters, "Sigmoid", unary("Sigmoid"));
MODLR_REGISTER(onnx_exporters, "Dropout", unary("Identity"));  // inference: no dropout
MODLR_REGISTER(onnx_exporters, "Identity", unary("Identity"));
MODLR_REGISTER(onnx_exporters, "ConvTranspose2d", export_conv_transpose2d);
MODLR_REGISTER(onnx_exporters, "LeakyReLU", export_leaky_relu);
MODLR_REGISTER(onnx_exporters, "Unflatten", export_unflatten);

}  // namespace modlr
