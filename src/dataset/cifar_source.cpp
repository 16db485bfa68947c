// The CIFAR-10 data source: batch files in the binary format (formats/cifar.h) in one
// directory, each gzipped or raw.
//
// Config (dataset section): name: cifar10, path: DIR,
//   train_files: [data_batch_1, data_batch_2, data_batch_3, data_batch_4],
//   test_files: [data_batch_5],      # the held-out test split (see configs/cnn-cifar10.yaml)
//   extra_test_files: {}             # further test splits by name, e.g.
//                                    # {official_test: [test_batch_first1000]}
//   plus ImagePreprocess keys (scale, mean, std; 3 channels).
// A file stem S is found as S.bin.gz, S.bin, S.gz or S (first that exists). Inputs become
// float32 [N, 3, 32, 32] (R, G, B planes as stored); targets int64 [N]; the files of a
// split are concatenated in the order listed.
#include <regex>

#include "modlr/dataset/dataset.h"
#include "modlr/dataset/image_preprocess.h"
#include "modlr/formats/cifar.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/formats/sha256.h"

namespace modlr {
namespace {

std::string resolve_batch_file(const std::string& dir, const std::string& stem) {
  try {
    return formats::resolve_data_file(dir, stem + ".bin");
  } catch (const Error&) {
  }
  try {
    return formats::resolve_data_file(dir, stem);
  } catch (const Error&) {
    const std::string base = dir.empty() ? stem : (dir.back() == '/' ? dir + stem : dir + "/" + stem);
    throw Error("data file not found: none of " + base + ".bin.gz, " + base + ".bin, " + base + ".gz, " +
                base + " exists");
  }
}

class Cifar10Source : public DataSource {
 public:
  explicit Cifar10Source(const Config& c)
      : dir_(c.get<std::string>("path")),
        train_files_(stems(c, "train_files", {"data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4"})),
        test_files_(stems(c, "test_files", {"data_batch_5"})) {
    for (const auto& stem : test_files_)
      if (std::find(train_files_.begin(), train_files_.end(), stem) != train_files_.end())
        c.fail("test_files", "'" + stem + "' is also a training file");
    const auto extra = c.section("extra_test_files");
    static const std::regex valid_name("[a-z][a-z0-9_]*");
    for (const auto& name : extra.keys()) {
      if (!std::regex_match(name, valid_name) || name == "train" || name == "validation" || name == "test")
        extra.fail(name, "a split name must match [a-z][a-z0-9_]* and not be train, validation or test");
      extra_files_.emplace_back(name, stems(extra, name, {}));
    }
    preprocess_ = ImagePreprocess::from_config(c, 3);
    decode_limits_ = decode_limits(c);
  }

  SourceData load() override {
    SourceData out;
    out.train = read_split(train_files_, out.files);
    out.test = read_split(test_files_, out.files);
    for (const auto& [name, files] : extra_files_) out.extra_tests.push_back({name, read_split(files, out.files)});
    return out;
  }

  std::optional<InputNormalization> input_normalization() const override {
    return preprocess_.as_normalization();
  }

 private:
  static std::vector<std::string> stems(const Config& c, const std::string& key, std::vector<std::string> fallback) {
    auto list = fallback.empty() ? c.get<std::vector<std::string>>(key) : c.get(key, fallback);
    if (list.empty()) c.fail(key, "needs at least one file");
    return list;
  }

  TensorData read_split(const std::vector<std::string>& stems, std::vector<DataFile>& files) const {
    std::vector<torch::Tensor> images, labels;
    for (const auto& stem : stems) {
      const auto path = resolve_batch_file(dir_, stem);
      auto records = formats::read_cifar10(path, decode_limits_);
      files.push_back({path, formats::sha256_file_hex(path)});
      const auto n = static_cast<int64_t>(records.count());
      // from_blob borrows the vectors; clone/to copy before they go away.
      images.push_back(torch::from_blob(records.pixels.data(), {n, 3, 32, 32}, torch::kUInt8).clone());
      labels.push_back(torch::from_blob(records.labels.data(), {n}, torch::kUInt8).to(torch::kInt64));
    }
    return {preprocess_.apply(torch::cat(images)), torch::cat(labels)};
  }

  std::string dir_;
  std::vector<std::string> train_files_, test_files_;
  std::vector<std::pair<std::string, std::vector<std::string>>> extra_files_;
  ImagePreprocess preprocess_;
  formats::DecodeLimits decode_limits_;
};

}  // namespace

MODLR_REGISTER(data_source_registry, "cifar10", [](const Config& c) -> std::unique_ptr<DataSource> {
  return std::make_unique<Cifar10Source>(c);
});

}  // namespace modlr
