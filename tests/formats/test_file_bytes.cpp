// Tests for modlr::formats whole-file I/O: gzip-transparent reads, data-file resolution,
// and atomic writes.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "modlr/core/error.h"
#include "modlr/formats/file_bytes.h"

namespace fs = std::filesystem;
using modlr::formats::DecodeLimits;
using modlr::formats::read_file_bytes;
using modlr::formats::resolve_data_file;
using modlr::formats::write_file_atomic;

namespace {

std::vector<uint8_t> byte_pattern(size_t n) {
  std::vector<uint8_t> v(n);
  uint32_t x = 12345;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    v[i] = static_cast<uint8_t>((i % 7 == 0) ? (x >> 16) : i / 64);  // partly compressible
  }
  return v;
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class FileBytesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("modlr_fb_" + std::to_string(::getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write_raw(const std::string& name, const std::vector<uint8_t>& b) {
    std::ofstream(path(name), std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    return path(name);
  }
  std::vector<uint8_t> gzip_bytes(const std::vector<uint8_t>& content) {
    std::string p = path("scratch.gz");
    gzFile f = gzopen(p.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    if (!content.empty()) gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
    EXPECT_EQ(gzclose(f), Z_OK);
    std::string s = slurp(p);
    fs::remove(p);
    return {s.begin(), s.end()};
  }
  template <typename Fn>
  void expect_error(Fn fn, const std::string& needle1, const std::string& needle2) {
    try {
      fn();
      ADD_FAILURE() << "expected modlr::Error mentioning '" << needle2 << "'";
    } catch (const modlr::Error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(needle1), std::string::npos) << msg;
      EXPECT_NE(msg.find(needle2), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  }
  fs::path dir_;
};

TEST_F(FileBytesTest, ReadsRawFile) {
  auto data = byte_pattern(100000);
  EXPECT_EQ(read_file_bytes(write_raw("raw.bin", data)), data);
  EXPECT_TRUE(read_file_bytes(write_raw("empty.bin", {})).empty());
}

TEST_F(FileBytesTest, DecompressesGzip) {
  auto data = byte_pattern(300000);
  EXPECT_EQ(read_file_bytes(write_raw("data.gz", gzip_bytes(data))), data);
  EXPECT_TRUE(read_file_bytes(write_raw("empty.gz", gzip_bytes({}))).empty());
}

TEST_F(FileBytesTest, DecompressesConcatenatedMembers) {
  auto a = byte_pattern(5000), b = byte_pattern(7000);
  auto gz = gzip_bytes(a), gzb = gzip_bytes(b);
  gz.insert(gz.end(), gzb.begin(), gzb.end());
  auto expected = a;
  expected.insert(expected.end(), b.begin(), b.end());
  EXPECT_EQ(read_file_bytes(write_raw("multi.gz", gz)), expected);
}

TEST_F(FileBytesTest, MissingFileNamesPath) {
  std::string p = path("does-not-exist.bin");
  expect_error([&] { read_file_bytes(p); }, p, "No such file");
}

TEST_F(FileBytesTest, DirectoryNamesPath) {
  std::string p = dir_.string();
  expect_error([&] { read_file_bytes(p); }, p, "Is a directory");
}

TEST_F(FileBytesTest, CorruptGzipGarbageAfterHeader) {
  std::vector<uint8_t> b = {0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03};
  for (int i = 0; i < 64; ++i) b.push_back(0xff);
  std::string p = write_raw("garbage.gz", b);
  expect_error([&] { read_file_bytes(p); }, p, "corrupt gzip");
}

TEST_F(FileBytesTest, TruncatedGzipCutInHalf) {
  auto gz = gzip_bytes(byte_pattern(50000));
  gz.resize(gz.size() / 2);
  std::string p = write_raw("half.gz", gz);
  expect_error([&] { read_file_bytes(p); }, p, "truncated gzip");
  std::string magic_only = write_raw("magic.gz", {0x1f, 0x8b});
  expect_error([&] { read_file_bytes(magic_only); }, magic_only, "truncated gzip");
}

TEST_F(FileBytesTest, GzipCrcMismatch) {
  auto gz = gzip_bytes(byte_pattern(1000));
  gz[gz.size() - 8] ^= 0x01;  // first CRC32 byte of the trailer
  std::string p = write_raw("badcrc.gz", gz);
  expect_error([&] { read_file_bytes(p); }, p, "corrupt gzip");
}

TEST_F(FileBytesTest, GzipTrailingGarbage) {
  auto gz = gzip_bytes(byte_pattern(1000));
  gz.push_back('x');
  gz.push_back('y');
  std::string p = write_raw("tail.gz", gz);
  expect_error([&] { read_file_bytes(p); }, p, "trailing garbage");
}

TEST_F(FileBytesTest, ResolvePrefersGz) {
  write_raw("train-images-idx3-ubyte", {1});
  EXPECT_EQ(resolve_data_file(dir_.string(), "train-images-idx3-ubyte"), path("train-images-idx3-ubyte"));
  write_raw("train-images-idx3-ubyte.gz", {2});
  EXPECT_EQ(resolve_data_file(dir_.string(), "train-images-idx3-ubyte"), path("train-images-idx3-ubyte.gz"));
  EXPECT_EQ(resolve_data_file(dir_.string() + "/", "train-images-idx3-ubyte"), path("train-images-idx3-ubyte.gz"));
  fs::remove(path("train-images-idx3-ubyte"));
  EXPECT_EQ(resolve_data_file(dir_.string(), "train-images-idx3-ubyte"), path("train-images-idx3-ubyte.gz"));
}

TEST_F(FileBytesTest, ResolveMissingListsBothPaths) {
  std::string stem = "t10k-labels-idx1-ubyte";
  std::string both = "neither " + path(stem) + ".gz nor " + path(stem) + " exists";
  expect_error([&] { resolve_data_file(dir_.string(), stem); }, both, "not found");
}

TEST_F(FileBytesTest, WriteAtomicCreatesAndReplaces) {
  std::string p = path("metrics.json");
  write_file_atomic(p, "first version, rather long content\n");
  EXPECT_EQ(slurp(p), "first version, rather long content\n");
  write_file_atomic(p, "second\n");
  EXPECT_EQ(slurp(p), "second\n");
  write_file_atomic(p, "");
  EXPECT_EQ(slurp(p), "");
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename(), "metrics.json") << "leftover " << entry.path();
  }
}

TEST_F(FileBytesTest, WriteAtomicMissingDirectoryThrows) {
  std::string p = path("no-such-dir/out.json");
  expect_error([&] { write_file_atomic(p, "x"); }, p, "No such file");
  EXPECT_FALSE(fs::exists(p));
}

TEST_F(FileBytesTest, WriteAtomicRenameFailureLeavesNoTemp) {
  std::string p = path("target-is-dir");
  fs::create_directories(fs::path(p) / "child");  // rename() over a non-empty dir fails
  expect_error([&] { write_file_atomic(p, "x"); }, p, "rename");
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename(), "target-is-dir") << "leftover " << entry.path();
  }
}

TEST_F(FileBytesTest, WriteAtomicWriteErrorKeepsOriginal) {
  // Simulates a full disk: RLIMIT_FSIZE makes write() fail (EFBIG) part-way through.
  std::string p = path("weights.bin");
  write_file_atomic(p, "original");
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  expect_error([&] { write_file_atomic(p, std::string(100000, 'z')); }, p, "File too large");
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(slurp(p), "original");
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename(), "weights.bin") << "leftover " << entry.path();
  }
}

}  // namespace

TEST_F(FileBytesTest, GzipBombsEndAtTheLimitsNamingTheFileAndTheKey) {
  // 80 MiB of zeros compress about 1000:1: past the default ratio bound of 200:1.
  const std::vector<uint8_t> zeros(size_t{80} << 20, 0);
  const auto bomb = write_raw("bomb.gz", gzip_bytes(zeros));
  expect_error([&] { read_file_bytes(bomb); }, bomb, "dataset.max_compression_ratio raises the limit");
  DecodeLimits generous;
  generous.max_ratio = 2000;
  EXPECT_EQ(read_file_bytes(bomb, generous).size(), zeros.size());
  // The size bound, checked as the output grows (before the memory is spent).
  DecodeLimits small;
  small.max_bytes = 1 << 20;
  const auto two_mib = write_raw("two.gz", gzip_bytes(byte_pattern(2 << 20)));
  expect_error([&] { read_file_bytes(two_mib, small); }, two_mib, "expands past 1 MiB (dataset.max_decompressed_mib");
  small.max_bytes = 2 << 20;
  EXPECT_EQ(read_file_bytes(two_mib, small).size(), size_t{2} << 20);  // exactly at the bound
  // Small files are never held to the ratio (64 KiB of zeros is 1000:1 and fine).
  EXPECT_EQ(read_file_bytes(write_raw("small.gz", gzip_bytes(std::vector<uint8_t>(65536, 0)))).size(), 65536u);
}
