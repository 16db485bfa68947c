// ONNX's ModelProto written field by field. Field numbers: onnx/onnx.proto (stable since
// IR version 3; the numbers are part of the file format).
#include <cstring>
#include <set>

#include "modlr/core/error.h"
#include "modlr/formats/protobuf.h"
#include "onnx_model.h"

namespace modlr::onnx_model {
namespace {

using formats::ProtoWriter;

// AttributeProto.AttributeType
constexpr int64_t kAttributeFloat = 1, kAttributeInt = 2, kAttributeString = 3, kAttributeInts = 7;

ProtoWriter attribute(const std::string& name, const Attribute& value) {
  ProtoWriter out;
  out.add_bytes(1, name);  // name
  if (const auto* f = std::get_if<float>(&value)) {
    out.add_float(2, *f);              // f
    out.add_int(20, kAttributeFloat);  // type
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    out.add_int(3, *i);  // i
    out.add_int(20, kAttributeInt);
  } else if (const auto* s = std::get_if<std::string>(&value)) {
    out.add_bytes(4, *s);  // s
    out.add_int(20, kAttributeString);
  } else {
    for (auto v : std::get<std::vector<int64_t>>(value)) out.add_int(8, v);  // ints
    out.add_int(20, kAttributeInts);
  }
  return out;
}

ProtoWriter node(const Node& n) {
  ProtoWriter out;
  for (const auto& input : n.inputs) out.add_bytes(1, input);
  for (const auto& output : n.outputs) out.add_bytes(2, output);
  out.add_bytes(3, n.name);
  out.add_bytes(4, n.op_type);
  for (const auto& [name, value] : n.attributes) out.add_message(5, attribute(name, value));
  return out;
}

ProtoWriter tensor(const Tensor& t) {
  ProtoWriter out;
  for (auto d : t.dims) out.add_int(1, d);       // dims
  out.add_int(2, static_cast<int64_t>(t.type));  // data_type
  out.add_bytes(8, t.name);                      // name
  out.add_bytes(9, t.raw);                       // raw_data
  return out;
}

// ValueInfoProto { name, type: TypeProto { tensor_type: { elem_type, shape } } }.
ProtoWriter value_info(const Value& v) {
  ProtoWriter shape;
  ProtoWriter batch;
  batch.add_bytes(2, "batch");  // Dimension.dim_param
  shape.add_message(1, batch);
  for (size_t i = 0; i < v.dims.size(); ++i) {
    ProtoWriter dim;
    if (i == 0 && v.symbolic_sequence)
      dim.add_bytes(2, v.sequence_name);  // Dimension.dim_param
    else
      dim.add_int(1, v.dims[i]);  // Dimension.dim_value
    shape.add_message(1, dim);
  }
  ProtoWriter tensor_type;
  tensor_type.add_int(1, static_cast<int64_t>(v.type));  // elem_type
  tensor_type.add_message(2, shape);
  ProtoWriter type;
  type.add_message(1, tensor_type);  // TypeProto.tensor_type
  ProtoWriter out;
  out.add_bytes(1, v.name);
  out.add_message(2, type);
  return out;
}

ProtoWriter graph(const Model& m) {
  ProtoWriter out;
  for (const auto& n : m.nodes) out.add_message(1, node(n));
  out.add_bytes(2, m.graph_name);
  for (const auto& t : m.initializers) out.add_message(5, tensor(t));
  for (const auto& v : m.inputs) out.add_message(11, value_info(v));
  for (const auto& v : m.outputs) out.add_message(12, value_info(v));
  return out;
}

}  // namespace

std::string encode(const Model& m) {
  ProtoWriter out;
  out.add_int(1, m.ir_version);
  out.add_bytes(2, m.producer_name);
  out.add_bytes(3, m.producer_version);
  out.add_message(7, graph(m));
  ProtoWriter opset;
  opset.add_bytes(1, "");  // the default domain, ai.onnx
  opset.add_int(2, m.opset);
  out.add_message(8, opset);
  return out.bytes();
}

void validate(const Model& m) {
  std::set<std::string> defined;
  auto define = [&](const std::string& name, const std::string& by) {
    if (name.empty()) throw Error("ONNX export: " + by + " defines a value with an empty name");
    if (!defined.insert(name).second)
      throw Error("ONNX export: value '" + name + "' is defined twice (again by " + by + ")");
  };
  for (const auto& v : m.inputs) define(v.name, "graph input '" + v.name + "'");
  for (const auto& t : m.initializers) define(t.name, "initializer '" + t.name + "'");
  for (const auto& n : m.nodes) {
    for (const auto& input : n.inputs)
      if (!input.empty() && !defined.count(input))
        throw Error("ONNX export: node '" + n.name + "' (" + n.op_type + ") reads value '" + input +
                    "', which nothing before it defines");
    for (const auto& output : n.outputs) define(output, "node '" + n.name + "' (" + n.op_type + ")");
  }
  for (const auto& v : m.outputs)
    if (!defined.count(v.name)) throw Error("ONNX export: graph output '" + v.name + "' is never computed");
}

}  // namespace modlr::onnx_model
