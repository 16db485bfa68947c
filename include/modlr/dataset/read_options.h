#pragma once
/// How a data source reads its examples (the `dataset` keys every source takes):
///   cache: memory       # memory: everything read and decoded at load | none | N (MB):
///                       # each batch's examples read when the loader asks for them,
///                       # through a least-recently-used cache of N MB of decoded rows
///   unpack_dir: ...     # where a gzipped file read per batch is unpacked once
///                       # (formats/seekable_file.h); default formats::default_unpack_dir()
#include <cstdint>
#include <string>

#include "modlr/core/config.h"

namespace modlr {

struct ReadOptions {
  int64_t cache_bytes = -1;  ///< -1: memory; else the cache budget in bytes (0: no cache)
  std::string unpack_dir;    ///< only read per batch, and only by sources that unpack files
  bool per_batch() const { return cache_bytes >= 0; }
  /// Reads `cache` and, when reading per batch from files that may be gzipped
  /// (`unpacks`), `unpack_dir`; errors name the key. The keys' one reader.
  static ReadOptions from_config(const Config& section, bool unpacks = true);
};

}  // namespace modlr
