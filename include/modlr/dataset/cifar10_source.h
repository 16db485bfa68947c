#pragma once
/// The CIFAR-10 data source built from code; the `cifar10` name of data_source_registry()
/// builds the same from a `dataset` section (src/dataset/cifar_source.cpp lists its keys).
/// Inputs float32 [N, 3, 32, 32] after `preprocess`; targets int64 [N].
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "modlr/dataset/dataset.h"
#include "modlr/dataset/image_preprocess.h"
#include "modlr/dataset/read_options.h"

namespace modlr {

struct Cifar10Options {
  std::string dir;  ///< the folder of the batch files, each found as S.bin.gz, S.bin, S.gz or S
  std::vector<std::string> train_files{"data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4"};
  std::vector<std::string> test_files{"data_batch_5"};
  /// Further test splits by name ([a-z][a-z0-9_]*, not train, validation or test).
  std::vector<std::pair<std::string, std::vector<std::string>>> extra_test_files;
  ImagePreprocess preprocess;  ///< scale 255, no mean/std unless set
  formats::DecodeLimits decode_limits;
  ReadOptions read;  ///< dataset.cache and unpack_dir: in memory or per batch
  /// Reads the cifar10 keys of a `dataset` section; errors name them.
  static Cifar10Options from_config(const Config& section);
};

/// Throws modlr::Error naming the option ('dataset.test_files': ...) when the options are
/// inconsistent: no folder, an empty file list, a test file that is also a training file,
/// a bad extra split name.
std::unique_ptr<DataSource> make_cifar10_source(Cifar10Options options);

}  // namespace modlr
