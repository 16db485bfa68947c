#include "modlr/compare/run_group.h"

#include <glob.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "modlr/compare/dtw.h"
#include "modlr/core/config.h"
#include "modlr/core/error.h"
#include "modlr/core/text.h"

namespace fs = std::filesystem;

namespace modlr::compare {
namespace {

bool is_run_dir(const fs::path& dir) {
  return fs::exists(dir / "summary.json") || fs::exists(dir / "metrics.csv") || fs::exists(dir / "config.yaml");
}

void collect_runs(const fs::path& dir, int depth, std::set<std::string>& out) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) return;
  if (is_run_dir(dir)) {
    out.insert(fs::weakly_canonical(dir).string());
    return;
  }
  if (depth == 0) return;
  for (const auto& entry : fs::directory_iterator(dir, error))
    if (entry.is_directory(error)) collect_runs(entry.path(), depth - 1, out);
}

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(path + ": cannot read");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void read_summary(const std::string& path, RunData& run) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
    run.experiment = j.at("experiment").get<std::string>();
    run.run_id = j.at("run_id").get<std::string>();
    run.seed = j.at("seed").get<int64_t>();
    run.status = j.at("status").get<std::string>();
    run.error = j.value("error", "");
    const auto& train = j.at("train");
    run.epochs = train.value("epochs", int64_t{0});
    if (train.contains("seconds") && train.at("seconds").is_number())
      run.values["train.seconds"] = train.at("seconds").get<double>();
    const auto test = j.value("test", nlohmann::json::object());
    for (const auto& [key, value] : test.items())
      if (value.is_number()) run.values["test." + key] = value.get<double>();
    const auto environment = j.value("environment", nlohmann::json::object());
    for (const auto& [key, value] : environment.items())
      run.environment[key] = value.is_string() ? value.get<std::string>() : value.dump();
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": not a run summary: " + e.what());
  }
  run.framework = run.environment.count("modlr_version") && run.environment.at("modlr_version") == "reference-python"
                      ? "pytorch"
                      : "modlr";
}

// `text` as a double when all of it is one (strtod's syntax, nan and inf included: a
// diverged run's curve holds them); false for an empty field or trailing bytes ("0.5abc").
bool parse_whole_number(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

void read_curves(const std::string& path, RunData& run) {
  std::ifstream file(path);
  if (!file) return;  // a run that never got to write metrics has no curves
  std::string line;
  std::getline(file, line);  // header
  for (int number = 2; std::getline(file, line); ++number) {
    std::stringstream row(line);
    std::string epoch, split, metric, value;
    if (!std::getline(row, epoch, ',') || !std::getline(row, split, ',') || !std::getline(row, metric, ',') ||
        !std::getline(row, value))
      throw Error(path + ":" + std::to_string(number) + ": expected epoch,split,metric,value");
    const std::string key = split + "/" + metric;
    auto& curve = run.curves[key];
    // Checked before the point is stored: a longer curve is refused while it is read, not
    // after it has taken the memory (and before DTW would take O(n m) time on it).
    if (curve.values.size() == kMaxCurvePoints)
      throw Error(path + ":" + std::to_string(number) + ": curve '" + key + "' has more than " +
                  std::to_string(kMaxCurvePoints) +
                  " points, the limit for one curve (modlr::compare::kMaxCurvePoints)");
    double epoch_number = 0, value_number = 0;
    if (!parse_whole_number(epoch, epoch_number) || !parse_whole_number(value, value_number))
      throw Error(path + ":" + std::to_string(number) + ": not a number in '" + escape_text(line.substr(0, 200)) + "'");
    curve.epochs.push_back(epoch_number);
    curve.values.push_back(value_number);
  }
}

// Counts `node` and everything under it against `budget` (each use of an alias counted
// again), so that a few lines of nested aliases in a hostile config.yaml cannot make the
// walk exponential: the limit is Config's own.
void take_one(size_t& budget, const std::string& path) {
  if (budget == 0)
    throw Error(path + ": more than " + std::to_string(kMaxConfigNodes) + " values (counting each use of an alias)");
  --budget;
}

void spend(const YAML::Node& node, size_t& budget, const std::string& path) {
  take_one(budget, path);
  if (node.IsSequence())
    for (const auto& child : node) spend(child, budget, path);
  else if (node.IsMap())
    for (const auto& entry : node) spend(entry.second, budget, path);
}

// Config leaves by dotted key ("optimizer.lr"); lists and other non-map values are leaves,
// written as compact YAML ("[1, 2]").
void flatten(const YAML::Node& node, const std::string& prefix, std::map<std::string, std::string>& out, size_t& budget,
             const std::string& path) {
  if (node.IsMap()) {
    take_one(budget, path);
    for (const auto& entry : node)
      flatten(entry.second, prefix + (prefix.empty() ? "" : ".") + entry.first.as<std::string>(), out, budget, path);
    return;
  }
  spend(node, budget, path);
  if (node.IsScalar()) {
    out[prefix] = node.as<std::string>();
    return;
  }
  YAML::Emitter compact;
  compact << YAML::Flow << node;
  out[prefix] = compact.c_str();
}

// The run's model (model.name), data set (basename of dataset.path) and resolved config,
// from config.yaml; without one, the experiment name stands for both.
void read_config(const std::string& path, RunData& run) {
  if (!fs::exists(path)) {
    run.model = run.workload = run.experiment;
    return;
  }
  std::error_code error;
  const auto size = fs::file_size(path, error);
  if (!error && size > kMaxConfigBytes)
    throw Error(path + ": " + std::to_string(size) + " bytes, more than a config holds (" +
                std::to_string(kMaxConfigBytes) + ")");
  try {
    const auto root = YAML::Load(read_file(path));
    run.model = "?";
    run.workload = "?";
    if (root["model"] && root["model"]["name"])
      run.model = root["model"]["name"].as<std::string>();
    else if (root["model"])
      run.model = "multi-model";
    if (root["dataset"] && root["dataset"]["path"]) {
      auto dataset = fs::path(root["dataset"]["path"].as<std::string>());
      run.workload = (dataset.filename().empty() ? dataset.parent_path() : dataset).filename().string();
    }
    size_t budget = kMaxConfigNodes;
    flatten(root, "", run.config, budget, path);
  } catch (const YAML::Exception& e) {
    throw Error(path + ": " + e.what());
  }
}

void check_consistent(const RunGroup& group) {
  const auto& first = group.runs.front();
  const auto curve_length = [](const RunData& run) {
    return run.curves.count("train/accuracy") ? run.curves.at("train/accuracy").values.size() : 0;
  };
  for (const auto& run : group.runs) {
    if (run.workload != first.workload)
      throw Error("group '" + group.spec + "' mixes workloads (data sets): " + first.dir + " is " + first.workload +
                  ", " + run.dir + " is " + run.workload);
    if (run.model != first.model)
      throw Error("group '" + group.spec + "' mixes models: " + first.dir + " is " + first.model + ", " + run.dir +
                  " is " + run.model + "; a group holds repeats of one experiment");
    if (curve_length(run) != curve_length(first))
      throw Error("group '" + group.spec + "': training curves of different lengths (" + first.dir + ": " +
                  std::to_string(curve_length(first)) + " epochs, " + run.dir + ": " +
                  std::to_string(curve_length(run)) + " epochs); a group holds repeats of one experiment");
  }
}

}  // namespace

RunData load_run(const std::string& dir) {
  RunData run;
  run.dir = dir;
  read_summary(dir + "/summary.json", run);
  read_curves(dir + "/metrics.csv", run);
  read_config(dir + "/config.yaml", run);
  return run;
}

std::vector<std::string> find_run_dirs(const std::string& spec) {
  std::set<std::string> found;
  if (spec.find_first_of("*?[") == std::string::npos) {
    collect_runs(spec, 3, found);
    return {found.begin(), found.end()};
  }
  glob_t matches{};
  if (::glob(spec.c_str(), GLOB_TILDE, nullptr, &matches) == 0)
    for (size_t i = 0; i < matches.gl_pathc; ++i) collect_runs(matches.gl_pathv[i], 3, found);
  ::globfree(&matches);
  return {found.begin(), found.end()};
}

RunGroup load_group(const std::string& spec) {
  RunGroup group;
  group.spec = spec;
  const auto equals = spec.find('=');
  if (equals != std::string::npos && spec.substr(0, equals).find('/') == std::string::npos) {
    group.label = spec.substr(0, equals);
    group.spec = spec.substr(equals + 1);
  }
  const auto dirs = find_run_dirs(group.spec);
  if (dirs.empty())
    throw Error(group.spec +
                ": no runs found (no directory with a summary.json there or up to "
                "three levels below" +
                (fs::exists(group.spec) ? "" : "; the path does not exist") + ")");
  for (const auto& dir : dirs) {
    if (!fs::exists(dir + "/summary.json")) {
      group.skipped.push_back(dir + ": no summary.json (unfinished or killed run), skipped");
      continue;
    }
    auto run = load_run(dir);
    if (run.status != "finished") {
      group.skipped.push_back(dir + ": run " + run.status + (run.error.empty() ? "" : " (" + run.error + ")") +
                              ", skipped");
      continue;
    }
    group.runs.push_back(std::move(run));
  }
  if (group.runs.empty())
    throw Error(group.spec + ": no finished runs among " + std::to_string(dirs.size()) +
                " (first: " + group.skipped.front() + ")");
  std::sort(group.runs.begin(), group.runs.end(), [](const RunData& a, const RunData& b) {
    return a.seed != b.seed ? a.seed < b.seed : a.run_id < b.run_id;
  });
  check_consistent(group);
  return group;
}

std::vector<RunGroup> load_groups(const std::vector<std::string>& specs) {
  std::vector<RunGroup> groups;
  groups.reserve(specs.size());
  for (const auto& spec : specs) groups.push_back(load_group(spec));
  label_groups(groups);
  return groups;
}

}  // namespace modlr::compare
