#include "test_support.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "modlr/core/config.h"
#include "modlr/dataset/dataset.h"
#include "modlr/distributed/launch.h"
#include "modlr/model/model.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace fs = std::filesystem;

namespace modlr::testing {

std::shared_ptr<Model> model_from_yaml(const std::string& yaml) {
  return build_model(Config::parse(yaml, "model.yaml"));
}

int64_t count_parameters(const Model& model) {
  int64_t total = 0;
  for (const auto& p : model.parameters()) total += p.numel();
  return total;
}

TempDir::TempDir() {
  std::string pattern = fs::temp_directory_path().string() + "/modlr-test-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!::mkdtemp(buffer.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buffer.data();
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
  fs::remove_all(path_, ignored);
}

void write_idx(const std::string& path, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data,
               bool gzip) {
  std::string bytes = {0, 0, 0x08, static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((d >> shift) & 0xff));
  bytes.append(data.begin(), data.end());
  if (!gzip) return write_text(path, bytes);
  gzFile file = gzopen(path.c_str(), "wb");
  gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(file);
}

namespace {

void synthetic_split(uint32_t n, std::mt19937& rng, SyntheticBlock squares, std::vector<uint8_t>& images,
                     std::vector<uint8_t>& labels) {
  std::uniform_int_distribution<int> noise(0, 60);
  images.assign(static_cast<size_t>(n) * 784, 0);
  labels.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t label = rng() % 10;
    labels[i] = static_cast<uint8_t>(label);
    uint8_t* image = &images[static_cast<size_t>(i) * 784];
    for (int p = 0; p < 784; ++p) image[p] = static_cast<uint8_t>(noise(rng));
    const int top = 2 + static_cast<int>(label / 5) * 12, left = 1 + static_cast<int>(label % 5) * 5;
    for (int r = top; r < top + 8; ++r)
      for (int c = left; c < left + 5; ++c)
        image[r * 28 + c] = squares == SyntheticBlock::kFlat ? 255 : static_cast<uint8_t>(255 - noise(rng) / 4);
  }
}

}  // namespace

void write_synthetic_idx(const std::string& dir, uint32_t n_train, uint32_t n_test, uint32_t seed,
                         SyntheticBlock squares) {
  fs::create_directories(dir);
  std::mt19937 rng(seed);
  std::vector<uint8_t> images, labels;
  synthetic_split(n_train, rng, squares, images, labels);
  write_idx(dir + "/train-images-idx3-ubyte.gz", {n_train, 28, 28}, images, true);
  write_idx(dir + "/train-labels-idx1-ubyte", {n_train}, labels);
  synthetic_split(n_test, rng, squares, images, labels);
  write_idx(dir + "/t10k-images-idx3-ubyte", {n_test, 28, 28}, images);
  write_idx(dir + "/t10k-labels-idx1-ubyte.gz", {n_test}, labels, true);
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string error_message(const std::function<void()>& body) {
  try {
    body();
  } catch (const modlr::Error& e) {
    return e.what();
  }
  return "no error";
}

std::string squeeze_spaces(const std::string& text) {
  std::string out;
  for (char c : text)
    if (c != ' ' || out.empty() || out.back() != ' ') out.push_back(c);
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
}

bool exists(const std::string& path) { return fs::exists(path); }

std::vector<std::string> list_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) out.push_back(fs::relative(entry.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

int unused_port() { return free_local_port(); }

CommandResult run_modlr(const std::string& args) { return run_command(std::string(MODLR_BINARY) + " " + args); }

CommandResult run_command(const std::string& command_line) {
  TempDir capture;
  const std::string command = command_line + " >" + capture.file("out") + " 2>" + capture.file("err") + " </dev/null";
  CommandResult result;
  const int status = std::system(command.c_str());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_text(capture.file("out"));
  result.err = read_text(capture.file("err"));
  return result;
}

std::string python() { return MODLR_PYTHON; }

bool python_torch_available() {
  return std::system((python() + " -c 'import torch, yaml' >/dev/null 2>&1").c_str()) == 0;
}

std::string onnx_check_command() {
  return python() + " " + std::string(MODLR_SOURCE_DIR) + "/tools/onnx/check_onnx.py";
}

bool onnxruntime_available() {
  return std::system((python() + " -c 'import onnx, onnxruntime' >/dev/null 2>&1").c_str()) == 0;
}

std::string small_config(const std::string& data_dir, const std::string& runs_dir) {
  return "experiment: small\n"
         "seed: 7\n"
         "dataset:\n"
         "  name: idx\n"
         "  path: " +
         data_dir +
         "\n"
         "  batch_size: 32\n"
         "  eval_batch_size: 50\n"
         "  mean: [0.2]\n"
         "  std: [0.3]\n"
         "model:\n"
         "  name: lenet5\n"
         "loss:\n"
         "  name: cross_entropy\n"
         "optimizer:\n"
         "  name: sgd\n"
         "  lr: 0.05\n"
         "  momentum: 0.9\n"
         "runner:\n"
         "  epochs: 2\n"
         "  threads: 1\n"
         "tracking:\n"
         "  dir: " +
         runs_dir + "\n";
}

std::string dataset_error(const std::string& yaml) {
  try {
    auto config = Config::parse(yaml, "test.yaml");
    Dataset dataset(config.section("dataset"), 3);
    config.check_no_unknown_keys();
    dataset.load();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace modlr::testing
