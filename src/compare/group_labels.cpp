// Automatic group labels: what tells the groups apart, in a few words ("model=lenet1",
// "optimizer.lr=0.02", "pytorch"), instead of paths or the same label twice.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "modlr/compare/run_group.h"

namespace modlr::compare {
namespace {

// Keys that differ between every run of a study without telling its groups apart.
bool ignored_key(const std::string& key) {
  return key == "seed" || key == "experiment" || key.rfind("tracking.", 0) == 0;
}

// Config keys whose values are not the same in every group (a key one group lacks differs),
// model.name first, then in key order.
std::vector<std::string> differing_keys(const std::vector<RunGroup>& groups) {
  std::set<std::string> keys;
  for (const auto& group : groups)
    for (const auto& [key, value] : group.runs.front().config) keys.insert(key);
  std::vector<std::string> out;
  for (const auto& key : keys) {
    if (ignored_key(key)) continue;
    const auto value_in = [&key](const RunGroup& group) {
      const auto& config = group.runs.front().config;
      const auto found = config.find(key);
      return found == config.end() ? std::string("(unset)") : found->second;
    };
    const auto first = value_in(groups.front());
    if (std::any_of(groups.begin(), groups.end(), [&](const RunGroup& g) { return value_in(g) != first; }))
      out.push_back(key);
  }
  std::stable_partition(out.begin(), out.end(), [](const std::string& key) { return key == "model.name"; });
  return out;
}

std::string automatic_label(const RunGroup& group, const std::vector<std::string>& keys, bool frameworks_differ) {
  std::vector<std::string> parts;
  if (frameworks_differ) parts.push_back(group.framework());
  const auto& config = group.runs.front().config;
  size_t shown = 0;
  for (const auto& key : keys) {
    if (shown == kMaxLabelKeys) {
      parts.push_back("+" + std::to_string(keys.size() - shown) + " more");
      break;
    }
    const auto found = config.find(key);
    parts.push_back((key == "model.name" ? std::string("model") : key) + "=" +
                    (found == config.end() ? std::string("(unset)") : found->second));
    ++shown;
  }
  std::string label;
  for (const auto& part : parts) label += (label.empty() ? "" : ", ") + part;
  return label;
}

}  // namespace

void label_groups(std::vector<RunGroup>& groups) {
  if (groups.empty()) return;
  const auto keys = differing_keys(groups);
  std::set<std::string> frameworks;
  for (const auto& group : groups) frameworks.insert(group.framework());
  std::vector<bool> automatic(groups.size(), false);
  for (size_t g = 0; g < groups.size(); ++g)
    if (groups[g].label.empty()) {
      groups[g].label = automatic_label(groups[g], keys, frameworks.size() > 1);
      if (groups[g].label.empty()) groups[g].label = groups[g].framework();  // nothing differs
      automatic[g] = true;
    }
  std::map<std::string, int> uses;
  for (const auto& group : groups) ++uses[group.label];
  for (size_t g = 0; g < groups.size(); ++g)
    if (automatic[g] && uses[groups[g].label] > 1) groups[g].label = groups[g].spec;
}

}  // namespace modlr::compare
