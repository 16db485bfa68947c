// The IDX data source (MNIST, Fashion-MNIST, KMNIST): four files in one directory, each
// either gzipped (<stem>.gz) or raw (<stem>).
//
// Config (dataset section): name: idx, path: DIR, classes: 10,
//   train_images: train-images-idx3-ubyte, train_labels: train-labels-idx1-ubyte,
//   test_images: t10k-images-idx3-ubyte,  test_labels: t10k-labels-idx1-ubyte,
//   plus ImagePreprocess keys (scale, mean, std).
// Inputs become float32 [N, 1, H, W]; targets int64 [N].
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
        decode_limits_(decode_limits(c)) {}

  SourceData load() override {
    SourceData out;
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

  std::string dir_;
  int64_t classes_;
  std::string train_images_, train_labels_, test_images_, test_labels_;
  ImagePreprocess preprocess_;
  formats::DecodeLimits decode_limits_;
};

}  // namespace

MODLR_REGISTER(data_source_registry, "idx", [](const Config& c) -> std::unique_ptr<DataSource> {
  return std::make_unique<IdxSource>(c);
});

}  // namespace modlr
