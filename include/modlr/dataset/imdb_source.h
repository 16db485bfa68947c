#pragma once
/// The IMDb data source built from code; the `imdb` name of data_source_registry() builds
/// the same from a `dataset` section (src/dataset/imdb_source.cpp lists its keys). Inputs
/// int64 token ids [N, encoding.max_length]; targets int64 [N] (pos = 1, neg = 0).
#include <memory>
#include <string>

#include "modlr/dataset/dataset.h"
#include "modlr/dataset/read_options.h"
#include "modlr/dataset/text_encoding.h"

namespace modlr {

struct ImdbOptions {
  std::string path;              ///< the aclImdb .tar.gz / .tar, or an aclImdb directory (or its parent)
  TextEncodingOptions encoding;  ///< vocabulary size, min_freq, max_length, keep
  int64_t vocabulary_limit = 0;  ///< build the vocabulary on the first N training reviews (0 = all; dataset.limit)
  formats::DecodeLimits decode_limits;
  ReadOptions read;  ///< dataset.cache and unpack_dir
  /// Reads the imdb keys of a `dataset` section; errors name them.
  static ImdbOptions from_config(const Config& section);
};

/// Throws modlr::Error naming the field when `path` is empty or an encoding size is < 1.
std::unique_ptr<DataSource> make_imdb_source(ImdbOptions options);

}  // namespace modlr
