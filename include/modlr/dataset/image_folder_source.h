#pragma once
/// Your own images from code: <root>/<class>/<image> trees of PNG and JPEG files, as
/// torchvision's ImageFolder reads them (src/dataset/image_folder_source.cpp lists the
/// `image_folder` config keys, which fill this same struct). Inputs float32 [N, C, H, W]
/// after `preprocess`; targets int64 [N]; the classes are train_path's subfolders.
#include <memory>
#include <string>
#include <vector>

#include "modlr/core/option_keys.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/image_preprocess.h"
#include "modlr/dataset/read_options.h"

namespace modlr {

struct ImageFolderOptions {
  std::string train_path, test_path;  ///< required
  std::string validation_path;        ///< optional third tree ("" = none)
  int64_t channels = 3;               ///< 1 (gray) | 3 (RGB): every image is converted
  std::vector<int64_t> size;          ///< [H, W], or empty: the images' own (all the same) size
  std::string resize = "crop";        ///< crop | stretch: how another size becomes H x W
  bool skip_bad_examples = false;     ///< on_bad_example: skip (else a bad file is an error)
  ReadOptions read;                   ///< dataset.cache: none | N MB needs `size`
  ImagePreprocess preprocess;         ///< scale 255; mean/std, or fit_statistics (mean: auto)
  OptionKeys keys{"ImageFolderOptions"};
  static ImageFolderOptions from_config(const Config& section);
};

/// Throws modlr::Error naming the field for a missing path, channels other than 1 or 3,
/// a bad size or resize, per-batch reading without a size or with skip_bad_examples.
std::unique_ptr<DataSource> make_image_folder_source(ImageFolderOptions options);

}  // namespace modlr
