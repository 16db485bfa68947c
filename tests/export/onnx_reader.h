#pragma once
// Test-only: an exported ONNX model read back with modlr's own protobuf reader, so the
// export tests see its structure without libonnx (ONNX's checker itself runs in Python,
// tools/onnx/check_onnx.py, through expect_onnx_valid).
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace modlr::testing {

struct OnnxDim {
  int64_t value = 0;
  std::string param;  // "batch" for the symbolic batch dimension
};
struct OnnxValueInfo {
  std::string name;
  int64_t elem_type = 0;  // TensorProto.DataType: 1 float, 2 uint8, 7 int64
  std::vector<OnnxDim> dims;
};
struct OnnxAttributeView {
  std::string name;
  int64_t type = 0, i = 0;
  float f = 0;
  std::vector<int64_t> ints;
  std::string s;
};
struct OnnxNodeView {
  std::string op_type, name;
  std::vector<std::string> inputs, outputs;
  std::vector<OnnxAttributeView> attributes;
};
struct OnnxTensorView {
  std::string name, raw;
  int64_t data_type = 0;
  std::vector<int64_t> dims;
};
struct OnnxModelView {
  int64_t ir_version = 0, opset = 0;
  std::string producer_name;
  std::vector<OnnxNodeView> nodes;
  std::vector<OnnxTensorView> initializers;
  std::vector<OnnxValueInfo> inputs, outputs;
  std::vector<std::string> op_types() const;
  std::set<std::string> initializer_names() const;
};

// Throws modlr::Error on malformed bytes.
OnnxModelView read_onnx(const std::string& bytes);

// Writes `bytes` to a temporary file and runs ONNX's checker (full_check) on it through the
// project's Python; a failed check is a test failure. Skipped where onnx is not installed.
void expect_onnx_valid(const std::string& bytes);

}  // namespace modlr::testing
