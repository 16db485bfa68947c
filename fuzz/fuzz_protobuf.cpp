// libFuzzer target: the protobuf wire-format reader and writer (formats/protobuf.h), which
// write every ONNX model modlr exports. Any input either parses or raises modlr::Error; what
// parses, written back field by field, must read back as the same fields (every nested
// length-delimited field is tried as a message too, as ONNX files nest them).
#include <cstdint>
#include <string>
#include <string_view>

#include "modlr/core/error.h"
#include "modlr/formats/protobuf.h"

namespace {

using modlr::formats::ProtoField;
using modlr::formats::ProtoWriter;
using modlr::formats::WireType;

std::string rewrite(const std::vector<ProtoField>& fields) {
  ProtoWriter out;
  for (const auto& f : fields) {
    switch (f.type) {
      case WireType::kVarint:
        out.add_int(f.number, static_cast<int64_t>(f.varint));
        break;
      case WireType::kLengthDelimited:
        out.add_bytes(f.number, f.bytes);
        break;
      case WireType::kFixed32: {
        float value;
        const auto bits = static_cast<uint32_t>(f.varint);
        __builtin_memcpy(&value, &bits, sizeof value);
        out.add_float(f.number, value);
        break;
      }
      case WireType::kFixed64:
        return {};  // the writer has no 64-bit fixed fields
    }
  }
  return out.bytes();
}

void check(std::string_view bytes, int depth) {
  std::vector<ProtoField> fields;
  try {
    fields = modlr::formats::read_proto_fields(bytes, "fuzz");
  } catch (const modlr::Error&) {
    return;
  }
  const auto again = rewrite(fields);
  if (!again.empty()) {
    const auto reread = modlr::formats::read_proto_fields(again, "rewritten");
    if (reread.size() != fields.size()) __builtin_trap();
    for (size_t i = 0; i < fields.size(); ++i)
      if (reread[i].number != fields[i].number || reread[i].type != fields[i].type ||
          reread[i].varint != fields[i].varint || reread[i].bytes != fields[i].bytes)
        __builtin_trap();
  }
  if (depth < 8)
    for (const auto& f : fields)
      if (f.type == WireType::kLengthDelimited) check(f.bytes, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check(std::string_view(reinterpret_cast<const char*>(data), size), 0);
  return 0;
}
