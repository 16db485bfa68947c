#pragma once
// The ONNX model as plain values, and its protobuf encoding (onnx_proto.cpp). Private to
// src/export: users see OnnxGraph (modlr/export/onnx.h). No torch here.
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace modlr::onnx_model {

using Attribute = std::variant<int64_t, float, std::vector<int64_t>, std::string>;

// onnx.proto's TensorProto.DataType values used here.
enum class DataType : int32_t { kFloat = 1, kUint8 = 2, kInt32 = 6, kInt64 = 7, kBool = 9 };

struct Node {
  std::string op_type, name;
  std::vector<std::string> inputs, outputs;  // "" = an omitted optional input
  std::map<std::string, Attribute> attributes;
};

struct Tensor {  // an initializer: raw little-endian bytes
  std::string name;
  DataType type = DataType::kFloat;
  std::vector<int64_t> dims;
  std::string raw;
};

struct Value {  // a graph input or output: a tensor [batch, dims...], batch symbolic
  std::string name;
  DataType type = DataType::kFloat;
  std::vector<int64_t> dims;
  bool symbolic_sequence = false;          // dims[0] is written as the symbolic `sequence_name`
  std::string sequence_name = "sequence";  // distinct names: lengths that may differ
};

struct Model {
  int64_t ir_version = 8;  // ONNX 1.12's IR; opset 17 needs at least 8
  int64_t opset = 17;
  std::string producer_name, producer_version, graph_name;
  std::vector<Node> nodes;
  std::vector<Tensor> initializers;
  std::vector<Value> inputs, outputs;
};

// The serialised ModelProto (field numbers from onnx/onnx.proto, proto2: repeated scalars
// unpacked, as ONNX's own serialiser writes them).
std::string encode(const Model& model);

// What makes a graph invalid whatever its operators: a value defined twice (node outputs,
// initializers, inputs), a node reading a value defined nowhere before it, an output no
// node or input defines. Throws modlr::Error naming the value and the node.
void validate(const Model& model);

}  // namespace modlr::onnx_model
