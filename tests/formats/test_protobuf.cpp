// The protobuf wire format ONNX export writes: byte sequences derived by hand from the
// encoding rules (protobuf.dev "Encoding"), and readback of malformed input.
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/formats/protobuf.h"

using modlr::formats::ProtoWriter;
using modlr::formats::read_proto_fields;
using modlr::formats::WireType;

namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

}  // namespace

TEST(Protobuf, FieldsEncodeAsTheSpecificationSays) {
  ProtoWriter w;
  w.add_int(1, 150);  // the documentation's example: 08 96 01
  EXPECT_EQ(w.bytes(), bytes({0x08, 0x96, 0x01}));
  ProtoWriter s;
  s.add_bytes(2, "testing");  // 12 07 "testing"
  EXPECT_EQ(s.bytes(), bytes({0x12, 0x07}) + "testing");
  ProtoWriter negative;
  negative.add_int(3, -1);  // int64 -1: ten bytes, nine 0xff then 0x01
  EXPECT_EQ(negative.bytes(), bytes({0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
  ProtoWriter f;
  f.add_float(2, 0.2f);  // 0x3e4ccccd little-endian, tag 2 << 3 | 5
  EXPECT_EQ(f.bytes(), bytes({0x15, 0xcd, 0xcc, 0x4c, 0x3e}));
  ProtoWriter big_field;
  big_field.add_int(20, 7);  // tag 20 << 3 = 160: a two-byte varint a0 01
  EXPECT_EQ(big_field.bytes(), bytes({0xa0, 0x01, 0x07}));
  ProtoWriter outer;
  outer.add_message(3, w);  // 1a 03 08 96 01
  EXPECT_EQ(outer.bytes(), bytes({0x1a, 0x03, 0x08, 0x96, 0x01}));
}

TEST(Protobuf, ReadsBackWhatItWrites) {
  ProtoWriter inner;
  inner.add_int(1, -5);
  ProtoWriter w;
  w.add_int(1, 1u << 31);
  w.add_float(7, -1.5f);
  w.add_message(9, inner);
  w.add_bytes(536870911, "");  // the largest field number, an empty string
  const auto fields = read_proto_fields(w.bytes(), "m");
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0].number, 1u);
  EXPECT_EQ(fields[0].varint, 1u << 31);
  EXPECT_EQ(fields[1].type, WireType::kFixed32);
  EXPECT_EQ(fields[1].varint, 0xbfc00000u);
  EXPECT_EQ(fields[2].type, WireType::kLengthDelimited);
  const auto nested = read_proto_fields(fields[2].bytes, "inner");
  ASSERT_EQ(nested.size(), 1u);
  EXPECT_EQ(static_cast<int64_t>(nested[0].varint), -5);
  EXPECT_EQ(fields[3].number, 536870911u);
  EXPECT_TRUE(fields[3].bytes.empty());
}

TEST(Protobuf, MalformedInputIsAnErrorNamingWhatWasRead) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {bytes({0x08}), "truncated"},             // a tag with no value
      {bytes({0x12, 0x05, 'a'}), "truncated"},  // length past the end
      {bytes({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}), "varint"},
      {bytes({0x0b}), "wire type 3"},  // a group start
      {bytes({0x00, 0x01}), "field number 0"},
      {bytes({0x15, 0x00, 0x00}), "truncated"},  // a float cut short
  };
  for (const auto& [input, expected] : cases) {
    try {
      read_proto_fields(input, "model.onnx");
      ADD_FAILURE() << "accepted " << expected;
    } catch (const modlr::Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind("model.onnx: not a valid protobuf message", 0), 0u) << message;
      EXPECT_NE(message.find(expected), std::string::npos) << message;
    }
  }
}
