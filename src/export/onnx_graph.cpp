// The ONNX graph builder and the export driver; the per-layer translations are in
// layer_exporters.cpp, the encoding in onnx_proto.cpp.
#include "modlr/core/build_info.h"
#include "modlr/core/error.h"
#include "modlr/export/onnx.h"
#include "modlr/formats/file_bytes.h"
#include "onnx_model.h"

namespace modlr {

// OnnxAttribute (public) and onnx_model::Attribute (torch-free) are the same std::variant.
static_assert(std::is_same_v<OnnxAttribute, onnx_model::Attribute>);

struct OnnxGraph::Impl {
  onnx_model::Model model;
};

namespace {

// The output shape (without batch) from one evaluation-mode forward pass on zeros.
std::vector<int64_t> dry_run(Model& model, const std::vector<int64_t>& example_shape, torch::Dtype dtype) {
  model.eval();
  torch::NoGradGuard no_grad;
  std::vector<int64_t> shape{1};
  shape.insert(shape.end(), example_shape.begin(), example_shape.end());
  auto options = torch::TensorOptions().dtype(dtype);
  const auto parameters = model.parameters();
  if (!parameters.empty()) options = options.device(parameters.front().device());
  try {
    const auto output = model.forward(torch::zeros(shape, options));
    return std::vector<int64_t>(output.sizes().begin() + 1, output.sizes().end());
  } catch (const std::exception& e) {
    const std::string text = e.what();
    throw Error("cannot export: the model does not run on inputs of shape " + c10::str(shape) + ": " +
                text.substr(0, text.find('\n')));
  }
}

// A float32 [1, C, 1, ...] constant broadcasting along axis 1 of a rank-`rank` input.
torch::Tensor per_channel(const std::vector<double>& values, size_t rank) {
  std::vector<int64_t> shape(rank, 1);
  shape[1] = static_cast<int64_t>(values.size());
  return torch::tensor(values, torch::kFloat64).to(torch::kFloat32).view(shape);
}

// The data set's preprocessing as the graph's first nodes, in the data pipeline's order and
// precision (image_preprocess.h): Cast to float32, / scale, - mean, / std. Returns the value
// the model's first layer reads.
std::string add_preprocessing(OnnxGraph& graph, const InputNormalization& p,
                              const std::vector<int64_t>& example_shape) {
  const size_t rank = example_shape.size() + 1;
  if (!p.mean.empty() && (example_shape.empty() || static_cast<int64_t>(p.mean.size()) != example_shape[0]))
    throw Error("cannot export with preprocessing: " + std::to_string(p.mean.size()) +
                " mean/std values for inputs of shape " + c10::str(example_shape));
  std::string x = graph.add_node("Cast", {"input"}, "preprocess.cast", {{"to", int64_t{1}}});
  if (p.scale != 1.0)
    x = graph.add_node("Div",
                       {x, graph.add_initializer("preprocess.scale", torch::tensor(static_cast<float>(p.scale)))},
                       "preprocess.scaled");
  if (p.mean.empty()) return x;
  x = graph.add_node("Sub", {x, graph.add_initializer("preprocess.mean", per_channel(p.mean, rank))},
                     "preprocess.centred");
  return graph.add_node("Div", {x, graph.add_initializer("preprocess.std", per_channel(p.std, rank))},
                        "preprocess.normalised");
}

onnx_model::DataType raw_type(const InputNormalization* p) {
  if (!p || p->raw_dtype == "float32") return onnx_model::DataType::kFloat;
  if (p->raw_dtype == "uint8") return onnx_model::DataType::kUint8;
  throw Error("cannot export with preprocessing: raw inputs of type '" + p->raw_dtype + "' are not supported");
}

[[noreturn]] void refuse_unexportable(Model& model) {
  // Name the layers that keep it from export (e.g. a recurrent layer), not only the model.
  std::string blocking;
  for (const auto& child : model.named_children())
    if (!onnx_exporters().contains(layer_type_name(*child.value())))
      blocking += (blocking.empty() ? "" : ", ") + std::string("layer '") + child.key() + "' of type '" +
                  layer_type_name(*child.value()) + "'";
  std::string whole;
  for (const auto& name : onnx_model_exporters().names()) whole += ", " + name;
  throw Error("cannot export model of type '" + layer_type_name(model) +
              "' to ONNX: only sequential models (named layers)" + whole + " are supported" +
              (blocking.empty() ? "" : "; no ONNX exporter for its " + blocking));
}

void require_exporters(const std::vector<LayerView>& layers) {
  for (const auto& layer : layers)
    if (!onnx_exporters().contains(layer.type)) {
      std::string known;
      for (const auto& name : onnx_exporters().names()) known += (known.empty() ? "" : ", ") + name;
      throw Error("cannot export layer '" + layer.name + "' of type '" + layer.type +
                  "' to ONNX: no exporter is registered for it (exportable: " + known + ")");
    }
}

}  // namespace

OnnxGraph::OnnxGraph() : impl_(std::make_unique<Impl>()) {}
OnnxGraph::~OnnxGraph() = default;

std::string OnnxGraph::add_initializer(const std::string& name, const torch::Tensor& tensor) {
  for (const auto& existing : impl_->model.initializers)
    if (existing.name == name) throw Error("ONNX export: initializer '" + name + "' defined twice");
  auto cpu = tensor.detach().to(torch::kCPU).contiguous();
  onnx_model::Tensor out;
  out.name = name;
  if (cpu.scalar_type() == torch::kFloat32)
    out.type = onnx_model::DataType::kFloat;
  else if (cpu.scalar_type() == torch::kInt64)
    out.type = onnx_model::DataType::kInt64;
  else
    throw Error("ONNX export: tensor '" + name + "' has unsupported dtype " + c10::toString(cpu.scalar_type()));
  out.dims.assign(cpu.sizes().begin(), cpu.sizes().end());
  // raw_data is little-endian, as the host is (see formats/safetensors.cpp).
  out.raw.assign(static_cast<const char*>(cpu.data_ptr()), cpu.nbytes());
  impl_->model.initializers.push_back(std::move(out));
  return name;
}

std::string OnnxGraph::add_node(const std::string& op_type, const std::vector<std::string>& inputs,
                                const std::string& output, const std::map<std::string, OnnxAttribute>& attributes) {
  impl_->model.nodes.push_back({op_type, output, inputs, {output}, attributes});
  return output;
}

void OnnxGraph::add_multi_output_node(const std::string& op_type, const std::vector<std::string>& inputs,
                                      const std::vector<std::string>& outputs,
                                      const std::map<std::string, OnnxAttribute>& attributes) {
  if (outputs.empty()) throw Error("ONNX export: node '" + op_type + "' has no outputs");
  impl_->model.nodes.push_back({op_type, outputs.front(), inputs, outputs, attributes});
}

OnnxExporterRegistry& onnx_exporters() {
  static OnnxExporterRegistry registry("ONNX layer exporter");
  return registry;
}

OnnxModelExporterRegistry& onnx_model_exporters() {
  static OnnxModelExporterRegistry registry("ONNX model exporter");
  return registry;
}

std::string export_onnx(Model& model, const std::vector<int64_t>& example_shape,
                        const InputNormalization* preprocessing) {
  auto* sequential = dynamic_cast<SequentialModel*>(&model);
  const auto type = layer_type_name(model);
  if (!sequential && !onnx_model_exporters().contains(type)) refuse_unexportable(model);
  OnnxGraph graph;
  auto& proto = graph.impl().model;
  proto.producer_name = "modlr";
  proto.producer_version = modlr_version();
  proto.graph_name = "modlr";
  std::string value;
  std::vector<int64_t> output_shape;
  if (sequential) {
    const auto layers = sequential->layers();
    require_exporters(layers);
    output_shape = dry_run(model, example_shape, torch::kFloat32);
    proto.inputs.push_back({"input", raw_type(preprocessing), example_shape});
    value = preprocessing ? add_preprocessing(graph, *preprocessing, example_shape) : "input";
    for (const auto& layer : layers) value = onnx_exporters().create(layer.type, layer.type, graph, layer, value);
  } else {
    const auto exporter = onnx_model_exporters().create(type, type);
    if (preprocessing)
      throw Error("cannot export model of type '" + type +
                  "' with preprocessing: it reads token ids, not data to scale");
    if (exporter.input_dtype != torch::kInt64 && exporter.input_dtype != torch::kFloat32)
      throw Error("ONNX model exporter '" + type + "': inputs must be int64 or float32");
    output_shape =
        exporter.output_dims ? exporter.output_dims(model) : dry_run(model, example_shape, exporter.input_dtype);
    const auto input_type =
        exporter.input_dtype == torch::kInt64 ? onnx_model::DataType::kInt64 : onnx_model::DataType::kFloat;
    proto.inputs.push_back({"input", input_type, example_shape, exporter.symbolic_sequence && !example_shape.empty()});
    for (const auto& name : exporter.more_inputs)
      proto.inputs.push_back({name, onnx_model::DataType::kInt64, {1}, true, name + "_sequence"});
    value = exporter.add_nodes(graph, model, "input");
    if (exporter.output_dims)
      proto.outputs.push_back({"output", onnx_model::DataType::kFloat, output_shape, true, "output_sequence"});
  }
  // The last node writes the graph output directly (an Identity when there is none).
  if (value == "input") graph.add_node("Identity", {value}, "output");
  for (auto& node : proto.nodes) {
    for (auto& out : node.outputs)
      if (out == value) out = "output";
  }
  if (proto.outputs.empty()) proto.outputs.push_back({"output", onnx_model::DataType::kFloat, output_shape});
  onnx_model::validate(proto);
  return onnx_model::encode(proto);
}

void write_onnx(Model& model, const std::vector<int64_t>& example_shape, const std::string& path,
                const InputNormalization* preprocessing) {
  formats::write_file_atomic(path, export_onnx(model, example_shape, preprocessing));
}

}  // namespace modlr
