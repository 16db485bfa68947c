#pragma once
/// Name registries: every component kind (model, dataset, loss, optimizer, schedule, metric,
/// hook) is created by name so that a YAML config composes them and user code can add its
/// own without editing modlr. Register from any translation unit linked into the program:
///
///   MODLR_REGISTER(modlr::ModelRegistry, "my_net", [](const modlr::Config& c) { ... });
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "modlr/core/error.h"

namespace modlr {

/// `Product` is what a factory returns (usually a smart pointer); `Args` its inputs.
template <typename Product, typename... Args>
class Registry {
 public:
  using Factory = std::function<Product(Args...)>;

  /// `kind` names the component kind in messages ("model", "loss", ...).
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  /// Adds a factory; a duplicate name is a programming error and throws.
  void add(const std::string& name, Factory factory) {
    if (!factories_.emplace(name, std::move(factory)).second)
      throw Error(kind_ + " '" + name + "' is registered twice");
  }
  bool contains(const std::string& name) const { return factories_.count(name) > 0; }
  /// Creates `name`; an unknown name throws naming `config_key` and the known names.
  Product create(const std::string& name, const std::string& config_key, Args... args) const {
    auto it = factories_.find(name);
    if (it == factories_.end())
      throw Error("config key '" + config_key + "': unknown " + kind_ + " '" + name + "' (known: " + joined_names() +
                  ")");
    return it->second(std::forward<Args>(args)...);
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : factories_) out.push_back(entry.first);
    return out;
  }

 private:
  std::string joined_names() const {
    std::string out;
    for (const auto& entry : factories_) out += (out.empty() ? "" : ", ") + entry.first;
    return out;
  }
  std::string kind_;
  std::map<std::string, Factory> factories_;
};

}  // namespace modlr

#define MODLR_CONCAT_INNER(a, b) a##b
#define MODLR_CONCAT(a, b) MODLR_CONCAT_INNER(a, b)
/// Registers `factory` under `name` in `registry_fn()` (a function returning the registry)
/// during static initialisation.
#define MODLR_REGISTER(registry_fn, name, ...)                          \
  static const bool MODLR_CONCAT(modlr_registered_, __COUNTER__) = [] { \
    registry_fn().add(name, __VA_ARGS__);                               \
    return true;                                                        \
  }()
