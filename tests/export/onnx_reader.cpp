#include "export/onnx_reader.h"

#include <gtest/gtest.h>

#include <cstring>

#include "modlr/formats/protobuf.h"
#include "test_support.h"

namespace modlr::testing {
namespace {

using formats::ProtoField;
using formats::read_proto_fields;

std::string text(const ProtoField& f) { return std::string(f.bytes); }
int64_t integer(const ProtoField& f) { return static_cast<int64_t>(f.varint); }

OnnxAttributeView attribute(std::string_view bytes) {
  OnnxAttributeView a;
  for (const auto& f : read_proto_fields(bytes, "AttributeProto")) {
    if (f.number == 1) a.name = text(f);
    if (f.number == 2) {
      const auto bits = static_cast<uint32_t>(f.varint);
      std::memcpy(&a.f, &bits, sizeof a.f);
    }
    if (f.number == 3) a.i = integer(f);
    if (f.number == 4) a.s = text(f);
    if (f.number == 8) a.ints.push_back(integer(f));
    if (f.number == 20) a.type = integer(f);
  }
  return a;
}

OnnxNodeView node(std::string_view bytes) {
  OnnxNodeView n;
  for (const auto& f : read_proto_fields(bytes, "NodeProto")) {
    if (f.number == 1) n.inputs.push_back(text(f));
    if (f.number == 2) n.outputs.push_back(text(f));
    if (f.number == 3) n.name = text(f);
    if (f.number == 4) n.op_type = text(f);
    if (f.number == 5) n.attributes.push_back(attribute(f.bytes));
  }
  return n;
}

OnnxTensorView tensor(std::string_view bytes) {
  OnnxTensorView t;
  for (const auto& f : read_proto_fields(bytes, "TensorProto")) {
    if (f.number == 1) t.dims.push_back(integer(f));
    if (f.number == 2) t.data_type = integer(f);
    if (f.number == 8) t.name = text(f);
    if (f.number == 9) t.raw = text(f);
  }
  return t;
}

OnnxValueInfo value_info(std::string_view bytes) {
  OnnxValueInfo v;
  for (const auto& f : read_proto_fields(bytes, "ValueInfoProto")) {
    if (f.number == 1) v.name = text(f);
    if (f.number != 2) continue;
    for (const auto& type : read_proto_fields(f.bytes, "TypeProto"))
      for (const auto& t : read_proto_fields(type.bytes, "TypeProto.Tensor")) {
        if (t.number == 1) v.elem_type = integer(t);
        if (t.number != 2) continue;
        for (const auto& dim : read_proto_fields(t.bytes, "TensorShapeProto")) {
          OnnxDim d;
          for (const auto& x : read_proto_fields(dim.bytes, "Dimension")) {
            if (x.number == 1) d.value = integer(x);
            if (x.number == 2) d.param = text(x);
          }
          v.dims.push_back(d);
        }
      }
  }
  return v;
}

}  // namespace

std::vector<std::string> OnnxModelView::op_types() const {
  std::vector<std::string> ops;
  for (const auto& n : nodes) ops.push_back(n.op_type);
  return ops;
}

std::set<std::string> OnnxModelView::initializer_names() const {
  std::set<std::string> names;
  for (const auto& t : initializers) names.insert(t.name);
  return names;
}

OnnxModelView read_onnx(const std::string& bytes) {
  OnnxModelView m;
  for (const auto& f : read_proto_fields(bytes, "ModelProto")) {
    if (f.number == 1) m.ir_version = integer(f);
    if (f.number == 2) m.producer_name = text(f);
    if (f.number == 8)
      for (const auto& o : read_proto_fields(f.bytes, "OperatorSetIdProto"))
        if (o.number == 2) m.opset = integer(o);
    if (f.number != 7) continue;
    for (const auto& g : read_proto_fields(f.bytes, "GraphProto")) {
      if (g.number == 1) m.nodes.push_back(node(g.bytes));
      if (g.number == 5) m.initializers.push_back(tensor(g.bytes));
      if (g.number == 11) m.inputs.push_back(value_info(g.bytes));
      if (g.number == 12) m.outputs.push_back(value_info(g.bytes));
    }
  }
  return m;
}

void expect_onnx_valid(const std::string& bytes) {
  if (!onnxruntime_available()) return;
  TempDir dir;
  write_text(dir.file("m.onnx"), bytes);
  const auto run = run_command(onnx_check_command() + " " + dir.file("m.onnx"));
  EXPECT_EQ(run.exit_code, 0) << "ONNX's checker rejects the model: " << run.err;
}

}  // namespace modlr::testing
