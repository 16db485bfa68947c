// The ONNX graph builder and the export driver; the per-layer translations are in
// layer_exporters.cpp.
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <set>

#include "modlr/core/build_info.h"
#include "modlr/core/error.h"
#include "modlr/export/onnx.h"
#include "modlr/formats/file_bytes.h"

namespace modlr {

struct OnnxGraph::Impl {
  onnx::ModelProto model;
  std::set<std::string> initializers;
  onnx::GraphProto& graph() { return *model.mutable_graph(); }
};

namespace {

constexpr int64_t kOpset = 17;  // ONNX 1.12's newest; ONNX Runtime 1.30 runs it

void set_attribute(onnx::AttributeProto& proto, const OnnxAttribute& value) {
  if (auto* i = std::get_if<int64_t>(&value)) {
    proto.set_type(onnx::AttributeProto::INT);
    proto.set_i(*i);
  } else if (auto* f = std::get_if<float>(&value)) {
    proto.set_type(onnx::AttributeProto::FLOAT);
    proto.set_f(*f);
  } else if (auto* list = std::get_if<std::vector<int64_t>>(&value)) {
    proto.set_type(onnx::AttributeProto::INTS);
    for (auto v : *list) proto.add_ints(v);
  } else {
    proto.set_type(onnx::AttributeProto::STRING);
    proto.set_s(std::get<std::string>(value));
  }
}

// A float tensor value [batch, dims...] with a symbolic batch dimension.
void describe_value(onnx::ValueInfoProto& info, const std::string& name,
                    const std::vector<int64_t>& dims) {
  info.set_name(name);
  auto* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tensor->mutable_shape();
  shape->add_dim()->set_dim_param("batch");
  for (auto d : dims) shape->add_dim()->set_dim_value(d);
}

// The output shape (without batch) from one evaluation-mode forward pass on zeros.
std::vector<int64_t> dry_run(Model& model, const std::vector<int64_t>& example_shape) {
  model.eval();
  torch::NoGradGuard no_grad;
  std::vector<int64_t> shape{1};
  shape.insert(shape.end(), example_shape.begin(), example_shape.end());
  auto options = torch::TensorOptions().dtype(torch::kFloat32);
  const auto parameters = model.parameters();
  if (!parameters.empty()) options = options.device(parameters.front().device());
  try {
    const auto output = model.forward(torch::zeros(shape, options));
    return std::vector<int64_t>(output.sizes().begin() + 1, output.sizes().end());
  } catch (const std::exception& e) {
    const std::string text = e.what();
    throw Error("cannot export: the model does not run on inputs of shape " + c10::str(shape) +
                ": " + text.substr(0, text.find('\n')));
  }
}

// ONNX's checker and strict shape inference; their first complaint becomes a modlr::Error.
void check(onnx::ModelProto& model) {
  try {
    onnx::checker::check_model(model);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(true, 1, false));
  } catch (const std::exception& e) {
    const std::string text = e.what();
    throw Error("the ONNX checker rejects the exported model: " + text.substr(0, text.find('\n')));
  }
}

}  // namespace

OnnxGraph::OnnxGraph() : impl_(std::make_unique<Impl>()) {}
OnnxGraph::~OnnxGraph() = default;

std::string OnnxGraph::add_initializer(const std::string& name, const torch::Tensor& tensor) {
  if (!impl_->initializers.insert(name).second)
    throw Error("ONNX export: initializer '" + name + "' defined twice");
  auto cpu = tensor.detach().to(torch::kCPU).contiguous();
  auto* proto = impl_->graph().add_initializer();
  proto->set_name(name);
  if (cpu.scalar_type() == torch::kFloat32) proto->set_data_type(onnx::TensorProto::FLOAT);
  else if (cpu.scalar_type() == torch::kInt64) proto->set_data_type(onnx::TensorProto::INT64);
  else throw Error("ONNX export: tensor '" + name + "' has unsupported dtype " + c10::toString(cpu.scalar_type()));
  for (auto d : cpu.sizes()) proto->add_dims(d);
  // raw_data is little-endian, as the host is (see formats/safetensors.cpp).
  proto->set_raw_data(std::string(static_cast<const char*>(cpu.data_ptr()), cpu.nbytes()));
  return name;
}

std::string OnnxGraph::add_node(const std::string& op_type, const std::vector<std::string>& inputs,
                                const std::string& output,
                                const std::map<std::string, OnnxAttribute>& attributes) {
  auto* node = impl_->graph().add_node();
  node->set_op_type(op_type);
  node->set_name(output);
  for (const auto& input : inputs) node->add_input(input);
  node->add_output(output);
  for (const auto& [name, value] : attributes) {
    auto* attribute = node->add_attribute();
    attribute->set_name(name);
    set_attribute(*attribute, value);
  }
  return output;
}

OnnxExporterRegistry& onnx_exporters() {
  static OnnxExporterRegistry registry("ONNX layer exporter");
  return registry;
}

std::string export_onnx(Model& model, const std::vector<int64_t>& example_shape) {
  auto* sequential = dynamic_cast<SequentialModel*>(&model);
  if (!sequential) {
    // Name the layers that keep it from export (e.g. a recurrent layer), not only the model.
    std::string blocking;
    for (const auto& child : model.named_children())
      if (!onnx_exporters().contains(layer_type_name(*child.value())))
        blocking += (blocking.empty() ? "" : ", ") + std::string("layer '") + child.key() + "' of type '" +
                    layer_type_name(*child.value()) + "'";
    throw Error("cannot export model of type '" + layer_type_name(model) +
                "' to ONNX: only sequential models (named layers) are supported" +
                (blocking.empty() ? "" : "; no ONNX exporter for its " + blocking));
  }
  const auto layers = sequential->layers();
  for (const auto& layer : layers)
    if (!onnx_exporters().contains(layer.type)) {
      std::string known;
      for (const auto& name : onnx_exporters().names()) known += (known.empty() ? "" : ", ") + name;
      throw Error("cannot export layer '" + layer.name + "' of type '" + layer.type +
                  "' to ONNX: no exporter is registered for it (exportable: " + known + ")");
    }
  const auto output_shape = dry_run(model, example_shape);

  OnnxGraph graph;
  auto& proto = graph.impl().model;
  proto.set_ir_version(onnx::IR_VERSION);
  proto.set_producer_name("modlr");
  proto.set_producer_version(modlr_version());
  proto.add_opset_import()->set_version(kOpset);
  graph.impl().graph().set_name("modlr");
  describe_value(*graph.impl().graph().add_input(), "input", example_shape);
  std::string value = "input";
  for (const auto& layer : layers) value = onnx_exporters().create(layer.type, layer.type, graph, layer, value);
  // The last layer writes the graph output directly (an Identity when there is no layer).
  if (value == "input") graph.add_node("Identity", {value}, "output");
  for (auto& node : *graph.impl().graph().mutable_node())
    for (auto& out : *node.mutable_output())
      if (out == value) out = "output";
  describe_value(*graph.impl().graph().add_output(), "output", output_shape);
  check(proto);
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) throw Error("ONNX export: cannot serialise the model");
  return bytes;
}

void write_onnx(Model& model, const std::vector<int64_t>& example_shape, const std::string& path) {
  const auto bytes = export_onnx(model, example_shape);
  formats::write_file_atomic(path, bytes);
}

}  // namespace modlr
