#pragma once
/// Experiment configuration: a YAML document read through typed accessors.
///
/// Every accessor records the key it read. After all components have been built from a
/// config, check_no_unknown_keys() rejects any key nobody read, so a typo such as
/// `dataset.bacth_size` is an error naming the key instead of a silently ignored setting.
/// Optional keys read with a fallback are written back, so dump() yields the resolved config
/// (file + overrides + defaults) that a run records.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace modlr {

/// Limits on what a config may be (a config is a few kilobytes; these keep a hostile one
/// from taking the machine's memory): its size in bytes, and its values counted with every
/// use of a YAML alias expanded.
constexpr size_t kMaxConfigBytes = 1 << 20;
constexpr size_t kMaxConfigNodes = 100000;
/// The default upper bound of counts read through Config::get_count (sizes, epochs, ...);
/// keys that allocate per unit have tighter bounds of their own, named in README "Limits".
constexpr int64_t kMaxCount = (int64_t{1} << 31) - 1;
/// Bound for seeds (any 63-bit value).
constexpr int64_t kMaxSeed = INT64_MAX;

class Config {
 public:
  /// Parses `path`, then applies overrides of the form "section.key=value" (value parsed as
  /// YAML, so "0.1", "true", "[1, 2]" get their natural types). Throws modlr::Error naming
  /// the file on a missing file, a directory or other non-regular file, a file over
  /// kMaxConfigBytes, a YAML syntax error, more than one YAML document, a key given twice in
  /// one mapping or more than kMaxConfigNodes values; naming the override on a bad one.
  /// Numbers read through get() must be finite (.nan and .inf are errors naming the key).
  ///
  /// A config file may extend another: `base: FILE` (relative to the file's folder) names a
  /// config whose keys it starts from; its own keys override them, mapping by mapping
  /// (a list or value replaces the base's whole). Bases may have bases; the resolved config
  /// has no `base`. A missing base, a cycle or a chain deeper than 16 is an error naming
  /// the `base` key of the file that names it.
  static Config load(const std::string& path, const std::vector<std::string>& overrides = {});
  /// Same as load() for YAML text; `source_name` stands in for the file in messages.
  static Config parse(const std::string& yaml_text, const std::string& source_name,
                      const std::vector<std::string>& overrides = {});

  /// True if `key` is present (and not null) in this section.
  bool has(const std::string& key) const;
  /// Marks `key` as read without reading it (for keys a caller validates by other means).
  void mark_used(const std::string& key) const;

  /// Required value; throws naming the full key if it is missing or of the wrong type.
  /// Supported T: bool, int, int64_t, double, std::string, std::vector<int64_t>,
  /// std::vector<double>, std::vector<std::string>.
  template <typename T>
  T get(const std::string& key) const;
  /// Optional value; records `fallback` in the resolved config when the key is absent.
  template <typename T>
  T get(const std::string& key, const T& fallback) const;
  /// Integer that must be > 0 (or >= 0 when `allow_zero`) and at most `max`; throws naming
  /// the key and the range otherwise.
  int64_t get_count(const std::string& key, int64_t fallback, bool allow_zero = false, int64_t max = kMaxCount) const;
  /// Number that must be > 0 (or >= 0 when `allow_zero`).
  double get_positive(const std::string& key, double fallback, bool allow_zero = false) const;
  /// Value that must be one of `choices`; the message lists them.
  std::string get_choice(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& choices) const;

  /// The mapping under `key`. A missing section is created empty (so its defaults are
  /// recorded); a key holding a non-mapping is an error.
  Config section(const std::string& key) const;
  /// True if `key` holds a sequence.
  bool is_list(const std::string& key) const;
  /// The mappings of the sequence under `key` (paths like "optimizer[1]").
  std::vector<Config> list_sections(const std::string& key) const;
  /// Keys of this mapping, in file order.
  std::vector<std::string> keys() const;

  /// Full dotted path of `key` in this section, as used in error messages.
  std::string path(const std::string& key) const;
  /// The file (or source name) this config came from.
  const std::string& source() const;
  /// Throws modlr::Error naming the first key that no accessor read (with a suggestion).
  void check_no_unknown_keys() const;
  /// The resolved configuration as YAML text.
  std::string dump() const;

  /// Error naming this config's source and `key`: "<file>: config key 'a.b': <what>".
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

 private:
  struct Root;
  Config(std::shared_ptr<Root> root, std::vector<std::string> path);
  static Config from_document(YAML::Node document, const std::string& source_name,
                              const std::vector<std::string>& overrides);
  std::shared_ptr<Root> root_;
  std::vector<std::string> path_;  // components; "[i]" marks a sequence index
};

}  // namespace modlr
