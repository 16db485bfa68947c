// The IDX data source (MNIST, Fashion-MNIST, KMNIST): four files in one directory, each
// either gzipped (<stem>.gz) or raw (<stem>).
//
// Config (dataset section): name: idx, path: DIR, classes: 10,
//   train_images: train-images-idx3-ubyte, train_labels: train-labels-idx1-ubyte,
//   test_images: t10k-images-idx3-ubyte,  test_labels: t10k-labels-idx1-ubyte,
//   plus ImagePreprocess keys (scale, mean, std),
//   cache: memory, unpack_dir        # cache: none | N (MB) reads images per batch at their
//                                    # offsets (lazy_examples.h; a .gz is unpacked once into
//                                    # unpack_dir); labels stay in memory.
// Inputs become float32 [N, 1, H, W]; targets int64 [N].
#include "modlr/dataset/idx_source.h"
#include "lazy_examples.h"
#include "modlr/dataset/image_preprocess.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/formats/idx.h"
#include "modlr/formats/sha256.h"

namespace modlr {
namespace {

class IdxSource : public DataSource {
 public:
  explicit IdxSource(IdxOptions options) : options_(std::move(options)) {}

  SourceData load() override {
    SourceData out;
    if (options_.read.per_batch()) return load_lazily(std::move(out));
    out.train = read_split(options_.train_images, options_.train_labels, out.files);
    out.test = read_split(options_.test_images, options_.test_labels, out.files);
    return out;
  }

  std::optional<InputNormalization> input_normalization() const override {
    return options_.preprocess.as_normalization();
  }

  // The training images' header: [1, rows, cols]. Left to load() to explain a file that is
  // not 3-dimensional images.
  std::optional<ExampleShape> example_shape() const override {
    const auto path = formats::resolve_data_file(options_.dir, options_.train_images);
    const auto dims = formats::peek_idx_dims(path, options_.decode_limits);
    if (dims.size() != 3) return std::nullopt;
    return ExampleShape{{1, static_cast<int64_t>(dims[1]), static_cast<int64_t>(dims[2])}, torch::kFloat32};
  }

 private:
  TensorData read_split(const std::string& images_stem, const std::string& labels_stem,
                        std::vector<DataFile>& files) const {
    const auto images_path = formats::resolve_data_file(options_.dir, images_stem);
    const auto labels_path = formats::resolve_data_file(options_.dir, labels_stem);
    auto pair =
        formats::read_idx_pair(images_path, labels_path, static_cast<int>(options_.classes), options_.decode_limits);
    files.push_back({images_path, formats::sha256_file_hex(images_path)});
    files.push_back({labels_path, formats::sha256_file_hex(labels_path)});
    const auto& dims = pair.images.dims;
    const auto n = static_cast<int64_t>(dims[0]);
    auto images = torch::from_blob(pair.images.data.data(),
                                   {n, 1, static_cast<int64_t>(dims[1]), static_cast<int64_t>(dims[2])}, torch::kUInt8);
    auto labels = torch::from_blob(pair.labels.data.data(), {n}, torch::kUInt8);
    // from_blob borrows the vectors; both conversions below copy before they go away.
    return {options_.preprocess.apply(images), labels.to(torch::kInt64)};
  }

  // Both splits' images read at their offsets through one cache; the labels in memory.
  SourceData load_lazily(SourceData out) const {
    std::vector<RecordFilePart> parts;
    std::vector<torch::Tensor> labels;
    std::vector<int64_t> shape;
    for (const auto& [images_stem, labels_stem] : {std::make_pair(options_.train_images, options_.train_labels),
                                                   std::make_pair(options_.test_images, options_.test_labels)}) {
      const auto images_path = formats::resolve_data_file(options_.dir, images_stem);
      const auto labels_path = formats::resolve_data_file(options_.dir, labels_stem);
      out.files.push_back({images_path, formats::sha256_file_hex(images_path)});
      out.files.push_back({labels_path, formats::sha256_file_hex(labels_path)});
      const auto images = formats::SeekableFile::open(images_path, out.files[out.files.size() - 2].sha256,
                                                      options_.read.unpack_dir, options_.decode_limits);
      const auto header = formats::read_idx_header(*images);
      auto label_array = formats::read_idx(labels_path, options_.decode_limits);
      formats::check_idx_pair(header.dims, label_array, images_path, labels_path, static_cast<int>(options_.classes));
      const std::vector<int64_t> image_shape{1, header.dims[1], header.dims[2]};
      if (!shape.empty() && shape != image_shape)
        throw Error(images_path + ": images of " + std::to_string(header.dims[1]) + "x" +
                    std::to_string(header.dims[2]) + " pixels, but the training images have " +
                    std::to_string(shape[1]) + "x" + std::to_string(shape[2]));
      shape = image_shape;
      parts.push_back({images, header.data_offset, header.item_size(), 0, static_cast<int64_t>(header.dims[0])});
      labels.push_back(
          torch::tensor(std::vector<int64_t>(label_array.data.begin(), label_array.data.end()), torch::kInt64));
    }
    const auto n_train = parts[0].count, n_test = parts[1].count;
    const auto preprocess = options_.preprocess;
    const auto all = LazyExamples::create(n_train + n_test, record_file_decode(parts, shape), shape, torch::kUInt8,
                                          options_.read.cache_bytes,
                                          [preprocess](const torch::Tensor& rows) { return preprocess.apply(rows); });
    const auto targets = torch::cat(labels);
    out.train = lazy_split(all, targets, 0, n_train);
    out.test = lazy_split(all, targets, n_train, n_test);
    return out;
  }

  IdxOptions options_;
};

}  // namespace

IdxOptions IdxOptions::from_config(const Config& section) {
  IdxOptions o;
  o.dir = section.get<std::string>("path");
  o.classes = section.get_count("classes", o.classes, false, 256);  // IDX labels are bytes
  o.train_images = section.get<std::string>("train_images", o.train_images);
  o.train_labels = section.get<std::string>("train_labels", o.train_labels);
  o.test_images = section.get<std::string>("test_images", o.test_images);
  o.test_labels = section.get<std::string>("test_labels", o.test_labels);
  o.preprocess = ImagePreprocess::from_config(section, 1);
  o.decode_limits = modlr::decode_limits(section);
  o.read = ReadOptions::from_config(section);
  return o;
}

std::unique_ptr<DataSource> make_idx_source(IdxOptions options) {
  if (options.dir.empty()) throw Error("IdxOptions::dir: names no folder");
  if (options.classes < 1 || options.classes > 256) throw Error("IdxOptions::classes: must be in 1..256");
  return std::make_unique<IdxSource>(std::move(options));
}

MODLR_REGISTER(data_source_registry, "idx", [](const Config& c) -> std::unique_ptr<DataSource> {
  return make_idx_source(IdxOptions::from_config(c));
});

}  // namespace modlr
