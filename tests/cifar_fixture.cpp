#include "cifar_fixture.h"

#include <zlib.h>

#include <filesystem>
#include <random>

#include "test_support.h"

namespace modlr::testing {

std::vector<uint8_t> cifar_record(uint8_t label, const std::function<uint8_t(int, int, int)>& pixel) {
  std::vector<uint8_t> record{label};
  for (int c = 0; c < 3; ++c)
    for (int h = 0; h < 32; ++h)
      for (int w = 0; w < 32; ++w) record.push_back(pixel(c, h, w));
  return record;
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes, bool gzip) {
  if (!gzip) return write_text(path, std::string(bytes.begin(), bytes.end()));
  gzFile file = gzopen(path.c_str(), "wb");
  gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(file);
}

namespace {

std::vector<uint8_t> synthetic_records(uint32_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> noise(0, 80);
  std::vector<uint8_t> bytes;
  for (uint32_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(rng() % 10);
    const int top = 2 + (label / 5) * 14, left = 1 + (label % 5) * 6;
    const auto record = cifar_record(static_cast<uint8_t>(label), [&](int c, int h, int w) {
      const bool square = c == label % 3 && h >= top && h < top + 8 && w >= left && w < left + 6;
      return static_cast<uint8_t>(square ? 255 : noise(rng));
    });
    bytes.insert(bytes.end(), record.begin(), record.end());
  }
  return bytes;
}

}  // namespace

void write_synthetic_cifar(const std::string& dir, uint32_t per_file, uint32_t n_official, uint32_t seed) {
  std::filesystem::create_directories(dir);
  std::mt19937 rng(seed);
  for (int i = 1; i <= 5; ++i)
    write_bytes(dir + "/data_batch_" + std::to_string(i) + ".bin.gz", synthetic_records(per_file, rng), true);
  write_bytes(dir + "/test_batch_first1000.bin", synthetic_records(n_official, rng), false);
}

std::string small_cifar_config(const std::string& data_dir, const std::string& runs_dir) {
  return "experiment: small-cifar\n"
         "seed: 3\n"
         "dataset:\n"
         "  name: cifar10\n"
         "  path: " +
         data_dir +
         "\n"
         "  extra_test_files: {official_test: [test_batch_first1000]}\n"
         "  mean: [0.2, 0.2, 0.2]\n"
         "  std: [0.3, 0.3, 0.3]\n"
         "  batch_size: 32\n"
         "  eval_batch_size: 50\n"
         "  augment: {crop_padding: 2, hflip: true}\n"
         "model:\n"
         "  name: cnn_cifar\n"
         "  dropout: 0.25\n"
         "loss:\n"
         "  name: cross_entropy\n"
         "optimizer:\n"
         "  name: adam\n"
         "  lr: 0.002\n"
         "runner:\n"
         "  epochs: 2\n"
         "  threads: 1\n"
         "tracking:\n"
         "  dir: " +
         runs_dir + "\n";
}

}  // namespace modlr::testing
