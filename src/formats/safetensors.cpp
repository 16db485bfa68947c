#include "modlr/formats/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "modlr/core/error.h"
#include "modlr/core/text.h"
#include "modlr/formats/file_bytes.h"

// Tensor bytes are copied as they are in memory; the format stores little-endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors I/O assumes a little-endian host");

namespace modlr::formats {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit
constexpr const char* kMetadataKey = "__metadata__";

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw Error(source + ": invalid safetensors file: " + what);
}

// dtype size * product(shape), or fails naming the tensor when it overflows.
uint64_t expected_bytes(const std::string& source, const std::string& name, const std::string& dtype,
                        const std::vector<int64_t>& shape) {
  uint64_t bytes = dtype_size(dtype);
  for (auto dim : shape) {
    if (dim < 0) fail(source, "tensor '" + name + "' has a negative dimension " + dims_text(shape));
    if (dim != 0 && bytes > UINT64_MAX / static_cast<uint64_t>(dim))
      fail(source, "tensor '" + name + "' shape " + dims_text(shape) + " overflows");
    bytes *= static_cast<uint64_t>(dim);
  }
  return bytes;
}

struct Entry {
  SafeTensor tensor;
  uint64_t begin = 0, end = 0;
};

// Reads one header entry {dtype, shape, data_offsets}, checking types and byte counts.
Entry read_entry(const std::string& source, const std::string& name, const json& value) {
  const std::string where = "tensor '" + name + "'";
  if (!value.is_object()) fail(source, where + ": entry is not a JSON object");
  for (const auto& item : value.items())
    if (item.key() != "dtype" && item.key() != "shape" && item.key() != "data_offsets")
      fail(source, where + ": unexpected key '" + item.key() + "'");
  if (!value.contains("dtype") || !value["dtype"].is_string()) fail(source, where + ": missing or non-string 'dtype'");
  Entry entry;
  entry.tensor.name = name;
  entry.tensor.dtype = value["dtype"].get<std::string>();
  try {
    dtype_size(entry.tensor.dtype);
  } catch (const Error& e) {
    fail(source, where + ": " + e.what());
  }
  if (!value.contains("shape") || !value["shape"].is_array()) fail(source, where + ": missing or non-array 'shape'");
  for (const auto& dim : value["shape"]) {
    if (!dim.is_number_integer()) fail(source, where + ": 'shape' holds a non-integer");
    entry.tensor.shape.push_back(dim.get<int64_t>());
  }
  const auto& offsets = value.contains("data_offsets") ? value["data_offsets"] : json();
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    fail(source, where + ": 'data_offsets' must be [begin, end] with non-negative integers");
  entry.begin = offsets[0].get<uint64_t>();
  entry.end = offsets[1].get<uint64_t>();
  if (entry.begin > entry.end)
    fail(source, where + ": data_offsets begin " + std::to_string(entry.begin) + " > end " + std::to_string(entry.end));
  const auto bytes = expected_bytes(source, name, entry.tensor.dtype, entry.tensor.shape);
  if (bytes != entry.end - entry.begin)
    fail(source, where + ": dtype " + entry.tensor.dtype + " and shape " + dims_text(entry.tensor.shape) + " need " +
                     std::to_string(bytes) + " bytes, data_offsets span " + std::to_string(entry.end - entry.begin));
  return entry;
}

// Parses the JSON header, rejecting duplicate top-level names (which JSON parsers
// silently collapse).
json parse_header(const std::string& source, const char* begin, const char* end) {
  std::set<std::string> names;
  std::string duplicate;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && !names.insert(parsed.get<std::string>()).second)
      duplicate = parsed.get<std::string>();
    return true;
  };
  json header = json::parse(begin, end, callback, /*allow_exceptions=*/false);
  if (header.is_discarded()) fail(source, "header is not valid JSON");
  if (!header.is_object()) fail(source, "header is not a JSON object");
  if (!duplicate.empty()) fail(source, "tensor '" + duplicate + "' appears twice in the header");
  return header;
}

std::map<std::string, std::string> read_metadata(const std::string& source, const json& value) {
  if (!value.is_object()) fail(source, "'__metadata__' is not a JSON object");
  std::map<std::string, std::string> out;
  for (const auto& item : value.items()) {
    if (!item.value().is_string()) fail(source, "metadata '" + item.key() + "' is not a string");
    out[item.key()] = item.value().get<std::string>();
  }
  return out;
}

// Ranges must tile the data section exactly: sorted by begin, each starting where the
// previous ended, the last ending at the section's end (as the reference reader demands).
void check_layout(const std::string& source, std::vector<const Entry*> entries, uint64_t data_size) {
  std::sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t position = 0;
  for (const auto* e : entries) {
    const std::string where = "tensor '" + e->tensor.name + "'";
    if (e->end > data_size)
      fail(source, where + ": data_offsets [" + std::to_string(e->begin) + ", " + std::to_string(e->end) +
                       "] lie outside the data section (" + std::to_string(data_size) + " bytes; truncated file?)");
    if (e->begin < position)
      fail(source, where + ": data_offsets [" + std::to_string(e->begin) + ", " + std::to_string(e->end) +
                       "] overlap another tensor's bytes");
    if (e->begin > position)
      fail(source,
           where + ": unused bytes " + std::to_string(position) + ".." + std::to_string(e->begin) + " before its data");
    position = e->end;
  }
  if (position != data_size)
    fail(source, std::to_string(data_size - position) + " trailing bytes after the last tensor");
}

}  // namespace

const SafeTensor* SafetensorsContent::find(const std::string& name) const {
  for (const auto& tensor : tensors)
    if (tensor.name == name) return &tensor;
  return nullptr;
}

size_t dtype_size(const std::string& dtype) {
  static const std::map<std::string, size_t> sizes = {{"BOOL", 1}, {"U8", 1},   {"I8", 1},  {"I16", 2}, {"U16", 2},
                                                      {"F16", 2},  {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},
                                                      {"I64", 8},  {"U64", 8},  {"F64", 8}};
  auto it = sizes.find(dtype);
  if (it == sizes.end()) throw Error("unknown safetensors dtype '" + dtype + "'");
  return it->second;
}

std::string encode_safetensors(const SafetensorsContent& content) {
  std::vector<const SafeTensor*> sorted;
  for (const auto& t : content.tensors) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
  json header = json::object();
  if (!content.metadata.empty()) header[kMetadataKey] = content.metadata;
  uint64_t offset = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const auto& t = *sorted[i];
    if (t.name.empty() || t.name == kMetadataKey || (i > 0 && sorted[i - 1]->name == t.name))
      throw Error("safetensors: invalid or duplicate tensor name '" + t.name + "'");
    if (expected_bytes("safetensors", t.name, t.dtype, t.shape) != t.data.size())
      throw Error("safetensors: tensor '" + t.name + "' holds " + std::to_string(t.data.size()) +
                  " bytes, its dtype and shape need another count");
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string text = header.dump();
  text.append((8 - (8 + text.size()) % 8) % 8, ' ');
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((uint64_t(text.size()) >> (8 * i)) & 0xff);
  out += text;
  out.reserve(out.size() + offset);
  for (const auto* t : sorted) out.append(reinterpret_cast<const char*>(t->data.data()), t->data.size());
  return out;
}

SafetensorsContent parse_safetensors(const std::vector<uint8_t>& bytes, const std::string& source) {
  if (bytes.size() < 8)
    fail(source, "truncated: " + std::to_string(bytes.size()) + " bytes, less than the 8-byte header length");
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | bytes[i];
  if (header_size == 0) fail(source, "header length is 0");
  if (header_size > kMaxHeaderBytes || header_size > bytes.size() - 8)
    fail(source, "header length " + std::to_string(header_size) + " exceeds the file (" + std::to_string(bytes.size()) +
                     " bytes; truncated?)");
  const char* text = reinterpret_cast<const char*>(bytes.data() + 8);
  const json header = parse_header(source, text, text + header_size);
  SafetensorsContent content;
  std::vector<Entry> entries;
  for (const auto& item : header.items()) {
    if (item.key() == kMetadataKey)
      content.metadata = read_metadata(source, item.value());
    else
      entries.push_back(read_entry(source, item.key(), item.value()));
  }
  std::vector<const Entry*> pointers;
  pointers.reserve(entries.size());
  for (const auto& e : entries) pointers.push_back(&e);
  const uint64_t data_start = 8 + header_size;
  check_layout(source, pointers, bytes.size() - data_start);
  for (auto& e : entries) {
    e.tensor.data.assign(bytes.begin() + data_start + e.begin, bytes.begin() + data_start + e.end);
    content.tensors.push_back(std::move(e.tensor));
  }
  return content;
}

SafetensorsContent read_safetensors(const std::string& path) { return parse_safetensors(read_file_bytes(path), path); }

void write_safetensors(const std::string& path, const SafetensorsContent& content) {
  write_file_atomic(path, encode_safetensors(content));
}

}  // namespace modlr::formats
