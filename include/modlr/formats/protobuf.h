#pragma once
/// Protocol Buffers wire format (https://protobuf.dev/programming-guides/encoding/), the
/// small subset ONNX files use: varints, 64-bit, length-delimited and 32-bit fields. modlr
/// writes ONNX models with ProtoWriter instead of linking libprotobuf, whose headers clash
/// with the copy bundled in PyPI's torch; ProtoReader walks such bytes back (tests, fuzzing).
/// Neither needs generated code: field numbers come from onnx.proto (see export/onnx.cpp).
/// Both are plain values, not thread-safe; no torch here.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace modlr::formats {

/// Wire types, as in the encoding's tag = field_number << 3 | wire_type.
enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

/// Appends fields to a message's bytes, in call order.
class ProtoWriter {
 public:
  /// int32/int64/enum/bool field: negative values take ten bytes (two's complement), as
  /// protobuf encodes int64.
  void add_int(uint32_t field, int64_t value);
  /// float field (wire type 5, little-endian IEEE 754).
  void add_float(uint32_t field, float value);
  /// string/bytes field.
  void add_bytes(uint32_t field, std::string_view bytes);
  /// Embedded message field: `message` is the sub-message's finished writer.
  void add_message(uint32_t field, const ProtoWriter& message) { add_bytes(field, message.bytes_); }
  const std::string& bytes() const { return bytes_; }

 private:
  void add_tag(uint32_t field, WireType type);
  void add_varint(uint64_t value);
  std::string bytes_;
};

/// One field read back: `number`, `type` and its value (`varint` for kVarint, the raw bits
/// in `varint` for the fixed types, `bytes` viewing the input for kLengthDelimited).
struct ProtoField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t varint = 0;
  std::string_view bytes;
};

/// The fields of one message, in order. Throws modlr::Error naming `what` on truncated
/// input, an over-long varint, field number 0 or an unknown wire type (groups included).
/// The returned views point into `message`, which must outlive them.
std::vector<ProtoField> read_proto_fields(std::string_view message, const std::string& what);

}  // namespace modlr::formats
