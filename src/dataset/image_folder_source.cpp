// The image-folder data source: <root>/<class>/<image> trees of PNG and JPEG files, as
// torchvision's ImageFolder reads them.
//
// Config (dataset section), read in this order:
//   name: image_folder
//   train_path: DIR          # required; the classes are its subfolders, sorted bytewise
//   test_path: DIR           # required; its subfolders must be training classes (a class
//                            # may have no test folder)
//   validation_path: ""      # optional third tree; else dataset.validation holds out a
//                            # seeded fraction of the training images
//   channels: 3              # 1 | 3: every image is converted (formats/image_decode.h)
//   size: []                 # [H, W]; [] = the images' own size, which must be the same
//                            # for every image (a different one is an error naming it)
//   resize: crop             # how an image of another size becomes H x W: crop (scale
//                            # the shorter side to fit, bilinear with antialiasing, then cut
//                            # the centre) | stretch (scale each side to fit)
//   on_bad_example: error    # error | skip: a file that does not decode is an error naming
//                            # it, or left out and counted in the run record
//   plus ImagePreprocess keys: scale (255), mean, std ([] or auto: the training split's
//   per-channel statistics after scaling).
// In a class folder, files named *.png, *.jpg or *.jpeg (any case; the content decides the
// format) are examples, in bytewise name order; hidden files and other names are ignored,
// as ImageFolder does. Inputs: float32 [N, C, H, W] after fit_on_train; targets int64 [N].
#include <ATen/Parallel.h>

#include <algorithm>

#include "modlr/dataset/dataset.h"
#include "modlr/dataset/image_preprocess.h"
#include "modlr/formats/image_decode.h"
#include "modlr/formats/sha256.h"
#include "class_folders.h"

namespace modlr {
namespace {

bool is_image_name(const std::string& name) { return has_extension(name, {"png", "jpg", "jpeg"}); }

class ImageFolderSource : public DataSource {
 public:
  explicit ImageFolderSource(const Config& c);
  SourceData load() override;
  void fit_on_train(TensorData& train, TensorData& validation, TensorData& test) override;
  std::optional<InputNormalization> input_normalization() const override { return preprocess_.as_normalization(); }

 private:
  std::vector<ClassFile> list(const std::string& key, const std::string& root, std::vector<std::string>& classes) const;
  TensorData read(const std::string& root, const std::vector<ClassFile>& examples, SourceData& out);
  torch::Tensor fitted(const formats::Image8& image) const;

  Config config_;
  std::string train_path_, test_path_, validation_path_;
  int64_t channels_;
  std::vector<int64_t> size_;
  std::string resize_;
  bool skip_bad_;
  ImagePreprocess preprocess_;
  std::string first_path_;  ///< with size [], the image whose size all others must have
};

ImageFolderSource::ImageFolderSource(const Config& c)
    : config_(c),
      train_path_(c.get<std::string>("train_path")),
      test_path_(c.get<std::string>("test_path")),
      validation_path_(c.get<std::string>("validation_path", "")),
      channels_(c.get_count("channels", 3, false, 3)),
      size_(c.get<std::vector<int64_t>>("size", {})),
      resize_(c.get_choice("resize", "crop", {"crop", "stretch"})),
      skip_bad_(c.get_choice("on_bad_example", "error", {"error", "skip"}) == "skip"),
      preprocess_(ImagePreprocess::from_config(c, channels_, /*allow_auto=*/true)) {
  if (channels_ == 2) c.fail("channels", "must be 1 (gray) or 3 (RGB)");
  if (!size_.empty() && (size_.size() != 2 || size_[0] < 1 || size_[1] < 1 || size_[0] * size_[1] > (1 << 24)))
    c.fail("size", "must be [] or [H, W] with H, W >= 1 (at most 2^24 pixels)");
}

// The examples under `root`, labelled by their class folder (class_folders.h).
std::vector<ClassFile> ImageFolderSource::list(const std::string& key, const std::string& root,
                                             std::vector<std::string>& classes) const {
  return list_class_folders(config_, key, root, is_image_name, ".png, .jpg or .jpeg files", classes);
}

// One decoded image as uint8 [C, H, W] at the configured size.
torch::Tensor ImageFolderSource::fitted(const formats::Image8& image) const {
  const auto h = static_cast<int64_t>(image.height), w = static_cast<int64_t>(image.width);
  auto pixels = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()), {h, w, channels_}, torch::kUInt8)
                    .permute({2, 0, 1});
  if (size_.empty()) return pixels.clone();
  const int64_t height = size_[0], width = size_[1];
  if (h == height && w == width) return pixels.clone();
  std::vector<int64_t> scaled{height, width};
  if (resize_ == "crop") {
    const double factor = std::max(static_cast<double>(height) / h, static_cast<double>(width) / w);
    scaled = {std::max(height, static_cast<int64_t>(std::lround(h * factor))),
              std::max(width, static_cast<int64_t>(std::lround(w * factor)))};
  }
  namespace F = torch::nn::functional;
  auto x = F::interpolate(pixels.unsqueeze(0).to(torch::kFloat32),
                          F::InterpolateFuncOptions().size(scaled).mode(torch::kBilinear).align_corners(false).antialias(true));
  x = x.narrow(2, (scaled[0] - height) / 2, height).narrow(3, (scaled[1] - width) / 2, width);
  return x.round().clamp(0, 255).to(torch::kUInt8).squeeze(0).contiguous();
}

// Decodes `examples` (the tree at `root`) on several threads; records the tree's fingerprint.
TensorData ImageFolderSource::read(const std::string& root, const std::vector<ClassFile>& examples, SourceData& out) {
  const auto n = static_cast<int64_t>(examples.size());
  std::vector<torch::Tensor> images(examples.size());
  std::vector<std::string> errors(examples.size()), digests(examples.size());
  at::parallel_for(0, n, 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const auto& path = examples[static_cast<size_t>(i)].path;
      try {
        const auto bytes = read_whole_file(path);
        formats::Sha256 digest;
        digest.update(bytes.data(), bytes.size());
        digests[static_cast<size_t>(i)] = digest.hex_digest();
        images[static_cast<size_t>(i)] = fitted(formats::decode_image(bytes, static_cast<int>(channels_), path));
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(i)] = e.what();
      }
    }
  });
  for (size_t i = 0; i < examples.size(); ++i)  // a file that cannot be read has no digest yet
    if (digests[i].empty()) digests[i] = "unreadable";
  out.files.push_back({root, tree_manifest_sha256(root, examples, digests)});
  std::vector<torch::Tensor> kept;
  std::vector<int64_t> labels;
  for (size_t i = 0; i < examples.size(); ++i) {
    if (!errors[i].empty()) {
      if (!skip_bad_) throw Error(errors[i] + " (dataset.on_bad_example: skip leaves such files out)");
      out.skipped.push_back(errors[i]);
      continue;
    }
    if (first_path_.empty()) first_path_ = examples[i].path;
    const auto& first = kept.empty() ? images[i] : kept.front();
    if (images[i].sizes() != first.sizes())
      throw Error(examples[i].path + ": " + std::to_string(images[i].size(2)) + " x " + std::to_string(images[i].size(1)) +
                  " pixels, but " + first_path_ + " has " + std::to_string(first.size(2)) + " x " +
                  std::to_string(first.size(1)) + ": set " + config_.path("size") + " to resize them");
    kept.push_back(images[i]);
    labels.push_back(examples[i].label);
  }
  if (kept.empty()) return {};
  return {torch::stack(kept), torch::tensor(labels, torch::kInt64)};
}

SourceData ImageFolderSource::load() {
  SourceData out;
  const auto train = list("train_path", train_path_, out.class_names);
  const auto test = list("test_path", test_path_, out.class_names);
  out.train = read(train_path_, train, out);
  out.test = read(test_path_, test, out);
  if (!validation_path_.empty()) {
    out.validation = read(validation_path_, list("validation_path", validation_path_, out.class_names), out);
    if (out.validation.size() == 0) config_.fail("validation_path", validation_path_ + ": every image was skipped");
  }
  return out;
}

void ImageFolderSource::fit_on_train(TensorData& train, TensorData& validation, TensorData& test) {
  preprocess_.fit(train.inputs);
  for (auto* split : {&train, &validation, &test})
    if (split->size() > 0) split->inputs = preprocess_.apply(split->inputs);
}

}  // namespace

MODLR_REGISTER(data_source_registry, "image_folder", [](const Config& c) -> std::unique_ptr<DataSource> {
  return std::make_unique<ImageFolderSource>(c);
});

}  // namespace modlr
