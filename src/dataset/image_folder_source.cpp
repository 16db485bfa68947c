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
//   cache: memory            # memory: every image decoded at load, held as float32 |
//                            # none | N (MB): read and decoded per batch (a data set larger
//                            # than memory), through one least-recently-used cache of N MB of
//                            # decoded pixels shared by the splits (lazy_examples.h); needs `size`, and
//                            # on_bad_example: error (a lazy read cannot leave an example out
//                            # mid-epoch). Same seed, same batches, bit for bit, either way.
//   plus ImagePreprocess keys: scale (255), mean, std ([] or auto: the training split's
//   per-channel statistics after scaling).
// In a class folder, files named *.png, *.jpg or *.jpeg (any case; the content decides the
// format) are examples, in bytewise name order; hidden files and other names are ignored,
// as ImageFolder does. Inputs: float32 [N, C, H, W] after fit_on_train; targets int64 [N].
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "class_folders.h"
#include "lazy_examples.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/image_folder_source.h"
#include "modlr/dataset/image_preprocess.h"
#include "modlr/formats/image_decode.h"
#include "modlr/formats/sha256.h"

namespace modlr {
namespace {

bool is_image_name(const std::string& name) { return has_extension(name, {"png", "jpg", "jpeg"}); }

// How a decoded image becomes the model's: channels, size, resizing.
struct Shaping {
  int64_t channels = 3;
  std::vector<int64_t> size;  ///< [H, W] or empty (keep)
  std::string resize = "crop";
};

// One decoded image as uint8 [C, H, W] at the configured size.
torch::Tensor shaped(const formats::Image8& image, const Shaping& shaping) {
  const auto h = static_cast<int64_t>(image.height), w = static_cast<int64_t>(image.width);
  auto pixels = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()), {h, w, shaping.channels}, torch::kUInt8)
                    .permute({2, 0, 1});
  if (shaping.size.empty()) return pixels.clone();
  const int64_t height = shaping.size[0], width = shaping.size[1];
  if (h == height && w == width) return pixels.clone();
  std::vector<int64_t> scaled{height, width};
  if (shaping.resize == "crop") {
    const double factor = std::max(static_cast<double>(height) / h, static_cast<double>(width) / w);
    scaled = {std::max(height, static_cast<int64_t>(std::lround(h * factor))),
              std::max(width, static_cast<int64_t>(std::lround(w * factor)))};
  }
  namespace F = torch::nn::functional;
  auto x = F::interpolate(
      pixels.unsqueeze(0).to(torch::kFloat32),
      F::InterpolateFuncOptions().size(scaled).mode(torch::kBilinear).align_corners(false).antialias(true));
  x = x.narrow(2, (scaled[0] - height) / 2, height).narrow(3, (scaled[1] - width) / 2, width);
  return x.round().clamp(0, 255).to(torch::kUInt8).squeeze(0).contiguous();
}

class ImageFolderSource : public DataSource {
 public:
  explicit ImageFolderSource(ImageFolderOptions o);
  SourceData load() override;
  void fit_on_train(TensorData& train, TensorData& validation, TensorData& test) override;
  std::optional<InputNormalization> input_normalization() const override { return preprocess_->as_normalization(); }
  /// Declared when dataset.size is; otherwise every image's own size decides.
  std::optional<ExampleShape> example_shape() const override {
    if (shaping_.size.empty()) return std::nullopt;
    return ExampleShape{{shaping_.channels, shaping_.size[0], shaping_.size[1]}, torch::kFloat32};
  }

 private:
  std::vector<ClassFile> list(const std::string& key, const std::string& root, std::vector<std::string>& classes) const;
  TensorData read(const std::string& root, const std::vector<ClassFile>& examples, SourceData& out);
  SourceData load_lazily(const std::vector<std::pair<std::string, std::vector<ClassFile>>>& trees,
                         SourceData out) const;
  void fit_lazily(const TensorData& train);

  OptionKeys config_;  ///< names the options in errors
  std::string train_path_, test_path_, validation_path_;
  Shaping shaping_;
  bool skip_bad_;
  int64_t cache_bytes_ = -1;  ///< dataset.cache: -1 = memory
  std::shared_ptr<ImagePreprocess> preprocess_;
  std::string first_path_;            ///< the first image read (of any split) and its
  std::vector<int64_t> first_shape_;  ///< [C, H, W], which every other image must have
};

// cppcheck-suppress passedByValue ; a sink: its strings and vectors are moved into members
ImageFolderSource::ImageFolderSource(ImageFolderOptions o)
    : config_(std::move(o.keys)),
      train_path_(std::move(o.train_path)),
      test_path_(std::move(o.test_path)),
      validation_path_(std::move(o.validation_path)),
      shaping_{o.channels, std::move(o.size), std::move(o.resize)},
      skip_bad_(o.skip_bad_examples),
      cache_bytes_(o.read.cache_bytes),
      preprocess_(std::make_shared<ImagePreprocess>(std::move(o.preprocess))) {}

// The examples under `root`, labelled by their class folder (class_folders.h).
std::vector<ClassFile> ImageFolderSource::list(const std::string& key, const std::string& root,
                                               std::vector<std::string>& classes) const {
  return list_class_folders(config_, key, root, is_image_name, ".png, .jpg or .jpeg files", classes);
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
        digests[static_cast<size_t>(i)] = formats::sha256_hex_bytes(bytes);
        images[static_cast<size_t>(i)] =
            shaped(formats::decode_image(bytes, static_cast<int>(shaping_.channels), path), shaping_);
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
    if (first_path_.empty()) {
      first_path_ = examples[i].path;
      first_shape_ = images[i].sizes().vec();
    }
    if (images[i].sizes() != first_shape_)  // across the splits too: one model input shape
      throw Error(examples[i].path + ": " + std::to_string(images[i].size(2)) + " x " +
                  std::to_string(images[i].size(1)) + " pixels, but " + first_path_ + " has " +
                  std::to_string(first_shape_[2]) + " x " + std::to_string(first_shape_[1]) + ": set " +
                  config_.path("size") + " to resize them");
    kept.push_back(images[i]);
    labels.push_back(examples[i].label);
  }
  if (kept.empty()) return {};
  return {torch::stack(kept), torch::tensor(labels, torch::kInt64)};
}

SourceData ImageFolderSource::load() {
  SourceData out;
  std::vector<std::pair<std::string, std::vector<ClassFile>>> trees;
  trees.emplace_back(train_path_, list("train_path", train_path_, out.class_names));
  trees.emplace_back(test_path_, list("test_path", test_path_, out.class_names));
  if (!validation_path_.empty())
    trees.emplace_back(validation_path_, list("validation_path", validation_path_, out.class_names));
  if (cache_bytes_ >= 0) return load_lazily(trees, std::move(out));
  out.train = read(trees[0].first, trees[0].second, out);
  out.test = read(trees[1].first, trees[1].second, out);
  if (trees.size() > 2) {
    out.validation = read(trees[2].first, trees[2].second, out);
    if (out.validation.size() == 0) config_.fail("validation_path", validation_path_ + ": every image was skipped");
  }
  return out;
}

// Every tree's files behind one LazyExamples (one cache), each split a selection of it. The
// files are read once here for the run record's fingerprints, not decoded.
SourceData ImageFolderSource::load_lazily(const std::vector<std::pair<std::string, std::vector<ClassFile>>>& trees,
                                          SourceData out) const {
  std::vector<std::string> paths;
  std::vector<int64_t> labels;
  for (const auto& [root, files] : trees) {
    std::vector<std::string> digests;
    for (const auto& file : files) {
      digests.push_back(formats::sha256_file_hex(file.path));  // chunked: no file held whole
      paths.push_back(file.path);
      labels.push_back(file.label);
    }
    out.files.push_back({root, tree_manifest_sha256(root, files, digests)});
  }
  const auto shaping = shaping_;
  const auto decode = [shaping, paths](int64_t item) {
    const auto& path = paths[static_cast<size_t>(item)];
    return shaped(formats::decode_image(read_whole_file(path), static_cast<int>(shaping.channels), path), shaping);
  };
  const auto preprocess = preprocess_;  // fitted by fit_on_train before the first batch
  const auto all = LazyExamples::create(
      static_cast<int64_t>(paths.size()), decode, {shaping.channels, shaping.size[0], shaping.size[1]}, torch::kUInt8,
      cache_bytes_, [preprocess](const torch::Tensor& rows) { return preprocess->apply(rows); });
  const auto targets = torch::tensor(labels, torch::kInt64);
  int64_t first = 0;
  std::vector<TensorData*> splits{&out.train, &out.test, &out.validation};
  for (size_t t = 0; t < trees.size(); ++t) {
    const auto rows = torch::arange(first, first + static_cast<int64_t>(trees[t].second.size()), torch::kLong);
    *splits[t] = {torch::Tensor(), targets.index_select(0, rows), all->select(rows)};
    first += static_cast<int64_t>(trees[t].second.size());
  }
  return out;
}

// mean: auto over data read on demand: two passes of decoded chunks (bounded memory).
void ImageFolderSource::fit_lazily(const TensorData& train) {
  if (!preprocess_->fit_statistics) return;
  const auto& images = dynamic_cast<const LazyExamples&>(*train.lazy);
  constexpr int64_t kChunk = 256;
  const int64_t n = train.size(), channels = shaping_.channels;
  const auto pass = [&](const std::function<torch::Tensor(const torch::Tensor&)>& term) {
    auto total = torch::zeros({channels}, torch::kFloat64);
    for (int64_t start = 0; start < n; start += kChunk) {
      const auto chunk = images.gather_raw(torch::arange(start, std::min(n, start + kChunk), torch::kLong));
      total += term(chunk.to(torch::kFloat64).div_(preprocess_->scale).transpose(0, 1).reshape({channels, -1})).sum(1);
    }
    return total / static_cast<double>(n * shaping_.size[0] * shaping_.size[1]);
  };
  const auto mean = pass([](const torch::Tensor& x) { return x; });
  const auto variance = pass([&](const torch::Tensor& x) { return (x - mean.unsqueeze(1)).pow(2); });
  preprocess_->mean.assign(static_cast<size_t>(channels), 0.0);
  preprocess_->std.assign(static_cast<size_t>(channels), 1.0);
  for (int64_t c = 0; c < channels; ++c) {
    preprocess_->mean[static_cast<size_t>(c)] = mean[c].item<double>();
    const double d = std::sqrt(variance[c].item<double>());
    preprocess_->std[static_cast<size_t>(c)] = d > 0 ? d : 1.0;
  }
}

void ImageFolderSource::fit_on_train(TensorData& train, TensorData& validation, TensorData& test) {
  if (train.lazy) return fit_lazily(train);  // the lazy rows normalise as they are gathered
  preprocess_->fit(train.inputs);
  for (auto* split : {&train, &validation, &test})
    if (split->size() > 0) split->inputs = preprocess_->apply(split->inputs);
}

}  // namespace

ImageFolderOptions ImageFolderOptions::from_config(const Config& section) {
  ImageFolderOptions o;
  o.keys = OptionKeys(section);
  o.train_path = section.get<std::string>("train_path");
  o.test_path = section.get<std::string>("test_path");
  o.validation_path = section.get<std::string>("validation_path", o.validation_path);
  o.channels = section.get_count("channels", o.channels, false, 3);
  o.size = section.get<std::vector<int64_t>>("size", o.size);
  o.resize = section.get_choice("resize", o.resize, {"crop", "stretch"});
  o.skip_bad_examples = section.get_choice("on_bad_example", "error", {"error", "skip"}) == "skip";
  o.preprocess = ImagePreprocess::from_config(section, o.channels, /*allow_auto=*/true);
  o.read = ReadOptions::from_config(section, /*unpacks=*/false);
  return o;
}

std::unique_ptr<DataSource> make_image_folder_source(ImageFolderOptions o) {
  const auto& keys = o.keys;
  if (o.train_path.empty()) keys.fail("train_path", "names no folder");
  if (o.test_path.empty()) keys.fail("test_path", "names no folder");
  if (o.channels != 1 && o.channels != 3) keys.fail("channels", "must be 1 (gray) or 3 (RGB)");
  const auto& size = o.size;
  if (!size.empty() && (size.size() != 2 || size[0] < 1 || size[1] < 1 || size[0] * size[1] > (1 << 24)))
    keys.fail("size", "must be [] or [H, W] with H, W >= 1 (at most 2^24 pixels)");
  if (o.resize != "crop" && o.resize != "stretch") keys.fail("resize", "must be crop or stretch");
  if (o.read.per_batch() && size.empty())
    keys.fail("cache", "reading images per batch needs dataset.size, so every batch has one shape");
  if (o.read.per_batch() && o.skip_bad_examples)
    keys.fail("on_bad_example", "skip needs cache: memory (a lazy read cannot leave an example out mid-epoch)");
  return std::make_unique<ImageFolderSource>(std::move(o));
}

MODLR_REGISTER(data_source_registry, "image_folder", [](const Config& c) -> std::unique_ptr<DataSource> {
  return make_image_folder_source(ImageFolderOptions::from_config(c));
});

}  // namespace modlr
