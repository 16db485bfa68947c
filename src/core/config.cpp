#include "modlr/core/config.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config_root.h"
#include "modlr/core/error.h"

namespace modlr {

using config_detail::join_path;
using config_detail::key_name;

namespace {

// Walks `parts` from `node` without creating anything; returns an invalid/undefined node
// when a component is missing.
YAML::Node walk(YAML::Node node, const std::vector<std::string>& parts) {
  for (const auto& part : parts) {
    if (!node || !node.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    // Const lookups: a non-const operator[] would insert the key it looks for.
    const YAML::Node& current = node;
    if (part.front() == '[') {
      node.reset(current[std::stoul(part.substr(1, part.size() - 2))]);
    } else {
      if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
      node.reset(current[part]);
    }
  }
  return node;
}

// map[key] without yaml-cpp's trap: for a missing key it returns an invalid node whose
// IsSequence()/IsMap() throw YAML::InvalidNode. This returns a plain undefined node instead.
YAML::Node lookup(const YAML::Node& map, const std::string& key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node child = map[key];
  return child.IsDefined() ? child : YAML::Node(YAML::NodeType::Undefined);
}

template <typename T>
const char* type_name();
template <>
const char* type_name<bool>() {
  return "true or false";
}
template <>
const char* type_name<int>() {
  return "an integer";
}
template <>
const char* type_name<int64_t>() {
  return "an integer";
}
template <>
const char* type_name<double>() {
  return "a number";
}
template <>
const char* type_name<std::string>() {
  return "a string";
}
template <>
const char* type_name<std::vector<int64_t>>() {
  return "a list of integers";
}
template <>
const char* type_name<std::vector<double>>() {
  return "a list of numbers";
}
template <>
const char* type_name<std::vector<std::string>>() {
  return "a list of strings";
}

template <typename T>
bool convert_scalar(const YAML::Node& node, T& out) {
  if (!node.IsScalar()) return false;
  return YAML::convert<T>::decode(node, out);
}
template <typename T>
bool convert(const YAML::Node& node, T& out) {
  return convert_scalar(node, out);
}
template <typename E>
bool convert(const YAML::Node& node, std::vector<E>& out) {
  if (!node.IsSequence()) return false;
  out.clear();
  for (const auto& item : node) {
    E value;
    if (!convert_scalar(item, value)) return false;
    out.push_back(value);
  }
  return true;
}

// Numbers must be finite: .nan and .inf are valid YAML floats but no setting means them.
template <typename T>
bool finite(const T&) {
  return true;
}
bool finite(const double& value) { return std::isfinite(value); }
bool finite(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

std::string describe(const YAML::Node& node) {
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a section";
  return "nothing";
}

// Parses no further than the start of a second document. (yaml-cpp's LoadAll can loop
// forever, allocating, on some malformed input: found by fuzzing; two calls are bounded.)
class IgnoreEvents : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

bool has_second_document(const std::string& yaml_text) {
  std::istringstream input(yaml_text);
  YAML::Parser parser(input);
  IgnoreEvents ignore;
  return parser.HandleNextDocument(ignore) && parser.HandleNextDocument(ignore);
}

// Duplicate mapping keys are errors (yaml-cpp keeps both and reads the first), and the
// document may expand (through aliases) to at most `budget` nodes, so a few lines of
// nested aliases cannot make every later walk exponential.
void check_structure(const YAML::Node& node, const std::vector<std::string>& parts, const std::string& source,
                     size_t& budget) {
  if (budget-- == 0)
    throw Error(source + ": more than " + std::to_string(kMaxConfigNodes) +
                " values (counting each use of an alias); a config is not that large");
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      auto child = parts;
      child.push_back("[" + std::to_string(i) + "]");
      check_structure(node[i], child, source, budget);
    }
  }
  if (!node.IsMap()) return;
  std::set<std::string> seen;
  for (const auto& entry : node) {
    auto child = parts;
    child.push_back(key_name(entry.first, source, join_path(parts)));
    if (!seen.insert(child.back()).second)
      throw Error(source + ": config key '" + join_path(child) + "' appears twice (again at line " +
                  std::to_string(entry.first.Mark().line + 1) + ")");
    check_structure(entry.second, child, source, budget);
  }
}

// A key component "hooks[1]" names item 1 of the list under `hooks`: `node` becomes that
// item. False (nothing changed) for a plain key. The list and the item must exist.
bool enter_list_item(YAML::Node& node, const std::string& part, const std::string& assignment) {
  const auto open = part.find('[');
  if (open == std::string::npos || part.back() != ']') return false;
  const auto key = part.substr(0, open), digits = part.substr(open + 1, part.size() - open - 2);
  if (key.empty() || digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos)
    throw Error("--set '" + assignment + "': '" + part + "' is not key[index]");
  const YAML::Node list = node[key];
  const auto index = std::stoul(digits);
  if (!list.IsDefined() || !list.IsSequence() || index >= list.size())
    throw Error("--set '" + assignment + "': '" + key + "' has no item " + digits);
  if (!list[index].IsMap())
    throw Error("--set '" + assignment + "': item " + digits + " of '" + key + "' is not a section");
  node.reset(list[index]);
  return true;
}

void apply_override(YAML::Node& document, const std::string& assignment) {
  const auto equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) throw Error("--set '" + assignment + "': expected section.key=value");
  const std::string key = assignment.substr(0, equals);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(equals + 1));
  } catch (const YAML::Exception& e) {
    throw Error("--set '" + assignment + "': value is not valid YAML: " + e.msg);
  }
  std::vector<std::string> parts;
  std::stringstream stream(key);
  for (std::string part; std::getline(stream, part, '.');) {
    if (part.empty()) throw Error("--set '" + assignment + "': empty key component");
    parts.push_back(part);
  }
  YAML::Node node = document;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (enter_list_item(node, parts[i], assignment)) continue;
    YAML::Node next = node[parts[i]];
    if (next.IsDefined() && !next.IsNull() && !next.IsMap())
      throw Error("--set '" + assignment + "': '" + parts[i] + "' is not a section");
    if (!next.IsDefined() || next.IsNull()) node[parts[i]] = YAML::Node(YAML::NodeType::Map);
    node.reset(node[parts[i]]);
  }
  node[parts.back()] = value;
}

}  // namespace

Config::Config(std::shared_ptr<Root> root, std::vector<std::string> path)
    : root_(std::move(root)), path_(std::move(path)) {}

std::string config_detail::read_config_text(const std::string& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) throw Error(path + ": cannot open config file (no such file)");
  if (std::filesystem::is_directory(status)) throw Error(path + ": is a directory, not a config file");
  if (!std::filesystem::is_regular_file(status))
    throw Error(path + ": is not a regular file (a FIFO or device is not a config)");
  const auto size = std::filesystem::file_size(path, error);
  if (!error && size > kMaxConfigBytes)
    throw Error(path + ": " + std::to_string(size) + " bytes; a config may hold at most " +
                std::to_string(kMaxConfigBytes) + " bytes");
  std::ifstream file(path);
  if (!file) throw Error(path + ": cannot open config file");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

YAML::Node config_detail::parse_document(const std::string& yaml_text, const std::string& source_name) {
  if (yaml_text.size() > kMaxConfigBytes)
    throw Error(source_name + ": " + std::to_string(yaml_text.size()) + " bytes; a config may hold at most " +
                std::to_string(kMaxConfigBytes) + " bytes");
  YAML::Node document;
  try {
    document = YAML::Load(yaml_text);
    if (has_second_document(yaml_text))
      throw Error(source_name + ": holds more than one YAML document ('---'); a config is one document");
  } catch (const YAML::Exception& e) {
    throw Error(source_name + ": invalid YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (document.IsNull()) document = YAML::Node(YAML::NodeType::Map);
  if (!document.IsMap()) throw Error(source_name + ": top level must be a mapping");
  size_t budget = kMaxConfigNodes;
  check_structure(document, {}, source_name, budget);
  return document;
}

Config Config::load(const std::string& path, const std::vector<std::string>& overrides) {
  return from_document(config_detail::load_with_bases(path), path, overrides);
}

Config Config::parse(const std::string& yaml_text, const std::string& source_name,
                     const std::vector<std::string>& overrides) {
  auto document = config_detail::parse_document(yaml_text, source_name);
  if (document["base"])
    throw Error(source_name + ": config key 'base': only a config file can extend another (Config::load)");
  return from_document(document, source_name, overrides);
}

Config Config::from_document(YAML::Node document, const std::string& source_name,
                             const std::vector<std::string>& overrides) {
  auto root = std::make_shared<Root>();
  root->source = source_name;
  root->document = document;  // (a YAML::Node is a shared handle: copying is cheap)
  for (const auto& assignment : overrides) apply_override(root->document, assignment);
  size_t budget = kMaxConfigNodes;
  check_structure(root->document, {}, source_name, budget);
  return Config(root, {});
}

std::string Config::path(const std::string& key) const {
  auto parts = path_;
  if (!key.empty()) parts.push_back(key);
  return join_path(parts);
}

const std::string& Config::source() const { return root_->source; }

void Config::fail(const std::string& key, const std::string& what) const {
  throw Error(root_->source + ": config key '" + path(key) + "': " + what);
}

bool Config::has(const std::string& key) const {
  const YAML::Node child = lookup(walk(root_->document, path_), key);
  return child.IsDefined() && !child.IsNull();
}

void Config::mark_used(const std::string& key) const { root_->used.insert(path(key)); }

template <typename T>
T Config::get(const std::string& key) const {
  if (!has(key)) fail(key, std::string("is required (") + type_name<T>() + ")");
  mark_used(key);
  const YAML::Node node = lookup(walk(root_->document, path_), key);
  T value{};
  if (!convert(node, value)) fail(key, std::string("expected ") + type_name<T>() + ", got " + describe(node));
  if (!finite(value)) fail(key, "must be a finite number, got " + describe(node));
  return value;
}

template <typename T>
T Config::get(const std::string& key, const T& fallback) const {
  if (has(key)) return get<T>(key);
  mark_used(key);
  auto node = walk(root_->document, path_);
  if (node.IsMap()) node[key] = fallback;  // record the default in the resolved config
  return fallback;
}

#define MODLR_CONFIG_INSTANTIATE(T)                    \
  template T Config::get<T>(const std::string&) const; \
  template T Config::get<T>(const std::string&, const T&) const;
MODLR_CONFIG_INSTANTIATE(bool)
MODLR_CONFIG_INSTANTIATE(int)
MODLR_CONFIG_INSTANTIATE(int64_t)
MODLR_CONFIG_INSTANTIATE(double)
MODLR_CONFIG_INSTANTIATE(std::string)
MODLR_CONFIG_INSTANTIATE(std::vector<int64_t>)
MODLR_CONFIG_INSTANTIATE(std::vector<double>)
MODLR_CONFIG_INSTANTIATE(std::vector<std::string>)
#undef MODLR_CONFIG_INSTANTIATE

int64_t Config::get_count(const std::string& key, int64_t fallback, bool allow_zero, int64_t max) const {
  const int64_t value = get<int64_t>(key, fallback);
  if (value < 0 || (value == 0 && !allow_zero) || value > max)
    fail(key, std::string("must be in [") + (allow_zero ? "0" : "1") + ", " + std::to_string(max) + "], got " +
                  std::to_string(value));
  return value;
}

double Config::get_positive(const std::string& key, double fallback, bool allow_zero) const {
  const double value = get<double>(key, fallback);
  if (!(value > 0 || (allow_zero && value == 0)))
    fail(key, std::string("must be ") + (allow_zero ? ">= 0" : "> 0") + ", got " + std::to_string(value));
  return value;
}

std::string Config::get_choice(const std::string& key, const std::string& fallback,
                               const std::vector<std::string>& choices) const {
  auto value = get<std::string>(key, fallback);
  if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
    std::string known;
    for (const auto& choice : choices) known += (known.empty() ? "" : ", ") + choice;
    fail(key, "must be one of " + known + ", got '" + value + "'");
  }
  return value;
}

Config Config::section(const std::string& key) const {
  auto node = walk(root_->document, path_);
  if (!node.IsMap()) fail("", "expected a section");
  const YAML::Node child = static_cast<const YAML::Node&>(node)[key];
  if (!child.IsDefined() || child.IsNull()) {
    node[key] = YAML::Node(YAML::NodeType::Map);
  } else if (!child.IsMap()) {
    fail(key, "expected a section, got " + describe(child));
  }
  mark_used(key);
  auto parts = path_;
  parts.push_back(key);
  return Config(root_, parts);
}

bool Config::is_list(const std::string& key) const { return lookup(walk(root_->document, path_), key).IsSequence(); }

std::vector<Config> Config::list_sections(const std::string& key) const {
  const YAML::Node node = lookup(walk(root_->document, path_), key);
  if (!node.IsSequence()) fail(key, "expected a list of sections, got " + describe(node));
  mark_used(key);
  std::vector<Config> out;
  for (size_t i = 0; i < node.size(); ++i) {
    if (!node[i].IsMap()) fail(key, "item " + std::to_string(i) + " is not a section");
    auto parts = path_;
    parts.push_back(key);
    parts.push_back("[" + std::to_string(i) + "]");
    root_->used.insert(join_path(parts));
    out.push_back(Config(root_, parts));
  }
  return out;
}

std::vector<std::string> Config::keys() const {
  std::vector<std::string> out;
  auto node = walk(root_->document, path_);
  if (node.IsMap())
    for (const auto& entry : node) out.push_back(key_name(entry.first, root_->source, join_path(path_)));
  return out;
}

}  // namespace modlr
