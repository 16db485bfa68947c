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
#include "lazy_examples.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/image_preprocess.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/formats/idx.h"
#include "modlr/formats/sha256.h"

namespace modlr {
namespace {

class IdxSource : public DataSource {
 public:
  explicit IdxSource(const Config& c)
      : dir_(c.get<std::string>("path")),
        classes_(c.get_count("classes", 10, false, 256)),  // IDX labels are bytes
        train_images_(c.get<std::string>("train_images", "train-images-idx3-ubyte")),
        train_labels_(c.get<std::string>("train_labels", "train-labels-idx1-ubyte")),
        test_images_(c.get<std::string>("test_images", "t10k-images-idx3-ubyte")),
        test_labels_(c.get<std::string>("test_labels", "t10k-labels-idx1-ubyte")),
        preprocess_(ImagePreprocess::from_config(c, 1)),
        decode_limits_(decode_limits(c)),
        cache_bytes_(read_cache_option(c)),
        unpack_dir_(cache_bytes_ >= 0 ? read_unpack_dir(c) : "") {}

  SourceData load() override {
    SourceData out;
    if (cache_bytes_ >= 0) return load_lazily(std::move(out));
    out.train = read_split(train_images_, train_labels_, out.files);
    out.test = read_split(test_images_, test_labels_, out.files);
    return out;
  }

  std::optional<InputNormalization> input_normalization() const override {
    return preprocess_.as_normalization();
  }

 private:
  TensorData read_split(const std::string& images_stem, const std::string& labels_stem,
                        std::vector<DataFile>& files) const {
    const auto images_path = formats::resolve_data_file(dir_, images_stem);
    const auto labels_path = formats::resolve_data_file(dir_, labels_stem);
    auto pair = formats::read_idx_pair(images_path, labels_path, static_cast<int>(classes_), decode_limits_);
    files.push_back({images_path, formats::sha256_file_hex(images_path)});
    files.push_back({labels_path, formats::sha256_file_hex(labels_path)});
    const auto& dims = pair.images.dims;
    const auto n = static_cast<int64_t>(dims[0]);
    auto images = torch::from_blob(pair.images.data.data(),
                                   {n, 1, static_cast<int64_t>(dims[1]),
                                    static_cast<int64_t>(dims[2])},
                                   torch::kUInt8);
    auto labels = torch::from_blob(pair.labels.data.data(), {n}, torch::kUInt8);
    // from_blob borrows the vectors; both conversions below copy before they go away.
    return {preprocess_.apply(images), labels.to(torch::kInt64)};
  }

  // Both splits' images read at their offsets through one cache; the labels in memory.
  SourceData load_lazily(SourceData out) const {
    std::vector<RecordFilePart> parts;
    std::vector<torch::Tensor> labels;
    std::vector<int64_t> shape;
    for (const auto& [images_stem, labels_stem] : {std::make_pair(train_images_, train_labels_), std::make_pair(test_images_, test_labels_)}) {
      const auto images_path = formats::resolve_data_file(dir_, images_stem);
      const auto labels_path = formats::resolve_data_file(dir_, labels_stem);
      out.files.push_back({images_path, formats::sha256_file_hex(images_path)});
      out.files.push_back({labels_path, formats::sha256_file_hex(labels_path)});
      const auto images = formats::SeekableFile::open(images_path, out.files[out.files.size() - 2].sha256, unpack_dir_, decode_limits_);
      const auto header = formats::read_idx_header(*images);
      auto label_array = formats::read_idx(labels_path, decode_limits_);
      formats::check_idx_pair(header.dims, label_array, images_path, labels_path, static_cast<int>(classes_));
      const std::vector<int64_t> image_shape{1, header.dims[1], header.dims[2]};
      if (!shape.empty() && shape != image_shape)
        throw Error(images_path + ": images of " + std::to_string(header.dims[1]) + "x" + std::to_string(header.dims[2]) +
                    " pixels, but the training images have " + std::to_string(shape[1]) + "x" + std::to_string(shape[2]));
      shape = image_shape;
      parts.push_back({images, header.data_offset, header.item_size(), 0, static_cast<int64_t>(header.dims[0])});
      labels.push_back(torch::tensor(std::vector<int64_t>(label_array.data.begin(), label_array.data.end()), torch::kInt64));
    }
    const auto n_train = parts[0].count, n_test = parts[1].count;
    const auto preprocess = preprocess_;
    const auto all = LazyExamples::create(n_train + n_test, record_file_decode(parts, shape), shape, torch::kUInt8, cache_bytes_,
                                          [preprocess](const torch::Tensor& rows) { return preprocess.apply(rows); });
    const auto targets = torch::cat(labels);
    out.train = lazy_split(all, targets, 0, n_train);
    out.test = lazy_split(all, targets, n_train, n_test);
    return out;
  }

  std::string dir_;
  int64_t classes_;
  std::string train_images_, train_labels_, test_images_, test_labels_;
  ImagePreprocess preprocess_;
  formats::DecodeLimits decode_limits_;
  int64_t cache_bytes_;     ///< dataset.cache: -1 = memory
  std::string unpack_dir_;  ///< read only for a lazy source
};

}  // namespace

MODLR_REGISTER(data_source_registry, "idx", [](const Config& c) -> std::unique_ptr<DataSource> {
  return std::make_unique<IdxSource>(c);
});

}  // namespace modlr
