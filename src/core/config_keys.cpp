// Config's checks of a whole document once it has been read: keys nobody read (with a
// suggestion), and the resolved document as YAML.
#include <algorithm>

#include "config_root.h"
#include "modlr/core/error.h"
#include "modlr/core/text.h"

namespace modlr {
namespace config_detail {

std::string join_path(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty() && part.front() != '[') out += '.';
    out += part;
  }
  return out;
}

// A mapping key as a name. YAML allows lists and maps as keys ("? [a, b] : 1"); no config
// key is one, and yaml-cpp would throw its own BadConversion on them (found by fuzzing).
std::string key_name(const YAML::Node& key, const std::string& source, const std::string& where) {
  if (!key.IsScalar())
    throw Error(source + ": config key under '" + (where.empty() ? "(top level)" : where) + "' is not a plain name");
  return key.Scalar();
}

}  // namespace config_detail

using config_detail::join_path;
using config_detail::key_name;

namespace {

// Depth-first search for the first mapping key whose path was never read.
void find_unknown(const YAML::Node& node, const std::vector<std::string>& parts, const std::set<std::string>& used,
                  std::vector<std::string>& unknown, const std::string& source) {
  if (!unknown.empty()) return;
  if (node.IsMap()) {
    for (const auto& entry : node) {
      auto child = parts;
      child.push_back(key_name(entry.first, source, join_path(parts)));
      if (!used.count(join_path(child))) {
        unknown = child;
        return;
      }
      find_unknown(entry.second, child, used, unknown, source);
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      auto child = parts;
      child.push_back("[" + std::to_string(i) + "]");
      if (used.count(join_path(child))) find_unknown(node[i], child, used, unknown, source);
    }
  }
}

}  // namespace

void Config::check_no_unknown_keys() const {
  std::vector<std::string> unknown;
  find_unknown(root_->document, {}, root_->used, unknown, root_->source);
  if (unknown.empty()) return;
  const std::string name = unknown.back();
  unknown.pop_back();
  const std::string prefix = join_path(unknown);
  std::vector<std::string> siblings;  // the keys read in the same section
  for (const auto& used : root_->used) {
    if (used.rfind(prefix, 0) != 0) continue;
    if (!prefix.empty() && (used.size() <= prefix.size() || used[prefix.size()] != '.')) continue;
    const std::string rest = used.substr(prefix.empty() ? 0 : prefix.size() + 1);
    if (rest.find('.') != std::string::npos || rest.find('[') != std::string::npos) continue;
    siblings.push_back(rest);
  }
  const std::string best = closest_match(name, siblings);
  unknown.push_back(name);
  throw Error(root_->source + ": unknown config key '" + join_path(unknown) + "'" +
              (best.empty() ? "" : " (did you mean '" + best + "'?)"));
}

namespace {

// Empty sequences and maps in flow style ("[]", "{}"): a default written back as an empty
// block sequence would emit differently from the same config parsed back, and a resumed
// run's config.yaml must be the uninterrupted run's, byte for byte.
void flow_style_for_empty(YAML::Node node) {
  if (node.IsSequence() || node.IsMap()) {
    if (node.size() == 0) node.SetStyle(YAML::EmitterStyle::Flow);
    for (auto item : node) flow_style_for_empty(node.IsMap() ? item.second : item);
  }
}

}  // namespace

std::string Config::dump() const {
  flow_style_for_empty(root_->document);
  YAML::Emitter out;
  out << root_->document;
  return std::string(out.c_str()) + "\n";
}

}  // namespace modlr
