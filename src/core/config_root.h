#pragma once
// Private to src/core: the state every Config view of one document shares, and the helpers
// config.cpp (reading) and config_keys.cpp (unknown keys, dump) both use.
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

#include "modlr/core/config.h"

namespace modlr {

struct Config::Root {
  YAML::Node document;
  std::string source;
  std::set<std::string> used;  // full paths read by an accessor
};

namespace config_detail {

/// "a.b[0].c" from path components ("[i]" marks a sequence index).
std::string join_path(const std::vector<std::string>& parts);
/// The text of the config file at `path`, with load()'s checks (a regular file, its size).
std::string read_config_text(const std::string& path);
/// One YAML document that is a mapping (empty text: an empty one), with the structure
/// checks (duplicate keys, node budget); errors name `source_name`.
YAML::Node parse_document(const std::string& yaml_text, const std::string& source_name);
/// The config file at `path` with its `base` chain resolved (config_bases.cpp): the
/// documents merged, base first, `base` itself gone.
YAML::Node load_with_bases(const std::string& path);
/// A mapping key as a name; throws modlr::Error naming `source` and `where` for a key that
/// is a list or map (YAML allows "? [a, b] : 1"; no config key is one).
std::string key_name(const YAML::Node& key, const std::string& source, const std::string& where);

}  // namespace config_detail
}  // namespace modlr
