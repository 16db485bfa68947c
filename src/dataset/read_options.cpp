#include "modlr/dataset/read_options.h"

#include <cstdlib>

#include "modlr/formats/seekable_file.h"

namespace modlr {

ReadOptions ReadOptions::from_config(const Config& section, bool unpacks) {
  ReadOptions o;
  const auto cache = section.get<std::string>("cache", "memory");
  if (cache == "none") {
    o.cache_bytes = 0;
  } else if (cache != "memory") {
    char* end = nullptr;
    const double mb = std::strtod(cache.c_str(), &end);
    if (cache.empty() || *end != '\0' || !(mb >= 0) || mb > 1e7)
      section.fail("cache", "must be memory, none or a size in MB");
    o.cache_bytes = static_cast<int64_t>(mb * 1024 * 1024);
  }
  if (!o.per_batch() || !unpacks) return o;
  o.unpack_dir = section.get<std::string>("unpack_dir", formats::default_unpack_dir());
  if (section.has("unpack_dir") && o.unpack_dir.empty()) section.fail("unpack_dir", "must name a folder");
  return o;
}

}  // namespace modlr
