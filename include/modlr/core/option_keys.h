#pragma once
/// Names the option a message is about, wherever the options came from: a config section
/// ("config key 'dataset.size'", with the config file, as Config::fail says it) or an
/// options struct built in code ("TextFolderOptions::size"). Components whose options are
/// checked only when they run (a folder that turns out empty at load) keep one, so their
/// errors name the right thing either way.
#include <optional>
#include <string>

#include "modlr/core/config.h"
#include "modlr/core/error.h"

namespace modlr {

class OptionKeys {
 public:
  /// Options from this config section.
  explicit OptionKeys(const Config& section) : section_(section) {}
  /// Options from a struct of this name, built in code.
  explicit OptionKeys(std::string struct_name) : struct_name_(std::move(struct_name)) {}
  /// "dataset.size" or "TextFolderOptions::size".
  std::string path(const std::string& key) const { return section_ ? section_->path(key) : struct_name_ + "::" + key; }
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    if (section_) section_->fail(key, what);
    throw Error(path(key) + ": " + what);
  }

 private:
  std::optional<Config> section_;
  std::string struct_name_;
};

}  // namespace modlr
