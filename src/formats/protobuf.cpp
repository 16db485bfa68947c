#include "modlr/formats/protobuf.h"

#include <cstring>

#include "modlr/core/error.h"

namespace modlr::formats {

void ProtoWriter::add_varint(uint64_t value) {
  while (value >= 0x80) {
    bytes_.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  bytes_.push_back(static_cast<char>(value));
}

void ProtoWriter::add_tag(uint32_t field, WireType type) {
  add_varint((static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(type));
}

void ProtoWriter::add_int(uint32_t field, int64_t value) {
  add_tag(field, WireType::kVarint);
  add_varint(static_cast<uint64_t>(value));
}

void ProtoWriter::add_float(uint32_t field, float value) {
  add_tag(field, WireType::kFixed32);
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

void ProtoWriter::add_bytes(uint32_t field, std::string_view bytes) {
  add_tag(field, WireType::kLengthDelimited);
  add_varint(bytes.size());
  bytes_.append(bytes.data(), bytes.size());
}

namespace {

class Cursor {
 public:
  Cursor(std::string_view data, const std::string& what) : data_(data), what_(what) {}
  bool done() const { return position_ == data_.size(); }

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const auto byte = static_cast<uint8_t>(take(1).front());
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
    fail("varint longer than 10 bytes");
  }

  uint64_t fixed(size_t size) {
    const auto raw = take(size);
    uint64_t value = 0;
    for (size_t i = 0; i < size; ++i) value |= static_cast<uint64_t>(static_cast<uint8_t>(raw[i])) << (8 * i);
    return value;
  }

  std::string_view take(uint64_t size) {
    if (size > data_.size() - position_) fail("truncated at byte " + std::to_string(position_));
    const auto out = data_.substr(position_, size);
    position_ += size;
    return out;
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw Error(what_ + ": not a valid protobuf message: " + why);
  }

 private:
  std::string_view data_;
  const std::string& what_;
  size_t position_ = 0;
};

}  // namespace

std::vector<ProtoField> read_proto_fields(std::string_view message, const std::string& what) {
  std::vector<ProtoField> fields;
  Cursor cursor(message, what);
  while (!cursor.done()) {
    const uint64_t tag = cursor.varint();
    ProtoField field;
    if ((tag >> 3) == 0 || (tag >> 3) > 0x1fffffff) cursor.fail("invalid field number " + std::to_string(tag >> 3));
    field.number = static_cast<uint32_t>(tag >> 3);
    switch (tag & 7) {
      case 0:
        field.type = WireType::kVarint;
        field.varint = cursor.varint();
        break;
      case 1:
        field.type = WireType::kFixed64;
        field.varint = cursor.fixed(8);
        break;
      case 2:
        field.type = WireType::kLengthDelimited;
        field.bytes = cursor.take(cursor.varint());
        break;
      case 5:
        field.type = WireType::kFixed32;
        field.varint = cursor.fixed(4);
        break;
      default:
        cursor.fail("unsupported wire type " + std::to_string(tag & 7) + " in field " + std::to_string(field.number));
    }
    fields.push_back(field);
  }
  return fields;
}

}  // namespace modlr::formats
