#pragma once
/// TensorBoard event files, written without TensorFlow or libprotobuf: TFRecord framing
/// (length, masked CRC32C) around Event protos encoded with formats::ProtoWriter. The field
/// numbers come from TensorBoard's own .proto files (see tensorboard_writer.cpp); the tests
/// read the files back with PyPI tensorboard's event reader. No torch here.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "modlr/formats/png.h"

namespace modlr {

/// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78) of `bytes`: crc32c("123456789") is
/// 0xe3069283.
uint32_t crc32c(std::string_view bytes);

/// TFRecord's masked CRC: ((crc >> 15) | (crc << 17)) + 0xa282ead8 of crc32c(`bytes`).
uint32_t masked_crc32c(std::string_view bytes);

/// One TFRecord: the payload's length as uint64 little-endian, the masked CRC32C of those
/// 8 bytes (uint32 LE), the payload, the masked CRC32C of the payload (uint32 LE).
std::string tfrecord(std::string_view payload);

/// One hyperparameter's value, as google.protobuf.Value holds it: a number (any arithmetic
/// type but bool, stored as double), a string or a bool. The constructors are implicit so
/// that `{{"lr", 0.1}, {"optimizer", "sgd"}, {"nesterov", true}, {"epochs", 10}}` builds a
/// map; a string literal stays a string (a std::variant would turn it into a bool).
struct HParamValue {
  enum class Kind { kNumber, kString, kBool };
  template <typename T, std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>, int> = 0>
  HParamValue(T value) : kind(Kind::kNumber), number(static_cast<double>(value)) {}
  HParamValue(bool value) : kind(Kind::kBool), flag(value) {}
  HParamValue(std::string value) : kind(Kind::kString), text(std::move(value)) {}
  HParamValue(const char* value) : kind(Kind::kString), text(value) {}

  Kind kind;
  double number = 0;
  std::string text;
  bool flag = false;
};

/// Appends Events to one new event file in a directory, the way TensorBoard's own writers
/// do, so that `tensorboard --logdir` on that directory (or a parent) shows them.
///
/// Every add_* call writes one complete record with write(2) straight to the file (nothing
/// is buffered in the process, so a crash loses no earlier record) and stamps it with the
/// current wall-clock time (Event.wall_time, seconds since the Unix epoch, as a double).
/// A failed write (full disk, file size limit, I/O error) throws modlr::Error naming the
/// file and cuts off the partial record, so the file holds only the complete records
/// written before; the writer stays usable.
///
/// Not thread-safe; one writer per file. Movable (a moved-from writer may only be destroyed
/// or assigned to), not copyable; closes the file when destroyed.
class TensorBoardWriter {
 public:
  /// Creates `dir` (and its parents, like `mkdir -p`) and opens
  /// `dir/events.out.tfevents.<unix seconds>.<hostname>.<pid>.modlr` for appending, then
  /// writes the first Event, file_version "brain.Event:2". Throws modlr::Error naming the
  /// directory or the file when either cannot be created or written.
  explicit TensorBoardWriter(const std::string& dir);
  ~TensorBoardWriter();
  TensorBoardWriter(TensorBoardWriter&& other) noexcept;
  TensorBoardWriter& operator=(TensorBoardWriter&& other) noexcept;
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  /// The event file's path.
  const std::string& path() const { return path_; }

  /// A scalar (Summary.Value.simple_value): `value` is stored as a float32, as TensorBoard's
  /// scalars always are. `step` is the x coordinate (e.g. the global batch or the epoch).
  void add_scalar(const std::string& tag, double value, int64_t step);

  /// A text entry for the text plugin, rendered as Markdown: a DT_STRING tensor of shape [1]
  /// holding `text` (UTF-8), with plugin_name "text".
  void add_text(const std::string& tag, const std::string& text, int64_t step);

  /// An image (Summary.Value.image), PNG-encoded by formats::encode_png; 1, 3 or 4 channels
  /// (gray, RGB, RGBA). Throws modlr::Error, writing nothing, for an image encode_png rejects.
  void add_image(const std::string& tag, const formats::Image8& image, int64_t step);
  /// The same from raw row-major, channel-interleaved pixels (height * width * channels bytes).
  void add_image(const std::string& tag, uint32_t width, uint32_t height, int channels,
                 const std::vector<uint8_t>& pixels, int64_t step);

  /// The run's hyperparameters for the HParams plugin, at step 0: the `_hparams_/experiment`
  /// summary (each hparam's name and type, and `metric_tags`: the scalar tags, written with
  /// add_scalar, that the plugin shows as metrics) and the `_hparams_/session_start_info`
  /// summary with the values. Call once per file, before end_hparams_session.
  void add_hparams(const std::map<std::string, HParamValue>& hparams, const std::vector<std::string>& metric_tags);

  /// `_hparams_/session_end_info`: the run ended with STATUS_SUCCESS (`success`) or
  /// STATUS_FAILURE. Written at the step given (the last step the run reached).
  void end_hparams_session(bool success, int64_t step = 0);

 private:
  /// Frames `event` (a serialized Event) as a TFRecord and appends it; see the class comment.
  void write_record(const std::string& event);
  /// Writes an Event holding one Summary with the value `summary_value` (a serialized
  /// Summary.Value) at `step`, stamped `wall_time`.
  void write_summary(const std::string& summary_value, int64_t step, double wall_time);

  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;  // bytes of complete records in the file: where a failed write is cut back to
};

}  // namespace modlr
