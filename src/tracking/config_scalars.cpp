// A resolved config's scalars by dotted key (tracking/config_scalars.h).
#include "modlr/tracking/config_scalars.h"

#include <yaml-cpp/yaml.h>

namespace modlr {
namespace {

void collect(const YAML::Node& node, const std::string& prefix, std::vector<ConfigScalar>& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      const auto key = prefix.empty() ? entry.first.as<std::string>() : prefix + "." + entry.first.as<std::string>();
      if (key != "tracking") collect(entry.second, key, out);
    }
  } else if (node.IsScalar()) {
    out.push_back({prefix, node.Scalar(), node.Tag() == "!"});
  }
}

}  // namespace

std::vector<ConfigScalar> config_scalars(const std::string& yaml_text) {
  std::vector<ConfigScalar> scalars;
  collect(YAML::Load(yaml_text), "", scalars);
  return scalars;
}

}  // namespace modlr
