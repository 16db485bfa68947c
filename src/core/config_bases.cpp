// Families of configs: a config file that extends another (`base: FILE`), resolved into one
// document before anything reads it, so the run record keeps the full config.
#include <filesystem>

#include "config_root.h"
#include "modlr/core/error.h"

namespace modlr::config_detail {
namespace {

constexpr size_t kMaxBaseDepth = 16;

// `over` laid onto `base`: mappings merge key by key (the base's order, new keys after),
// anything else from `over` replaces the base's value whole.
YAML::Node merged(const YAML::Node& base, const YAML::Node& over) {
  if (!base.IsMap() || !over.IsMap()) return YAML::Clone(over);
  YAML::Node out = YAML::Clone(base);
  for (const auto& entry : over) {
    const auto key = entry.first.Scalar();
    out[key] = out[key] ? merged(out[key], entry.second) : YAML::Clone(entry.second);
  }
  return out;
}

std::string chain_text(const std::vector<std::string>& chain, const std::string& last) {
  std::string out;
  for (const auto& file : chain) out += file + " -> ";
  return out + last;
}

YAML::Node load_chain(const std::string& path, std::vector<std::string>& chain, std::vector<std::string>& seen) {
  auto document = parse_document(read_config_text(path), path);
  const YAML::Node base = document["base"];
  if (!base) return document;
  const auto fail = [&](const std::string& what) -> YAML::Node {  // returns nothing: throws
    throw Error(path + ": config key 'base': " + what);
    return {};
  };
  if (!base.IsScalar() || base.Scalar().empty()) return fail("must name a config file");
  const auto base_path = (std::filesystem::path(path).parent_path() / base.Scalar()).lexically_normal().string();
  std::error_code error;
  const auto identity = std::filesystem::weakly_canonical(base_path, error).string();
  chain.push_back(path);
  for (size_t i = 0; i < seen.size(); ++i)
    if (seen[i] == identity) return fail("extends itself: " + chain_text(chain, base_path));
  if (chain.size() > kMaxBaseDepth) return fail("more than " + std::to_string(kMaxBaseDepth) + " bases in a chain");
  seen.push_back(identity);
  YAML::Node base_document;
  try {
    base_document = load_chain(base_path, chain, seen);
  } catch (const Error& e) {
    const std::string message = e.what();
    if (message.rfind(base_path + ": cannot open", 0) == 0 || message.rfind(base_path + ": is ", 0) == 0)
      return fail(message);
    throw;
  }
  document.remove("base");
  return merged(base_document, document);
}

}  // namespace

YAML::Node load_with_bases(const std::string& path) {
  std::vector<std::string> chain, seen;
  std::error_code error;
  seen.push_back(std::filesystem::weakly_canonical(path, error).string());
  return load_chain(path, chain, seen);
}

}  // namespace modlr::config_detail
