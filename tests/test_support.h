#pragma once
// Helpers shared by the test files: temporary directories, synthetic IDX data sets and
// running the modlr binary.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace modlr {
class Model;
}

namespace modlr::testing {

/// The model a `model:` section's YAML describes (parsed under the name "model.yaml").
std::shared_ptr<Model> model_from_yaml(const std::string& yaml);

/// The number of scalars in `model`'s parameters.
int64_t count_parameters(const Model& model);

/// A fresh directory under the test temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// Writes an IDX file: magic 0x08 type, dims big-endian, then `data`. Gzipped if `gzip`.
void write_idx(const std::string& path, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data,
               bool gzip = false);
/// How bright a synthetic image's class block is. kFlat: 255 everywhere, so a convolution's outputs
/// inside it tie exactly and max pooling picks among them by rounding, which may differ between
/// batch sizes (seen with oneDNN's AVX-512 kernels); kTextured: 240..255 at random, no ties, for
/// comparing runs whose batches are split differently.
enum class SyntheticBlock { kFlat, kTextured };

/// Writes a learnable synthetic IDX data set (train: n_train, test: n_test images of
/// 28x28, 10 classes: class k is a bright 8x5 rectangle at a position set by k, on noise
/// 0..60) under `dir` with the standard MNIST file names.
void write_synthetic_idx(const std::string& dir, uint32_t n_train, uint32_t n_test, uint32_t seed = 1,
                         SyntheticBlock squares = SyntheticBlock::kFlat);

std::string read_text(const std::string& path);
/// The one-line error that building, key-checking and loading the `dataset` section of
/// the config text `yaml` raises (seed 3), or "no error".
std::string dataset_error(const std::string& yaml);
/// The message of the modlr::Error `body` throws, or "no error".
std::string error_message(const std::function<void()>& body);
/// Occurrences of `needle` in `text` (overlapping ones counted).
size_t count(const std::string& text, const std::string& needle);
/// `text` with every run of spaces collapsed to one (compares tables whatever their widths).
std::string squeeze_spaces(const std::string& text);
void write_text(const std::string& path, const std::string& text);
bool exists(const std::string& path);
/// Files below `dir`, recursively, relative names sorted.
std::vector<std::string> list_files(const std::string& dir);

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
/// Runs the built `modlr` binary with `args` (shell-quoted by the caller where needed).
CommandResult run_modlr(const std::string& args);

/// A loopback TCP port nothing listens on right now (the kernel's pick).
int unused_port();

/// Runs `command_line` through the shell, capturing stdout and stderr.
CommandResult run_command(const std::string& command_line);

/// The project's Python (MODLR_PYTHON: .venv/bin/python3, PyPI's torch 2.11.0 and friends).
std::string python();
/// Whether python() can import torch and yaml (the PyTorch twin runs).
bool python_torch_available();
/// Whether python() can import onnx and onnxruntime.
bool onnxruntime_available();
/// "PYTHON tools/onnx/check_onnx.py": ONNX's checker and ONNX Runtime on an exported model.
std::string onnx_check_command();

/// A small LeNet-5 config over the synthetic data set in `data_dir`, tracking in `runs_dir`.
std::string small_config(const std::string& data_dir, const std::string& runs_dir);

}  // namespace modlr::testing
