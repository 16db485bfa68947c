#pragma once
/// The search space of a study (`modlr tune --space SPACE.yaml`): which config keys a trial
/// sets, and from what range. SPACE.yaml maps dotted config keys to a distribution:
///
///   optimizer.lr:        {type: log_uniform, low: 0.001, high: 0.3}
///   optimizer.momentum:  {type: uniform, low: 0.0, high: 0.99, points: 4}   # points: grid only
///   runner.epochs:       {type: int, low: 1, high: 4}
///   dataset.batch_size:  {type: categorical, choices: [32, 64, 128]}
///
/// A trial's values are numbers (TrialParams): the value itself for uniform, log_uniform
/// and int, the index of the choice for categorical. No torch here; a plain value.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace modlr {

class Config;

enum class Distribution { uniform, log_uniform, integer, categorical };

struct SearchParameter {
  std::string key;  ///< dotted config key, `--set` style ("optimizer.lr", "runner.hooks[0].patience")
  Distribution distribution = Distribution::uniform;
  double low = 0, high = 0;          ///< inclusive bounds (numeric distributions)
  std::vector<std::string> choices;  ///< categorical: each choice as YAML text ("64", "adam", "[1, 2]")
  int64_t points = 0;                ///< grid points of a uniform/log_uniform range (0 = not given)

  /// How many values a grid takes: choices, the integers low..high, or `points`.
  int64_t grid_size() const;
  /// The `index`-th of them (0-based; evenly spaced, in log space for log_uniform).
  double grid_value(int64_t index) const;
  /// The `--set` override "key=value" that gives a trial this value.
  std::string override_for(double value) const;
  /// The value as it would appear in the config ("0.0123", "64", "adam").
  std::string value_text(double value) const;
};

/// Parameter values by key.
using TrialParams = std::map<std::string, double>;

class SearchSpace {
 public:
  /// Reads SPACE.yaml (through Config, with its limits and errors). Throws modlr::Error
  /// naming the file and key on: a missing or unreadable file, YAML errors, an empty space,
  /// an unknown `type`, a missing or non-numeric bound, an empty range (low > high; low ==
  /// high for uniform and log_uniform), log_uniform with low <= 0, an empty or repeated
  /// choice list, unknown settings in a parameter, and keys that would change what the
  /// trials measure (the data set, the loss, the seed, records: kLockedKeyPrefixes).
  /// Whether each key is a key of the experiment's config is checked by the study, which
  /// builds the experiment with each range's ends (tune/study.h).
  static SearchSpace load(const std::string& path);
  /// Same for YAML text; `source` stands in for the file in messages.
  static SearchSpace parse(const std::string& yaml_text, const std::string& source);

  const std::vector<SearchParameter>& parameters() const { return parameters_; }
  /// The `--set` overrides that give a trial `params` (in the space's order).
  std::vector<std::string> overrides_for(const TrialParams& params) const;
  /// "optimizer.lr=0.0123 dataset.batch_size=64", for messages (4 significant digits).
  std::string describe(const TrialParams& params) const;
  /// Throws naming the key when `params` does not hold a value of the space for each
  /// parameter (a study database written for another space).
  void check(const TrialParams& params, const std::string& what) const;
  /// The space as YAML text (stored with the study, so a resume needs no SPACE.yaml).
  const std::string& text() const { return text_; }

 private:
  static SearchSpace from_config(const Config& space);
  std::vector<SearchParameter> parameters_;
  std::string text_;
};

/// Key prefixes a space may not search: they change what the trials measure (the data set,
/// the task's loss, the metrics), the seed (a study repeats seeds itself) or where records
/// go, so trials would not be comparable.
extern const std::vector<std::string> kLockedKeyPrefixes;

}  // namespace modlr
