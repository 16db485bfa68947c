#pragma once
// CIFAR-10 fixture files for the tests: hand-built records and a small learnable data set
// in the binary format (1 label byte + 1024 R + 1024 G + 1024 B bytes per record).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace modlr::testing {

/// One 3073-byte record: `label`, then pixel(c, h, w) for c = 0..2 (R, G, B), row-major.
std::vector<uint8_t> cifar_record(uint8_t label, const std::function<uint8_t(int, int, int)>& pixel);
/// Writes `bytes` to `path`, gzipped when `gzip`.
void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes, bool gzip);

/// A learnable synthetic CIFAR-10 directory: data_batch_1..5.bin.gz with `per_file` records
/// each and test_batch_first1000.bin (raw) with `n_official` records. Class k is a bright
/// 8x8 square in channel k % 3 at a position set by k, on noise.
void write_synthetic_cifar(const std::string& dir, uint32_t per_file, uint32_t n_official, uint32_t seed = 1);

/// A cnn_cifar config over the synthetic set in `data_dir` (train: batches 1-4, test: 5,
/// extra test split official_test), tracking in `runs_dir`, 1 thread, 2 epochs.
std::string small_cifar_config(const std::string& data_dir, const std::string& runs_dir);

}  // namespace modlr::testing
