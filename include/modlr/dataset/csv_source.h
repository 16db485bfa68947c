#pragma once
/// A table of your own from code: the `csv` source, one example per row of a CSV file
/// (src/dataset/csv_source.cpp lists its config keys, which fill this same struct, and the
/// rules for missing values and categories). Inputs float32 [N, F] (a categorical feature
/// expands to one 0/1 column per category); targets float32 [N, 1] / target_scale.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "modlr/core/option_keys.h"
#include "modlr/dataset/dataset.h"
#include "modlr/dataset/read_options.h"

namespace modlr {

struct CsvOptions {
  std::string path;                      ///< required: raw or gzipped, with a header row
  std::string target;                    ///< required: the regression target's column
  std::vector<std::string> features;     ///< in this order; [] = every column but the target
  std::vector<std::string> categorical;  ///< features one-hot encoded
  std::string missing = "error";         ///< error | mean | median | drop
  double test_fraction = 0.2;            ///< in (0, 1)
  uint64_t split_seed = 0;               ///< seeds the test split (not the run seed)
  bool standardize = false;
  double target_scale = 1.0;  ///< > 0
  int64_t max_categories = 1000;
  formats::DecodeLimits decode_limits;
  ReadOptions read;  ///< dataset.cache and unpack_dir
  OptionKeys keys{"CsvOptions"};
  static CsvOptions from_config(const Config& section);
};

/// Throws modlr::Error naming the field for a missing path or target, a column listed
/// twice, the target among the features, or a categorical column that is not a feature.
std::unique_ptr<DataSource> make_csv_source(CsvOptions options);

}  // namespace modlr
