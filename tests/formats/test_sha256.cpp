// Tests for modlr::formats SHA-256 against FIPS 180-2 / NIST known-answer vectors.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "modlr/core/error.h"
#include "modlr/formats/sha256.h"

namespace fs = std::filesystem;
using modlr::formats::Sha256;
using modlr::formats::sha256_file_hex;
using modlr::formats::sha256_hex;

namespace {

const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const char* kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const char* k56 = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
const char* kMillionA = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
const char* kAbc56 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

std::string hash_str(const std::string& s) {
  Sha256 h;
  h.update(s.data(), s.size());
  return h.hex_digest();
}

std::vector<uint8_t> sha_input(const std::string& s) { return {s.begin(), s.end()}; }

class Sha256FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("modlr_sha_" + std::to_string(::getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(hash_str(""), kEmpty);
  EXPECT_EQ(hash_str("abc"), kAbc);
  EXPECT_EQ(hash_str(kAbc56), k56);
  EXPECT_EQ(sha256_hex({}), kEmpty);
  EXPECT_EQ(sha256_hex(sha_input("abc")), kAbc);
  EXPECT_EQ(sha256_hex(sha_input(kAbc56)), k56);
}

TEST(Sha256Test, MillionA) {
  EXPECT_EQ(hash_str(std::string(1000000, 'a')), kMillionA);
  Sha256 h;  // same message fed in awkward chunk sizes
  std::string chunk(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    size_t n = std::min(left, chunk.size());
    h.update(chunk.data(), n);
    left -= n;
  }
  EXPECT_EQ(h.hex_digest(), kMillionA);
}

TEST(Sha256Test, ChunkingAndPaddingBoundaries) {
  // Every length around the 55/56/64-byte padding boundaries, fed one byte at a time,
  // must match the one-shot digest.
  for (size_t len = 0; len <= 130; ++len) {
    std::string msg(len, 'x');
    for (size_t i = 0; i < len; ++i) msg[i] = static_cast<char>('a' + i % 26);
    Sha256 h;
    for (char c : msg) h.update(&c, 1);
    EXPECT_EQ(h.hex_digest(), hash_str(msg)) << "length " << len;
  }
}

TEST(Sha256Test, DigestDoesNotFinalise) {
  Sha256 h;
  h.update("ab", 2);
  EXPECT_EQ(h.hex_digest(), hash_str("ab"));
  h.update(nullptr, 0);
  h.update("c", 1);
  EXPECT_EQ(h.hex_digest(), kAbc);
  EXPECT_EQ(h.hex_digest(), kAbc);
}

TEST_F(Sha256FileTest, FileHashIsOfRawBytes) {
  std::string raw = (dir_ / "abc.txt").string();
  std::ofstream(raw, std::ios::binary) << "abc";
  EXPECT_EQ(sha256_file_hex(raw), kAbc);

  std::string gz = (dir_ / "abc.txt.gz").string();
  gzFile f = gzopen(gz.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  gzwrite(f, "abc", 3);
  gzclose(f);
  std::ifstream in(gz, std::ios::binary);
  std::vector<uint8_t> on_disk((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(sha256_file_hex(gz), sha256_hex(on_disk));
  EXPECT_NE(sha256_file_hex(gz), kAbc);  // compressed bytes, not the content
}

TEST_F(Sha256FileTest, LargeFileStreams) {
  std::string p = (dir_ / "million-a").string();
  std::ofstream(p, std::ios::binary) << std::string(1000000, 'a');
  EXPECT_EQ(sha256_file_hex(p), kMillionA);
}

TEST_F(Sha256FileTest, MissingFileNamesPath) {
  std::string p = (dir_ / "missing.bin").string();
  try {
    sha256_file_hex(p);
    FAIL() << "expected modlr::Error";
  } catch (const modlr::Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(p), std::string::npos) << msg;
    EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
  }
}

TEST_F(Sha256FileTest, DirectoryNamesPath) {
  std::string p = dir_.string();
  try {
    sha256_file_hex(p);
    FAIL() << "expected modlr::Error";
  } catch (const modlr::Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(p), std::string::npos) << msg;
    EXPECT_NE(msg.find("directory"), std::string::npos) << msg;
  }
}

}  // namespace
