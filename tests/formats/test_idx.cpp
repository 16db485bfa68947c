// Tests for modlr::formats IDX parsing (raw and gzipped fixtures generated on the fly).
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "modlr/core/error.h"
#include "modlr/formats/idx.h"

namespace fs = std::filesystem;
using modlr::formats::IdxArray;
using modlr::formats::parse_idx;
using modlr::formats::read_idx;
using modlr::formats::read_idx_pair;

namespace {

/// Builds an unsigned-byte IDX file image with the given dims and data.
std::vector<uint8_t> make_idx(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> b = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(d >> s));
  }
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

std::vector<uint8_t> iota_bytes(size_t n, int mod = 256) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i % mod);
  return v;
}

class IdxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("modlr_idx_" + std::to_string(::getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_raw(const std::string& name, const std::vector<uint8_t>& bytes) {
    std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return p;
  }
  std::string write_gz(const std::string& name, const std::vector<uint8_t>& bytes) {
    std::string p = (dir_ / name).string();
    gzFile f = gzopen(p.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    EXPECT_EQ(gzclose(f), Z_OK);
    return p;
  }
  /// Runs `fn`, expects modlr::Error, and checks the message names `path` and `word`.
  template <typename Fn>
  void expect_error(Fn fn, const std::string& path, const std::string& word) {
    try {
      fn();
      ADD_FAILURE() << "expected modlr::Error mentioning '" << word << "'";
    } catch (const modlr::Error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(path), std::string::npos) << msg;
      EXPECT_NE(msg.find(word), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  }

  fs::path dir_;
};

TEST_F(IdxTest, RawRoundTrip) {
  auto data = iota_bytes(3 * 4 * 5);
  std::string p = write_raw("img-idx3-ubyte", make_idx({3, 4, 5}, data));
  IdxArray a = read_idx(p);
  EXPECT_EQ(a.dims, (std::vector<uint32_t>{3, 4, 5}));
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.item_size(), 20u);
  EXPECT_EQ(a.data, data);
}

TEST_F(IdxTest, GzipRoundTrip) {
  auto data = iota_bytes(7 * 28 * 28);
  std::string p = write_gz("img-idx3-ubyte.gz", make_idx({7, 28, 28}, data));
  IdxArray a = read_idx(p);
  EXPECT_EQ(a.dims, (std::vector<uint32_t>{7, 28, 28}));
  EXPECT_EQ(a.item_size(), 784u);
  EXPECT_EQ(a.data, data);
}

TEST_F(IdxTest, OneAndFourDimensions) {
  IdxArray one = parse_idx(make_idx({5}, iota_bytes(5)), "one");
  EXPECT_EQ(one.count(), 5u);
  EXPECT_EQ(one.item_size(), 1u);
  IdxArray four = parse_idx(make_idx({2, 3, 2, 2}, iota_bytes(24)), "four");
  EXPECT_EQ(four.count(), 2u);
  EXPECT_EQ(four.item_size(), 12u);
}

TEST_F(IdxTest, WrongMagic) {
  auto b = make_idx({2}, {1, 2});
  b[0] = 0x12;
  std::string p = write_raw("bad-magic", b);
  expect_error([&] { read_idx(p); }, p, "magic");
}

TEST_F(IdxTest, UnsupportedType) {
  auto b = make_idx({2}, {1, 2});
  b[2] = 0x0d;  // float
  std::string p = write_raw("float-idx", b);
  expect_error([&] { read_idx(p); }, p, "0x0d");
  expect_error([&] { read_idx(p); }, p, "unsupported");
}

TEST_F(IdxTest, BadDimensionCount) {
  std::string p0 = write_raw("ndim0", {0, 0, 8, 0});
  expect_error([&] { read_idx(p0); }, p0, "dimension count 0");
  std::string p5 = write_raw("ndim5", make_idx({1, 1, 1, 1, 1}, {7}));
  expect_error([&] { read_idx(p5); }, p5, "dimension count 5");
}

TEST_F(IdxTest, TruncatedData) {
  auto b = make_idx({10, 2, 2}, iota_bytes(40));
  b.resize(b.size() - 5);
  std::string p = write_raw("trunc-data", b);
  expect_error([&] { read_idx(p); }, p, "truncated");
  expect_error([&] { read_idx(p); }, p, "10 x 2 x 2 = 40 data bytes, file has 35");
}

TEST_F(IdxTest, TruncatedHeader) {
  std::string tiny = write_raw("tiny", {0, 0});
  expect_error([&] { read_idx(tiny); }, tiny, "truncated header");
  auto b = make_idx({10, 28, 28}, {});
  b.resize(10);  // 3 dims need 16 header bytes
  std::string p = write_raw("trunc-header", b);
  expect_error([&] { read_idx(p); }, p, "truncated header");
}

TEST_F(IdxTest, EmptyFile) {
  std::string p = write_raw("empty", {});
  expect_error([&] { read_idx(p); }, p, "truncated");
}

TEST_F(IdxTest, TrailingBytes) {
  auto b = make_idx({3}, {1, 2, 3});
  b.push_back(4);
  std::string p = write_raw("trailing", b);
  expect_error([&] { read_idx(p); }, p, "trailing bytes");
}

TEST_F(IdxTest, ZeroDimension) {
  std::string p = write_raw("zero-dim", make_idx({4, 0, 28}, {}));
  expect_error([&] { read_idx(p); }, p, "dimension 1 is 0");
}

TEST_F(IdxTest, SizeOverflow) {
  std::string p = write_raw("overflow", make_idx({0xffffffffu, 0xffffffffu, 0xffffffffu}, {}));
  expect_error([&] { read_idx(p); }, p, "overflow");
}

TEST_F(IdxTest, ParseUsesSourceName) {
  expect_error([] { parse_idx({0, 0, 8}, "memory:blob"); }, "memory:blob", "truncated");
}

TEST_F(IdxTest, PairValid) {
  std::string imgs = write_gz("imgs.gz", make_idx({4, 2, 3}, iota_bytes(24)));
  std::string labs = write_raw("labs", make_idx({4}, {0, 9, 3, 9}));
  auto pair = read_idx_pair(imgs, labs, 10);
  EXPECT_EQ(pair.images.count(), 4u);
  EXPECT_EQ(pair.images.item_size(), 6u);
  EXPECT_EQ(pair.labels.data, (std::vector<uint8_t>{0, 9, 3, 9}));
}

TEST_F(IdxTest, PairCountMismatch) {
  std::string imgs = write_raw("imgs", make_idx({4, 2, 2}, iota_bytes(16)));
  std::string labs = write_raw("labs", make_idx({3}, {0, 1, 2}));
  expect_error([&] { read_idx_pair(imgs, labs, 10); }, imgs, "mismatch");
  expect_error([&] { read_idx_pair(imgs, labs, 10); }, labs, "has 3 labels");
  expect_error([&] { read_idx_pair(imgs, labs, 10); }, imgs, "has 4 images");
}

TEST_F(IdxTest, PairLabelOutOfRange) {
  std::string imgs = write_raw("imgs", make_idx({3, 1, 1}, {1, 2, 3}));
  std::string labs = write_raw("labs", make_idx({3}, {0, 1, 10}));
  expect_error([&] { read_idx_pair(imgs, labs, 10); }, labs, "index 2: value 10, expected < 10");
  EXPECT_NO_THROW(read_idx_pair(imgs, labs, 11));
}

TEST_F(IdxTest, PairWrongShapes) {
  std::string one = write_raw("one-dim", make_idx({3}, {0, 1, 2}));
  std::string three = write_raw("three-dim", make_idx({3, 1, 1}, {0, 1, 2}));
  expect_error([&] { read_idx_pair(one, one, 10); }, one, "expected an image file (3 dimensions");
  expect_error([&] { read_idx_pair(three, three, 10); }, three, "expected a label file (1 dimension");
}

TEST_F(IdxTest, PairMissingFile) {
  std::string imgs = write_raw("imgs", make_idx({1, 1, 1}, {0}));
  std::string missing = (dir_ / "no-such-labels").string();
  expect_error([&] { read_idx_pair(imgs, missing, 10); }, missing, "No such file");
}

TEST(IdxRealData, FashionMnistTestSet) {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  const std::string imgs = dir + "t10k-images-idx3-ubyte.gz";
  const std::string labs = dir + "t10k-labels-idx1-ubyte.gz";
  if (!fs::exists(imgs) || !fs::exists(labs)) GTEST_SKIP() << imgs << " not present";
  auto pair = read_idx_pair(imgs, labs, 10);
  EXPECT_EQ(pair.images.dims, (std::vector<uint32_t>{10000, 28, 28}));
  EXPECT_EQ(pair.labels.dims, (std::vector<uint32_t>{10000}));
  EXPECT_EQ(pair.images.data.size(), 10000u * 28 * 28);
  std::vector<int> per_class(10, 0);
  for (uint8_t l : pair.labels.data) per_class[l]++;
  for (int c : per_class) EXPECT_EQ(c, 1000);  // Fashion-MNIST test set is balanced
}

}  // namespace
