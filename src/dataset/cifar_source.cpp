// The CIFAR-10 data source: batch files in the binary format (formats/cifar.h) in one
// directory, each gzipped or raw.
//
// Config (dataset section): name: cifar10, path: DIR,
//   train_files: [data_batch_1, data_batch_2, data_batch_3, data_batch_4],
//   test_files: [data_batch_5],      # the held-out test split (see configs/cnn-cifar10.yaml)
//   extra_test_files: {}             # further test splits by name, e.g.
//                                    # {official_test: [test_batch_first1000]}
//   plus ImagePreprocess keys (scale, mean, std; 3 channels),
//   cache: memory, unpack_dir        # cache: none | N (MB) reads images per batch at their
//                                    # offsets (lazy_examples.h; a .gz is unpacked once into
//                                    # unpack_dir); labels stay in memory.
// A file stem S is found as S.bin.gz, S.bin, S.gz or S (first that exists). Inputs become
// float32 [N, 3, 32, 32] (R, G, B planes as stored); targets int64 [N]; the files of a
// split are concatenated in the order listed.
#include <regex>

#include "lazy_examples.h"
#include "modlr/dataset/cifar10_source.h"
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
    throw Error("data file not found: none of " + base + ".bin.gz, " + base + ".bin, " + base + ".gz, " + base +
                " exists");
  }
}

// The first inconsistency of `o` as (key, what), or an empty key.
std::pair<std::string, std::string> problem(const Cifar10Options& o) {
  if (o.dir.empty()) return {"path", "names no folder"};
  if (o.train_files.empty()) return {"train_files", "needs at least one file"};
  if (o.test_files.empty()) return {"test_files", "needs at least one file"};
  for (const auto& stem : o.test_files)
    if (std::find(o.train_files.begin(), o.train_files.end(), stem) != o.train_files.end())
      return {"test_files", "'" + stem + "' is also a training file"};
  static const std::regex valid_name("[a-z][a-z0-9_]*");
  for (const auto& [name, files] : o.extra_test_files) {
    if (!std::regex_match(name, valid_name) || name == "train" || name == "validation" || name == "test")
      return {"extra_test_files." + name,
              "a split name must match [a-z][a-z0-9_]* and not be train, validation or test"};
    if (files.empty()) return {"extra_test_files." + name, "needs at least one file"};
  }
  return {};
}

class Cifar10Source : public DataSource {
 public:
  explicit Cifar10Source(Cifar10Options options) : options_(std::move(options)) {}

  SourceData load() override {
    SourceData out;
    if (options_.read.per_batch()) return load_lazily(std::move(out));
    out.train = read_split(options_.train_files, out.files);
    out.test = read_split(options_.test_files, out.files);
    for (const auto& [name, files] : options_.extra_test_files)
      out.extra_tests.push_back({name, read_split(files, out.files)});
    return out;
  }

  std::optional<InputNormalization> input_normalization() const override {
    return options_.preprocess.as_normalization();
  }

  std::optional<ExampleShape> example_shape() const override { return ExampleShape{{3, 32, 32}, torch::kFloat32}; }

 private:
  TensorData read_split(const std::vector<std::string>& stems, std::vector<DataFile>& files) const {
    std::vector<torch::Tensor> images, labels;
    for (const auto& stem : stems) {
      const auto path = resolve_batch_file(options_.dir, stem);
      auto records = formats::read_cifar10(path, options_.decode_limits);
      files.push_back({path, formats::sha256_file_hex(path)});
      const auto n = static_cast<int64_t>(records.count());
      // from_blob borrows the vectors; clone/to copy before they go away.
      images.push_back(torch::from_blob(records.pixels.data(), {n, 3, 32, 32}, torch::kUInt8).clone());
      labels.push_back(torch::from_blob(records.labels.data(), {n}, torch::kUInt8).to(torch::kInt64));
    }
    return {options_.preprocess.apply(torch::cat(images)), torch::cat(labels)};
  }

  // The records of `path` read at their offsets: its part of the lazy rows, and its labels.
  RecordFilePart open_lazily(const std::string& path, const std::string& sha256, std::vector<int64_t>& labels) const {
    const auto file = formats::SeekableFile::open(path, sha256, options_.read.unpack_dir, options_.decode_limits);
    const auto count = static_cast<int64_t>(formats::cifar10_record_count(file->size(), path));
    std::vector<uint8_t> chunk;
    for (int64_t first = 0; first < count; first += 1024) {  // the label bytes, 3 MB at a time
      const auto records = std::min<int64_t>(1024, count - first);
      chunk.resize(static_cast<size_t>(records) * formats::kCifarRecord);
      file->read(static_cast<uint64_t>(first) * formats::kCifarRecord, chunk.data(), chunk.size());
      for (int64_t r = 0; r < records; ++r) {
        labels.push_back(formats::check_cifar10_label(chunk[static_cast<size_t>(r) * formats::kCifarRecord],
                                                      static_cast<size_t>(first + r), path));
      }
    }
    return {file, 0, formats::kCifarRecord, 1, count};
  }

  // Every split's records behind one LazyExamples (one cache); each split a range of it.
  SourceData load_lazily(SourceData out) const {
    std::vector<RecordFilePart> parts;
    std::vector<int64_t> labels, split_sizes;
    std::vector<const std::vector<std::string>*> splits{&options_.train_files, &options_.test_files};
    for (const auto& extra : options_.extra_test_files) splits.push_back(&extra.second);
    for (const auto* stems : splits) {
      const auto before = labels.size();
      for (const auto& stem : *stems) {
        const auto path = resolve_batch_file(options_.dir, stem);
        out.files.push_back({path, formats::sha256_file_hex(path)});
        parts.push_back(open_lazily(path, out.files.back().sha256, labels));
      }
      split_sizes.push_back(static_cast<int64_t>(labels.size() - before));
    }
    const std::vector<int64_t> shape{3, 32, 32};
    const auto preprocess = options_.preprocess;
    const auto all = LazyExamples::create(static_cast<int64_t>(labels.size()), record_file_decode(parts, shape), shape,
                                          torch::kUInt8, options_.read.cache_bytes,
                                          [preprocess](const torch::Tensor& rows) { return preprocess.apply(rows); });
    const auto targets = torch::tensor(labels, torch::kInt64);
    out.train = lazy_split(all, targets, 0, split_sizes[0]);
    out.test = lazy_split(all, targets, split_sizes[0], split_sizes[1]);
    int64_t first = split_sizes[0] + split_sizes[1];
    for (size_t e = 0; e < options_.extra_test_files.size(); ++e) {
      out.extra_tests.push_back(
          {options_.extra_test_files[e].first, lazy_split(all, targets, first, split_sizes[e + 2])});
      first += split_sizes[e + 2];
    }
    return out;
  }

  Cifar10Options options_;
};

}  // namespace

Cifar10Options Cifar10Options::from_config(const Config& section) {
  Cifar10Options o;
  o.dir = section.get<std::string>("path");
  o.train_files = section.get("train_files", o.train_files);
  o.test_files = section.get("test_files", o.test_files);
  const auto extra = section.section("extra_test_files");
  for (const auto& name : extra.keys())
    o.extra_test_files.emplace_back(name, extra.get<std::vector<std::string>>(name));
  const auto [key, what] = problem(o);
  if (!key.empty()) section.fail(key, what);
  o.preprocess = ImagePreprocess::from_config(section, 3);
  o.decode_limits = modlr::decode_limits(section);
  o.read = ReadOptions::from_config(section);
  return o;
}

std::unique_ptr<DataSource> make_cifar10_source(Cifar10Options options) {
  const auto [key, what] = problem(options);
  if (!key.empty()) throw Error("'dataset." + key + "': " + what);
  return std::make_unique<Cifar10Source>(std::move(options));
}

MODLR_REGISTER(data_source_registry, "cifar10", [](const Config& c) -> std::unique_ptr<DataSource> {
  return make_cifar10_source(Cifar10Options::from_config(c));
});

}  // namespace modlr
