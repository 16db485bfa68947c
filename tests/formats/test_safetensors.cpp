#include <gtest/gtest.h>

#include <cstring>

#include "modlr/core/error.h"
#include "modlr/formats/safetensors.h"
#include "test_support.h"

namespace mf = modlr::formats;
namespace mt = modlr::testing;

namespace {

std::vector<uint8_t> f32_bytes(const std::vector<float>& values) {
  std::vector<uint8_t> out(values.size() * 4);
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

mf::SafetensorsContent sample() {
  mf::SafetensorsContent content;
  content.metadata["format"] = "pt";
  content.tensors.push_back({"fc1.weight", "F32", {2, 3}, f32_bytes({1, 2, 3, 4, 5, 6})});
  content.tensors.push_back({"fc1.bias", "F32", {2}, f32_bytes({-1, 0.5f})});
  content.tensors.push_back({"steps", "I64", {}, std::vector<uint8_t>{7, 0, 0, 0, 0, 0, 0, 0}});
  return content;
}

std::vector<uint8_t> raw_bytes(const std::string& s) { return {s.begin(), s.end()}; }

// A file with the given header JSON (unpadded) followed by `data_size` zero bytes.
std::vector<uint8_t> with_header(const std::string& json, size_t data_size) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((uint64_t(json.size()) >> (8 * i)) & 0xff);
  out += json;
  out.append(data_size, '\0');
  return raw_bytes(out);
}

// Expects parse_safetensors to throw a one-line error containing every piece of `parts`.
void expect_rejected(const std::vector<uint8_t>& bytes, const std::vector<std::string>& parts) {
  try {
    mf::parse_safetensors(bytes, "w.safetensors");
    ADD_FAILURE() << "accepted a bad file";
  } catch (const modlr::Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos);
    EXPECT_EQ(message.rfind("w.safetensors: ", 0), 0u) << message;
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << message;
  }
}

}  // namespace

TEST(Safetensors, RoundTripKeepsNamesDtypesShapesBytesAndMetadata) {
  const auto encoded = mf::encode_safetensors(sample());
  const auto decoded = mf::parse_safetensors(raw_bytes(encoded), "mem");
  ASSERT_EQ(decoded.tensors.size(), 3u);
  EXPECT_EQ(decoded.metadata.at("format"), "pt");
  for (const auto& original : sample().tensors) {
    const auto* t = decoded.find(original.name);
    ASSERT_NE(t, nullptr) << original.name;
    EXPECT_EQ(t->dtype, original.dtype);
    EXPECT_EQ(t->shape, original.shape);
    EXPECT_EQ(t->data, original.data);
  }
  // Header length little-endian, data 8-byte aligned, the format's layout.
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i) header = header << 8 | static_cast<uint8_t>(encoded[i]);
  EXPECT_EQ((8 + header) % 8, 0u);
  EXPECT_EQ(encoded[8], '{');
  EXPECT_EQ(encoded.size(), 8 + header + 24 + 8 + 8);
}

TEST(Safetensors, WriteIsAtomicAndReadsBack) {
  mt::TempDir dir;
  const auto path = dir.file("w.safetensors");
  mf::write_safetensors(path, sample());
  EXPECT_EQ(mf::read_safetensors(path).tensors.size(), 3u);
  EXPECT_EQ(mt::list_files(dir.path()), (std::vector<std::string>{"w.safetensors"}));
  EXPECT_THROW(mf::write_safetensors(dir.file("missing/w.safetensors"), sample()), modlr::Error);
}

TEST(Safetensors, WriterRefusesInconsistentTensors) {
  auto content = sample();
  content.tensors[0].shape = {3, 3};
  EXPECT_THROW(mf::encode_safetensors(content), modlr::Error);
  content = sample();
  content.tensors.push_back(content.tensors[0]);
  EXPECT_THROW(mf::encode_safetensors(content), modlr::Error);
  content = sample();
  content.tensors[0].dtype = "F128";
  EXPECT_THROW(mf::encode_safetensors(content), modlr::Error);
}

TEST(Safetensors, RejectsTruncatedFiles) {
  const auto good = raw_bytes(mf::encode_safetensors(sample()));
  expect_rejected({good.begin(), good.begin() + 5}, {"truncated", "5 bytes"});
  expect_rejected({good.begin(), good.begin() + 40}, {"header length", "exceeds the file"});
  expect_rejected({good.begin(), good.end() - 3}, {"outside the data section"});
}

TEST(Safetensors, RejectsBadHeaderLengthAndJson) {
  expect_rejected(with_header("", 0), {"header length is 0"});
  auto huge = with_header("{}", 0);
  huge[7] = 0x7f;
  expect_rejected(huge, {"header length", "exceeds the file"});
  expect_rejected(with_header("{\"a\": [1,", 0), {"not valid JSON"});
  expect_rejected(with_header("[1, 2]", 0), {"not a JSON object"});
  expect_rejected(with_header(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                                  "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
                              8),
                  {"'a' appears twice"});
  expect_rejected(with_header(R"({"__metadata__": {"n": 1}})", 0), {"metadata 'n'"});
}

TEST(Safetensors, RejectsBadEntries) {
  expect_rejected(with_header(R"({"w": {"dtype": "F32", "shape": [1]}})", 4), {"'w'", "data_offsets"});
  expect_rejected(with_header(R"({"w": {"dtype": "X9", "shape": [1], "data_offsets": [0, 4]}})", 4),
                  {"'w'", "unknown safetensors dtype 'X9'"});
  expect_rejected(with_header(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", 4),
                  {"'w'", "negative"});
  expect_rejected(with_header(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}})", 4),
                  {"'w'", "begin 4 > end 0"});
  expect_rejected(with_header(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}})", 4),
                  {"'w'", "unexpected key 'x'"});
  expect_rejected(with_header(R"({"w": 3})", 0), {"'w'", "not a JSON object"});
}

TEST(Safetensors, RejectsOffsetsOutsideOverlapsGapsAndByteCountMismatch) {
  expect_rejected(with_header(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 4),
                  {"'w'", "outside the data section"});
  expect_rejected(with_header(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                  "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                              12),
                  {"'b'", "overlap"});
  expect_rejected(with_header(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", 8),
                  {"'a'", "unused bytes 0..4"});
  expect_rejected(with_header(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", 6),
                  {"2 trailing bytes"});
  expect_rejected(with_header(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8),
                  {"'w'", "need 12 bytes", "span 8"});
  expect_rejected(with_header(R"({"w": {"dtype": "I64", "shape": [2], "data_offsets": [0, 8]}})", 8),
                  {"'w'", "dtype I64", "need 16 bytes"});
}

TEST(Safetensors, AcceptsEmptyTensorsAndAnEmptyFile) {
  mf::SafetensorsContent content;
  content.tensors.push_back({"empty", "F32", {0, 3}, {}});
  const auto decoded = mf::parse_safetensors(raw_bytes(mf::encode_safetensors(content)), "mem");
  ASSERT_EQ(decoded.tensors.size(), 1u);
  EXPECT_EQ(decoded.tensors[0].shape, (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(mf::parse_safetensors(with_header("{}", 0), "mem").tensors.empty());
}
