#pragma once
/// The IDX data source (MNIST, Fashion-MNIST, KMNIST) built from code; the `idx` name of
/// data_source_registry() builds the same from a `dataset` section (src/dataset/idx_source.cpp
/// lists its keys). Inputs float32 [N, 1, H, W] after `preprocess`; targets int64 [N].
#include <memory>
#include <string>

#include "modlr/dataset/dataset.h"
#include "modlr/dataset/image_preprocess.h"
#include "modlr/dataset/read_options.h"

namespace modlr {

struct IdxOptions {
  std::string dir;  ///< the folder of the four files, each <stem> or <stem>.gz
  int64_t classes = 10;
  std::string train_images = "train-images-idx3-ubyte", train_labels = "train-labels-idx1-ubyte";
  std::string test_images = "t10k-images-idx3-ubyte", test_labels = "t10k-labels-idx1-ubyte";
  ImagePreprocess preprocess;  ///< scale 255, no mean/std unless set
  formats::DecodeLimits decode_limits;
  ReadOptions read;  ///< dataset.cache and unpack_dir: in memory or per batch
  /// Reads the idx keys of a `dataset` section; errors name them.
  static IdxOptions from_config(const Config& section);
};

/// Throws modlr::Error when `options.dir` is empty or classes is outside 1..256.
std::unique_ptr<DataSource> make_idx_source(IdxOptions options);

}  // namespace modlr
