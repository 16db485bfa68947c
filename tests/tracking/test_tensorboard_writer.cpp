// modlr's TensorBoard event writer: CRC32C and TFRecord framing against published and
// hand-derived values, a round trip through PyPI tensorboard's own readers
// (tests/tracking/read_tensorboard_events.py) comparing every value, and its errors.
// Torch-free: the helpers here are local (prefixed tb_, as the tests build in unity batches).
#include "modlr/tracking/tensorboard_writer.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "modlr/core/error.h"
#include "modlr/formats/png.h"

namespace {

// A fresh directory under the temp dir, removed with everything in it.
struct TbTempDir {
  TbTempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "modlr-tb-XXXXXX").string();
    if (!::mkdtemp(&pattern[0])) throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~TbTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string path;
};

std::string tb_error_message(const std::function<void()>& body) {
  try {
    body();
  } catch (const modlr::Error& e) {
    return e.what();
  }
  return "no error";
}

std::string tb_hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out.push_back(digits[static_cast<uint8_t>(c) >> 4]);
    out.push_back(digits[static_cast<uint8_t>(c) & 15]);
  }
  return out;
}

std::string tb_hex(const std::vector<uint8_t>& bytes) {
  return tb_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// The IEEE bit patterns the reader script prints floats as.
std::string tb_f32(float value) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  char out[16];
  std::snprintf(out, sizeof out, "%08x", bits);
  return out;
}

std::string tb_f64(double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  char out[24];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(bits));
  return out;
}

double tb_f64_from_hex(const std::string& hex) {
  const uint64_t bits = std::strtoull(hex.c_str(), nullptr, 16);
  double value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// A JSON string as Python's json.dumps(ensure_ascii=False) writes it.
std::string tb_json(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<uint8_t>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string tb_slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The payloads of the TFRecords in `bytes`, checking both CRCs of each and that nothing
// follows the last record.
std::vector<std::string> tb_records(const std::string& bytes) {
  std::vector<std::string> payloads;
  size_t pos = 0;
  auto le32 = [&](size_t at) {
    uint32_t value = 0;
    std::memcpy(&value, bytes.data() + at, 4);
    return value;
  };
  while (pos < bytes.size()) {
    EXPECT_LE(pos + 12, bytes.size()) << "truncated header";
    if (pos + 12 > bytes.size()) break;
    uint64_t length = 0;
    std::memcpy(&length, bytes.data() + pos, 8);
    EXPECT_EQ(le32(pos + 8), modlr::masked_crc32c(bytes.substr(pos, 8)));
    EXPECT_LE(pos + 16 + length, bytes.size()) << "truncated record";
    if (pos + 16 + length > bytes.size()) break;
    payloads.push_back(bytes.substr(pos + 12, length));
    EXPECT_EQ(le32(pos + 12 + length), modlr::masked_crc32c(payloads.back()));
    pos += 16 + length;
  }
  return payloads;
}

std::string tb_python() { return MODLR_PYTHON; }

bool tb_tensorboard_available() {
  return std::system((tb_python() + " -c 'import tensorboard, PIL' >/dev/null 2>&1").c_str()) == 0;
}

// The reader script's output lines for the event file at `path`; stderr goes to the failure.
std::vector<std::string> tb_read_events(const std::string& path, const std::string& scratch_dir) {
  const std::string err = scratch_dir + "/reader.err";
  const std::string command = tb_python() + " " + MODLR_SOURCE_DIR + "/tests/tracking/read_tensorboard_events.py '" +
                              path + "' 2>'" + err + "'";
  std::vector<std::string> lines;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return lines;
  std::string line;
  for (int c; (c = std::fgetc(pipe)) != EOF;) {
    if (c != '\n') {
      line.push_back(static_cast<char>(c));
      continue;
    }
    lines.push_back(line);
    line.clear();
  }
  const int status = ::pclose(pipe);
  EXPECT_EQ(status, 0) << command << ":\n" << tb_slurp(err);
  return lines;
}

// Replaces an event line's "wall_time":"<hex>" with "T", returning the time it held.
double tb_take_wall_time(std::string& line) {
  const std::string key = "\"wall_time\":\"";
  const size_t at = line.find(key);
  if (at == std::string::npos) return -1;
  const double value = tb_f64_from_hex(line.substr(at + key.size(), 16));
  line.replace(at + key.size(), 16, "T");
  return value;
}

double tb_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

modlr::formats::Image8 tb_image(uint32_t width, uint32_t height, int channels) {
  modlr::formats::Image8 image;
  image.width = width;
  image.height = height;
  image.channels = channels;
  for (uint32_t i = 0; i < width * height * static_cast<uint32_t>(channels); ++i)
    image.pixels.push_back(static_cast<uint8_t>(i * 37 + 11));
  return image;
}

// The reader's JSON for one Summary event of a single value.
std::string tb_event(int64_t step, const std::string& value) {
  return "{\"event\":{\"step\":" + std::to_string(step) + ",\"values\":[" + value + "],\"wall_time\":\"T\"}}";
}

std::string tb_scalar(const std::string& tag, float value) {
  return "{\"simple_value\":\"" + tb_f32(value) + "\",\"tag\":" + tb_json(tag) + "}";
}

std::string tb_image_value(const std::string& tag, const modlr::formats::Image8& image, const char* mode) {
  const std::string w = std::to_string(image.width), h = std::to_string(image.height);
  return "{\"image\":{\"colorspace\":" + std::to_string(image.channels) + ",\"decoded\":[" + w + "," + h + ",\"" +
         mode + "\",\"" + tb_hex(image.pixels) + "\"],\"height\":" + h + ",\"png\":\"" +
         tb_hex(modlr::formats::encode_png(image)) + "\",\"width\":" + w + "},\"tag\":" + tb_json(tag) + "}";
}

std::string tb_hparams_value(const std::string& tag, const std::string& data) {
  return "{\"hparams\":{" + data + ",\"version\":0},\"plugin\":\"hparams\",\"tag\":\"" + tag +
         "\",\"tensor\":{\"dtype\":1,\"shape\":[0],\"string_val\":[]}}";
}

}  // namespace

TEST(TensorBoardCrc32c, MatchesPublishedCheckValues) {
  EXPECT_EQ(modlr::crc32c("123456789"), 0xe3069283u);  // the CRC catalogue's check value
  EXPECT_EQ(modlr::crc32c(""), 0u);
  // RFC 3720 (iSCSI) appendix B.4: 32 bytes of zeros, of ones, ascending, descending.
  EXPECT_EQ(modlr::crc32c(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(modlr::crc32c(std::string(32, '\xff')), 0x62a8ab43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(modlr::crc32c(ascending), 0x46dd794eu);
  EXPECT_EQ(modlr::crc32c(descending), 0x113fdb5cu);
}

TEST(TensorBoardCrc32c, MaskRotatesRightBy15AndAddsTheConstant) {
  // 0xe3069283 rotated right by 15 is 0x2507c60d; + 0xa282ead8 = 0xc78ab0e5.
  EXPECT_EQ(modlr::masked_crc32c("123456789"), 0xc78ab0e5u);
  EXPECT_EQ(modlr::masked_crc32c(""), 0xa282ead8u);  // crc 0 rotates to 0
}

TEST(TensorBoardTfRecord, FramesLengthCrcPayloadCrc) {
  // Empty payload: length 0 (8 zero bytes), masked crc32c of 8 zero bytes (0x07980329, as
  // TensorBoard's reader computes it), no payload, masked crc32c of "" (0xa282ead8); all LE.
  EXPECT_EQ(tb_hex(modlr::tfrecord("")),
            "0000000000000000"
            "29039807"
            "d8ea82a2");
  // "abc": length 3, masked crc32c of 03 00.. (0x0e4999b0), "abc", masked crc32c("abc")
  // (crc 0x364b3fb7 rotated to 0x7f6e6c96, + 0xa282ead8 = 0x21f1576e).
  EXPECT_EQ(tb_hex(modlr::tfrecord("abc")),
            "0300000000000000"
            "b099490e"
            "616263"
            "6e57f121");
}

namespace {

// What the round trip writes, and the reader's lines that must come back for it.
struct TbRoundTrip {
  const std::string text = "experiment: \"demo\"\n\tlr: 0.1  # \\ ünïcödé ✓";
  const modlr::formats::Image8 gray = tb_image(3, 2, 1), rgb = tb_image(2, 2, 3), rgba = tb_image(1, 3, 4);

  // Writes every kind of event into `dir` (created like mkdir -p); the event file's path.
  std::string write(const std::string& dir) const {
    modlr::TensorBoardWriter writer(dir);
    writer.add_hparams({{"lr", 0.1}, {"optimizer", "sgd"}, {"nesterov", true}, {"epochs", 10}, {"off", false}},
                       {"train/loss", "test/accuracy"});
    writer.add_scalar("train/loss", 2.5, 0);
    writer.add_scalar("train/loss", 0.1, 100);  // not exact in float32: stored as 0.1f
    writer.add_scalar("test/accuracy", -0.0, int64_t{1} << 40);
    writer.add_text("config", text, 3);
    writer.add_image("samples", gray, 4);
    writer.add_image("samples", rgb.width, rgb.height, rgb.channels, rgb.pixels, 5);
    writer.add_image("rgba", rgba, 6);
    writer.end_hparams_session(true, 100);
    return writer.path();
  }

  std::vector<std::string> expected() const {
    const std::string text_value =
        "{\"plugin\":\"text\",\"plugin_content\":\"\",\"tag\":\"config\",\"tensor\":{\"dtype\":7,"
        "\"shape\":[1],\"string_val\":[" +
        tb_json(text) + "]}}";
    return {"{\"framing\":{\"records\":11}}",
            "{\"event\":{\"file_version\":\"brain.Event:2\",\"step\":0,\"wall_time\":\"T\"}}",
            tb_event(0, tb_hparams_value("_hparams_/experiment", experiment())),
            tb_event(0, tb_hparams_value("_hparams_/session_start_info", session_start())),
            tb_event(0, tb_scalar("train/loss", 2.5f)),
            tb_event(100, tb_scalar("train/loss", 0.1f)),
            tb_event(int64_t{1} << 40, tb_scalar("test/accuracy", -0.0f)),
            tb_event(3, text_value),
            tb_event(4, tb_image_value("samples", gray, "L")),
            tb_event(5, tb_image_value("samples", rgb, "RGB")),
            tb_event(6, tb_image_value("rgba", rgba, "RGBA")),
            tb_event(100, tb_hparams_value("_hparams_/session_end_info",
                                           "\"data\":\"session_end_info\",\"status\":\"STATUS_SUCCESS\","
                                           "\"time_is_wall_time\":true")),
            accumulator()};
  }

  static std::string experiment() {
    return "\"data\":\"experiment\",\"hparam_infos\":[[\"epochs\",\"DATA_TYPE_FLOAT64\"],[\"lr\",\"DATA_TYPE_FLOAT64\"]"
           ","
           "[\"nesterov\",\"DATA_TYPE_BOOL\"],[\"off\",\"DATA_TYPE_BOOL\"],[\"optimizer\",\"DATA_TYPE_STRING\"]],"
           "\"metric_infos\":[[\"\",\"train/loss\"],[\"\",\"test/accuracy\"]],\"time_is_wall_time\":true";
  }

  static std::string session_start() {
    return "\"data\":\"session_start_info\",\"group_name\":\"\",\"hparams\":{\"epochs\":[\"number_value\",\"" +
           tb_f64(10) + "\"],\"lr\":[\"number_value\",\"" + tb_f64(0.1) +
           "\"],\"nesterov\":[\"bool_value\",true],\"off\":[\"bool_value\",false],"
           "\"optimizer\":[\"string_value\",\"sgd\"]},\"time_is_wall_time\":true";
  }

  // What EventAccumulator, TensorBoard's backend, makes of the file.
  std::string accumulator() const {
    const auto png = [](const modlr::formats::Image8& image) { return tb_hex(modlr::formats::encode_png(image)); };
    return "{\"accumulator\":{\"hparams_tags\":[\"_hparams_/experiment\",\"_hparams_/session_end_info\","
           "\"_hparams_/session_start_info\"],\"images\":{\"rgba\":[[6,1,3,\"" +
           png(rgba) + "\"]],\"samples\":[[4,3,2,\"" + png(gray) + "\"],[5,2,2,\"" + png(rgb) +
           "\"]]},\"scalars\":{\"test/accuracy\":[[1099511627776,\"" + tb_f32(-0.0f) + "\"]],\"train/loss\":[[0,\"" +
           tb_f32(2.5f) + "\"],[100,\"" + tb_f32(0.1f) + "\"]]},\"text\":{\"config\":[[3,[" + tb_json(text) + "]]]}}}";
  }
};

}  // namespace

TEST(TensorBoardWriter, TensorBoardReadsBackEveryValue) {
  if (!tb_tensorboard_available()) GTEST_SKIP() << tb_python() << " has no tensorboard (scripts/setup.sh)";
  TbTempDir dir;
  const TbRoundTrip round_trip;
  const double before = tb_now();
  const std::string path = round_trip.write(dir.path + "/runs/nested");
  const double after = tb_now();
  const std::string name = std::filesystem::path(path).filename().string();
  EXPECT_EQ(name.rfind("events.out.tfevents.", 0), 0u) << name;
  EXPECT_NE(name.find("." + std::to_string(::getpid()) + ".modlr"), std::string::npos) << name;

  const auto expected = round_trip.expected();
  auto lines = tb_read_events(path, dir.path);
  ASSERT_EQ(lines.size(), expected.size());
  double previous = before;
  for (size_t i = 0; i < lines.size(); ++i) {
    const double wall_time = tb_take_wall_time(lines[i]);
    if (lines[i].rfind("{\"event\"", 0) == 0) {  // stamped in order, between before and after
      EXPECT_GE(wall_time, previous) << i;
      EXPECT_LE(wall_time, after) << i;
      previous = wall_time;
    }
    EXPECT_EQ(lines[i], expected[i]) << "line " << i;
  }
}

TEST(TensorBoardWriter, AnUncreatableDirectoryIsAnErrorNamingIt) {
  TbTempDir dir;
  std::ofstream(dir.path + "/file") << "not a directory";
  const std::string logdir = dir.path + "/file/runs";
  const std::string message = tb_error_message([&] { modlr::TensorBoardWriter writer(logdir); });
  EXPECT_NE(message.find(logdir), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(TensorBoardWriter, AFailedWriteNamesTheFileAndKeepsTheRecordsBefore) {
  TbTempDir dir;
  modlr::TensorBoardWriter writer(dir.path);
  writer.add_scalar("loss", 1.5, 0);
  const std::string before = tb_slurp(writer.path());
  // A full disk, simulated: RLIMIT_FSIZE makes write() stop part-way through the record.
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = before.size() + 40;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const std::string message = tb_error_message([&] { writer.add_text("config", std::string(1000, 'x'), 1); });
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(message.find(writer.path()), std::string::npos) << message;
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_EQ(tb_slurp(writer.path()), before);  // the partial record is cut off

  writer.add_scalar("loss", 0.5, 2);  // and the writer goes on
  const auto records = tb_records(tb_slurp(writer.path()));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(tb_slurp(writer.path()).substr(0, before.size()), before);
}

TEST(TensorBoardWriter, AnImagePngRejectsIsAnErrorAndWritesNothing) {
  TbTempDir dir;
  modlr::TensorBoardWriter writer(dir.path);
  const std::string before = tb_slurp(writer.path());
  EXPECT_NE(tb_error_message([&] { writer.add_image("bad", 2, 2, 2, std::vector<uint8_t>(8), 0); }), "no error");
  EXPECT_EQ(tb_slurp(writer.path()), before);
}
