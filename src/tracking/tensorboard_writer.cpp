#include "modlr/tracking/tensorboard_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "modlr/core/error.h"
#include "modlr/formats/protobuf.h"

namespace modlr {
namespace {

using formats::ProtoWriter;

// Field numbers and enum values, from TensorBoard 2.21.0's .proto files (the PyPI wheel
// ships them compiled into tensorboard/compat/proto/*_pb2.py and
// tensorboard/plugins/hparams/*_pb2.py, whose descriptors hold the same numbers).

// tensorboard/compat/proto/event.proto, message Event.
constexpr uint32_t kEventWallTime = 1;     // double
constexpr uint32_t kEventStep = 2;         // int64
constexpr uint32_t kEventFileVersion = 3;  // string (oneof what)
constexpr uint32_t kEventSummary = 5;      // Summary (oneof what)

// tensorboard/compat/proto/summary.proto: Summary, Summary.Value, Summary.Image,
// SummaryMetadata, SummaryMetadata.PluginData.
constexpr uint32_t kSummaryValue = 1;             // repeated Value
constexpr uint32_t kValueTag = 1;                 // string
constexpr uint32_t kValueSimpleValue = 2;         // float (oneof value)
constexpr uint32_t kValueImage = 4;               // Image (oneof value)
constexpr uint32_t kValueTensor = 8;              // TensorProto (oneof value)
constexpr uint32_t kValueMetadata = 9;            // SummaryMetadata
constexpr uint32_t kImageHeight = 1;              // int32
constexpr uint32_t kImageWidth = 2;               // int32
constexpr uint32_t kImageColorspace = 3;          // int32: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
constexpr uint32_t kImageEncodedImageString = 4;  // bytes
constexpr uint32_t kMetadataPluginData = 1;       // PluginData
constexpr uint32_t kPluginDataPluginName = 1;     // string
constexpr uint32_t kPluginDataContent = 2;        // bytes

// tensorboard/compat/proto/tensor.proto (TensorProto), tensor_shape.proto
// (TensorShapeProto, TensorShapeProto.Dim), types.proto (enum DataType).
constexpr uint32_t kTensorDtype = 1;      // DataType
constexpr uint32_t kTensorShape = 2;      // TensorShapeProto
constexpr uint32_t kTensorStringVal = 8;  // repeated bytes
constexpr uint32_t kShapeDim = 2;         // repeated Dim
constexpr uint32_t kDimSize = 1;          // int64
constexpr int64_t kDtFloat = 1;           // DT_FLOAT
constexpr int64_t kDtString = 7;          // DT_STRING

// tensorboard/plugins/hparams/plugin_data.proto: HParamsPluginData (its version, field 1,
// stays 0, the current one, which proto3 leaves out), SessionStartInfo, SessionEndInfo.
constexpr uint32_t kPluginDataExperiment = 2;        // Experiment (oneof data)
constexpr uint32_t kPluginDataSessionStartInfo = 3;  // SessionStartInfo (oneof data)
constexpr uint32_t kPluginDataSessionEndInfo = 4;    // SessionEndInfo (oneof data)
constexpr uint32_t kStartInfoHparams = 1;            // map<string, google.protobuf.Value>
constexpr uint32_t kMapEntryKey = 1;                 // (every map entry: key 1, value 2)
constexpr uint32_t kMapEntryValue = 2;
constexpr uint32_t kStartInfoStartTimeSecs = 5;  // double
constexpr uint32_t kEndInfoStatus = 1;           // Status
constexpr uint32_t kEndInfoEndTimeSecs = 2;      // double

// tensorboard/plugins/hparams/api.proto: Experiment, HParamInfo, MetricInfo, MetricName,
// enums DataType and Status.
constexpr uint32_t kExperimentTimeCreatedSecs = 3;  // double
constexpr uint32_t kExperimentHparamInfos = 4;      // repeated HParamInfo
constexpr uint32_t kExperimentMetricInfos = 5;      // repeated MetricInfo
constexpr uint32_t kHparamInfoName = 1;             // string
constexpr uint32_t kHparamInfoType = 4;             // DataType
constexpr uint32_t kMetricInfoName = 1;             // MetricName
constexpr uint32_t kMetricNameTag = 2;              // string (group, field 1, stays "": this run)
constexpr int64_t kDataTypeString = 1;              // DATA_TYPE_STRING
constexpr int64_t kDataTypeBool = 2;                // DATA_TYPE_BOOL
constexpr int64_t kDataTypeFloat64 = 3;             // DATA_TYPE_FLOAT64
constexpr int64_t kStatusSuccess = 1;               // STATUS_SUCCESS
constexpr int64_t kStatusFailure = 2;               // STATUS_FAILURE

// google/protobuf/struct.proto, message Value (oneof kind).
constexpr uint32_t kStructNumberValue = 2;  // double
constexpr uint32_t kStructStringValue = 3;  // string
constexpr uint32_t kStructBoolValue = 4;    // bool

// The tags and plugin names the plugins look for (tensorboard/plugins/*/metadata.py).
constexpr const char* kTextPlugin = "text";
constexpr const char* kHparamsPlugin = "hparams";
constexpr const char* kExperimentTag = "_hparams_/experiment";
constexpr const char* kSessionStartInfoTag = "_hparams_/session_start_info";
constexpr const char* kSessionEndInfoTag = "_hparams_/session_end_info";

// The byte-at-a-time table of the reflected Castagnoli polynomial, built at compile time.
constexpr std::array<uint32_t, 256> make_crc32c_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? 0x82f63b78u : 0u);
    table[i] = crc;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrc32cTable = make_crc32c_table();

void put_le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// A double field (wire type 1, fixed64 little-endian), which ProtoWriter lacks. The caller
// appends it to a message's ProtoWriter bytes: protobuf fields may come in any order.
std::string double_field(uint32_t field, double value) {
  std::string out;
  for (uint64_t tag = (uint64_t{field} << 3) | 1u; true; tag >>= 7) {
    if (tag < 0x80) {
      out.push_back(static_cast<char>(tag));
      break;
    }
    out.push_back(static_cast<char>((tag & 0x7f) | 0x80));
  }
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  put_le(out, bits, 8);
  return out;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// TensorBoard's own naming (events.out.tfevents.<time>.<host>...), which its directory
// watcher recognises by "tfevents"; the pid keeps concurrent processes apart.
std::string event_file_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "localhost");
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return "events.out.tfevents." + std::to_string(seconds) + "." + host + "." + std::to_string(::getpid()) + ".modlr";
}

// SummaryMetadata naming the plugin that owns a value, with that plugin's serialized data.
ProtoWriter plugin_metadata(const std::string& plugin_name, const std::string& content) {
  ProtoWriter plugin_data;
  plugin_data.add_bytes(kPluginDataPluginName, plugin_name);
  if (!content.empty()) plugin_data.add_bytes(kPluginDataContent, content);
  ProtoWriter metadata;
  metadata.add_message(kMetadataPluginData, plugin_data);
  return metadata;
}

// A TensorProto of `dtype` and one dimension of `size` elements.
ProtoWriter vector_tensor(int64_t dtype, int64_t size) {
  ProtoWriter dim;
  if (size != 0) dim.add_int(kDimSize, size);  // proto3 leaves the default 0 out
  ProtoWriter shape;
  shape.add_message(kShapeDim, dim);
  ProtoWriter tensor;
  tensor.add_int(kTensorDtype, dtype);
  tensor.add_message(kTensorShape, shape);
  return tensor;
}

// A Summary.Value for the hparams plugin: `plugin_data` (a serialized HParamsPluginData)
// in the metadata and, as TensorBoard's own hparams summaries have, an empty float tensor.
std::string hparams_value(const std::string& tag, const std::string& plugin_data) {
  ProtoWriter value;
  value.add_bytes(kValueTag, tag);
  value.add_message(kValueTensor, vector_tensor(kDtFloat, 0));
  value.add_message(kValueMetadata, plugin_metadata(kHparamsPlugin, plugin_data));
  return value.bytes();
}

int64_t hparam_data_type(const HParamValue& value) {
  switch (value.kind) {
    case HParamValue::Kind::kNumber:
      return kDataTypeFloat64;
    case HParamValue::Kind::kString:
      return kDataTypeString;
    case HParamValue::Kind::kBool:
      return kDataTypeBool;
  }
  return kDataTypeString;
}

// google.protobuf.Value of `value`. Written even when 0 / "" / false: the field is in a
// oneof, whose presence says which kind the value is.
std::string struct_value(const HParamValue& value) {
  if (value.kind == HParamValue::Kind::kNumber) return double_field(kStructNumberValue, value.number);
  ProtoWriter out;
  if (value.kind == HParamValue::Kind::kString) out.add_bytes(kStructStringValue, value.text);
  if (value.kind == HParamValue::Kind::kBool) out.add_int(kStructBoolValue, value.flag ? 1 : 0);
  return out.bytes();
}

// HParamsPluginData{experiment}: each hparam's name and type and the metrics' scalar tags.
std::string experiment_data(const std::map<std::string, HParamValue>& hparams,
                            const std::vector<std::string>& metric_tags, double time_created) {
  ProtoWriter experiment;
  for (const auto& [name, value] : hparams) {
    ProtoWriter info;
    info.add_bytes(kHparamInfoName, name);
    info.add_int(kHparamInfoType, hparam_data_type(value));
    experiment.add_message(kExperimentHparamInfos, info);
  }
  for (const auto& tag : metric_tags) {
    ProtoWriter metric_name;
    metric_name.add_bytes(kMetricNameTag, tag);
    ProtoWriter info;
    info.add_message(kMetricInfoName, metric_name);
    experiment.add_message(kExperimentMetricInfos, info);
  }
  ProtoWriter data;
  data.add_bytes(kPluginDataExperiment, experiment.bytes() + double_field(kExperimentTimeCreatedSecs, time_created));
  return data.bytes();
}

// HParamsPluginData{session_start_info}: the values.
std::string session_start_data(const std::map<std::string, HParamValue>& hparams, double start_time) {
  ProtoWriter start_info;
  for (const auto& [name, value] : hparams) {
    ProtoWriter entry;
    entry.add_bytes(kMapEntryKey, name);
    entry.add_bytes(kMapEntryValue, struct_value(value));
    start_info.add_message(kStartInfoHparams, entry);
  }
  ProtoWriter data;
  data.add_bytes(kPluginDataSessionStartInfo, start_info.bytes() + double_field(kStartInfoStartTimeSecs, start_time));
  return data.bytes();
}

}  // namespace

uint32_t crc32c(std::string_view bytes) {
  uint32_t crc = 0xffffffffu;
  for (const char c : bytes) crc = kCrc32cTable[(crc ^ static_cast<uint8_t>(c)) & 0xffu] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

uint32_t masked_crc32c(std::string_view bytes) {
  const uint32_t crc = crc32c(bytes);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

std::string tfrecord(std::string_view payload) {
  std::string length;
  put_le(length, payload.size(), 8);
  std::string out = length;
  out.reserve(8 + 4 + payload.size() + 4);
  put_le(out, masked_crc32c(length), 4);
  out.append(payload);
  put_le(out, masked_crc32c(payload), 4);
  return out;
}

TensorBoardWriter::TensorBoardWriter(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw Error(dir + ": cannot create the TensorBoard directory: " + error.message());
  path_ = dir + "/" + event_file_name();
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  if (fd_ < 0) throw_file_error(path_, "cannot open the TensorBoard event file", errno);
  try {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) throw_file_error(path_, "cannot stat the TensorBoard event file", errno);
    size_ = static_cast<uint64_t>(info.st_size);
    ProtoWriter event;
    event.add_bytes(kEventFileVersion, "brain.Event:2");
    write_record(double_field(kEventWallTime, now_seconds()) + event.bytes());
  } catch (...) {
    ::close(fd_);  // the destructor does not run for a constructor that throws
    throw;
  }
}

TensorBoardWriter::~TensorBoardWriter() {
  if (fd_ >= 0) ::close(fd_);
}

TensorBoardWriter::TensorBoardWriter(TensorBoardWriter&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

TensorBoardWriter& TensorBoardWriter::operator=(TensorBoardWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

void TensorBoardWriter::write_record(const std::string& event) {
  const std::string record = tfrecord(event);
  size_t done = 0;
  while (done < record.size()) {
    const ssize_t n = ::write(fd_, record.data() + done, record.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      // Cut the partial record off: readers stop at a torn record, and the records after it
      // (should a later write succeed) would be lost to them.
      if (done > 0) (void)::ftruncate(fd_, static_cast<off_t>(size_));
      throw_file_error(path_, "cannot write a TensorBoard event", err);
    }
    done += static_cast<size_t>(n);
  }
  size_ += record.size();
}

void TensorBoardWriter::write_summary(const std::string& summary_value, int64_t step, double wall_time) {
  ProtoWriter summary;
  summary.add_bytes(kSummaryValue, summary_value);
  ProtoWriter event;
  event.add_int(kEventStep, step);
  event.add_message(kEventSummary, summary);
  write_record(double_field(kEventWallTime, wall_time) + event.bytes());
}

void TensorBoardWriter::add_scalar(const std::string& tag, double value, int64_t step) {
  ProtoWriter summary_value;
  summary_value.add_bytes(kValueTag, tag);
  summary_value.add_float(kValueSimpleValue, static_cast<float>(value));
  write_summary(summary_value.bytes(), step, now_seconds());
}

void TensorBoardWriter::add_text(const std::string& tag, const std::string& text, int64_t step) {
  ProtoWriter tensor = vector_tensor(kDtString, 1);
  tensor.add_bytes(kTensorStringVal, text);
  ProtoWriter summary_value;
  summary_value.add_bytes(kValueTag, tag);
  summary_value.add_message(kValueTensor, tensor);
  // The text plugin's data (TextPluginData, version 0) serializes to no bytes at all.
  summary_value.add_message(kValueMetadata, plugin_metadata(kTextPlugin, ""));
  write_summary(summary_value.bytes(), step, now_seconds());
}

void TensorBoardWriter::add_image(const std::string& tag, const formats::Image8& image, int64_t step) {
  const std::string png = formats::encode_png(image);
  ProtoWriter encoded;
  encoded.add_int(kImageHeight, image.height);
  encoded.add_int(kImageWidth, image.width);
  encoded.add_int(kImageColorspace, image.channels);  // 1, 3, 4: gray, RGB, RGBA, as numbered there
  encoded.add_bytes(kImageEncodedImageString, png);
  ProtoWriter summary_value;
  summary_value.add_bytes(kValueTag, tag);
  summary_value.add_message(kValueImage, encoded);
  write_summary(summary_value.bytes(), step, now_seconds());
}

void TensorBoardWriter::add_image(const std::string& tag, uint32_t width, uint32_t height, int channels,
                                  const std::vector<uint8_t>& pixels, int64_t step) {
  formats::Image8 image;
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.pixels = pixels;
  add_image(tag, image, step);
}

void TensorBoardWriter::add_hparams(const std::map<std::string, HParamValue>& hparams,
                                    const std::vector<std::string>& metric_tags) {
  const double now = now_seconds();
  write_summary(hparams_value(kExperimentTag, experiment_data(hparams, metric_tags, now)), 0, now);
  write_summary(hparams_value(kSessionStartInfoTag, session_start_data(hparams, now)), 0, now);
}

void TensorBoardWriter::end_hparams_session(bool success, int64_t step) {
  const double now = now_seconds();
  ProtoWriter end_info;
  end_info.add_int(kEndInfoStatus, success ? kStatusSuccess : kStatusFailure);
  ProtoWriter data;
  data.add_bytes(kPluginDataSessionEndInfo, end_info.bytes() + double_field(kEndInfoEndTimeSecs, now));
  write_summary(hparams_value(kSessionEndInfoTag, data.bytes()), step, now);
}

}  // namespace modlr
