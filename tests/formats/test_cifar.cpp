// The CIFAR-10 binary parser on hand-built records: labels, channel planes, and every bad
// input named with the file.
#include <gtest/gtest.h>

#include "cifar_fixture.h"
#include "modlr/core/error.h"
#include "modlr/formats/cifar.h"
#include "test_support.h"

namespace mt = modlr::testing;
using modlr::formats::parse_cifar10;
using modlr::formats::read_cifar10;
using modlr::testing::error_message;

namespace {

// Pixel values that say where they came from: channel c at (h, w) holds 10c + (h + w) % 7.
uint8_t marked(int c, int h, int w) { return static_cast<uint8_t>(10 * c + (h + w) % 7); }

std::vector<uint8_t> two_records() {
  auto bytes = mt::cifar_record(3, marked);
  const auto second = mt::cifar_record(9, [](int c, int, int) { return static_cast<uint8_t>(200 + c); });
  bytes.insert(bytes.end(), second.begin(), second.end());
  return bytes;
}

}  // namespace

TEST(Cifar10Format, LabelsAndChannelPlanesAsStored) {
  const auto records = parse_cifar10(two_records(), "two");
  ASSERT_EQ(records.count(), 2u);
  EXPECT_EQ(records.labels, (std::vector<uint8_t>{3, 9}));
  ASSERT_EQ(records.pixels.size(), 2u * 3072);
  // Record 0: R plane first (offset 0), G at 1024, B at 2048; (h, w) at h * 32 + w.
  EXPECT_EQ(records.pixels[0], 0);                              // R (0, 0)
  EXPECT_EQ(records.pixels[1 * 32 + 2], 3);                     // R (1, 2)
  EXPECT_EQ(records.pixels[1024 + 5], 10 + 5);                  // G (0, 5)
  EXPECT_EQ(records.pixels[2048 + 31 * 32 + 31], 20 + 62 % 7);  // B (31, 31)
  EXPECT_EQ(records.pixels[3072 + 0], 200);                     // record 1: R
  EXPECT_EQ(records.pixels[3072 + 2048 + 7], 202);              // record 1: B
}

TEST(Cifar10Format, GzippedAndRawFilesReadAlike) {
  mt::TempDir dir;
  mt::write_bytes(dir.file("a.bin"), two_records(), false);
  mt::write_bytes(dir.file("a.bin.gz"), two_records(), true);
  const auto raw = read_cifar10(dir.file("a.bin"));
  const auto gz = read_cifar10(dir.file("a.bin.gz"));
  EXPECT_EQ(raw.labels, gz.labels);
  EXPECT_EQ(raw.pixels, gz.pixels);
}

TEST(Cifar10Format, EmptyFileIsNamed) {
  mt::TempDir dir;
  mt::write_bytes(dir.file("empty.bin"), {}, false);
  const auto message = error_message([&] { read_cifar10(dir.file("empty.bin")); });
  EXPECT_NE(message.find(dir.file("empty.bin") + ": empty CIFAR-10 file"), std::string::npos) << message;
}

TEST(Cifar10Format, SizeNotAMultipleOfTheRecordNamesFileAndSize) {
  auto bytes = two_records();
  bytes.pop_back();  // 6145 bytes: 1 whole record and 3072 bytes
  const auto message = error_message([&] { parse_cifar10(bytes, "cut.bin"); });
  EXPECT_NE(message.find("cut.bin: size 6145 bytes is not a multiple of the 3073-byte CIFAR-10 record"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("1 whole records and 3072 bytes left over"), std::string::npos) << message;
  bytes.push_back(0);
  bytes.push_back(0);  // one byte too many
  EXPECT_NE(error_message([&] { parse_cifar10(bytes, "long.bin"); }).find("size 6147 bytes"), std::string::npos);
}

TEST(Cifar10Format, LabelAboveNineNamesTheRecord) {
  auto bytes = two_records();
  bytes[3073] = 10;
  const auto message = error_message([&] { parse_cifar10(bytes, "labels.bin"); });
  EXPECT_NE(message.find("labels.bin: record 1 has label 10, expected 0..9"), std::string::npos) << message;
  bytes[3073] = 255;
  EXPECT_NE(error_message([&] { parse_cifar10(bytes, "x"); }).find("label 255"), std::string::npos);
}

TEST(Cifar10Format, MissingAndCorruptFilesAreNamed) {
  mt::TempDir dir;
  EXPECT_NE(error_message([&] { read_cifar10(dir.file("absent.bin")); }).find(dir.file("absent.bin")),
            std::string::npos);
  auto gz = two_records();
  mt::write_bytes(dir.file("t.bin.gz"), gz, true);
  const auto whole = mt::read_text(dir.file("t.bin.gz"));
  mt::write_text(dir.file("t.bin.gz"), whole.substr(0, whole.size() / 2));
  const auto message = error_message([&] { read_cifar10(dir.file("t.bin.gz")); });
  EXPECT_NE(message.find(dir.file("t.bin.gz")), std::string::npos) << message;
}
