// SPACE.yaml into a SearchSpace (tune/search_space.h): every mistake one line naming the key.
#include "modlr/tune/search_space.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "modlr/core/config.h"
#include "modlr/core/error.h"

namespace modlr {

const std::vector<std::string> kLockedKeyPrefixes = {"experiment", "seed",    "dataset.name", "dataset.path",
                                                     "loss",       "metrics", "tracking",     "base"};

namespace {

// The shortest text that reads back as the same double.
std::string shortest_text(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

void check_key_is_searchable(const Config& space, const std::string& key) {
  if (key.find('=') != std::string::npos || key.find(' ') != std::string::npos)
    space.fail(key, "not a dotted config key");
  for (const auto& prefix : kLockedKeyPrefixes)
    if (key == prefix || key.rfind(prefix + ".", 0) == 0 || key.rfind(prefix + "[", 0) == 0)
      space.fail(key,
                 "cannot be searched: it changes what the trials measure or where they are recorded (data set, "
                 "loss, metrics, seed, tracking); trials must be comparable");
}

Distribution read_distribution(const Config& spec) {
  const auto name = spec.get_choice("type", "", {"uniform", "log_uniform", "int", "categorical"});
  if (name == "uniform") return Distribution::uniform;
  if (name == "log_uniform") return Distribution::log_uniform;
  if (name == "int") return Distribution::integer;
  return Distribution::categorical;
}

void read_choices(const Config& spec, SearchParameter& parameter) {
  parameter.choices = spec.get<std::vector<std::string>>("choices");
  if (parameter.choices.empty()) spec.fail("choices", "categorical needs at least one choice");
  for (size_t i = 0; i < parameter.choices.size(); ++i)
    if (std::find(parameter.choices.begin(), parameter.choices.begin() + static_cast<std::ptrdiff_t>(i),
                  parameter.choices[i]) != parameter.choices.begin() + static_cast<std::ptrdiff_t>(i))
      spec.fail("choices", "'" + parameter.choices[i] + "' is listed twice");
}

void read_range(const Config& spec, SearchParameter& p) {
  p.low = spec.get<double>("low");
  p.high = spec.get<double>("high");
  const bool integer = p.distribution == Distribution::integer;
  if (integer && (p.low != std::floor(p.low) || p.high != std::floor(p.high)))
    spec.fail("low", "int bounds must be whole numbers");
  if (p.low > p.high || (!integer && p.low == p.high))
    spec.fail("high", "empty range: low " + shortest_text(p.low) + ", high " + shortest_text(p.high));
  if (p.distribution == Distribution::log_uniform && p.low <= 0) spec.fail("low", "log_uniform needs low > 0");
  if (!integer && spec.has("points")) p.points = spec.get_count("points", 0, false, 1000);
  if (p.points == 1) spec.fail("points", "a grid needs at least 2 points");
}

SearchParameter read_parameter(const Config& space, const std::string& key) {
  check_key_is_searchable(space, key);
  const auto spec = space.section(key);
  SearchParameter parameter;
  parameter.key = key;
  parameter.distribution = read_distribution(spec);
  if (parameter.distribution == Distribution::categorical)
    read_choices(spec, parameter);
  else
    read_range(spec, parameter);
  return parameter;
}

}  // namespace

int64_t SearchParameter::grid_size() const {
  switch (distribution) {
    case Distribution::categorical:
      return static_cast<int64_t>(choices.size());
    case Distribution::integer:
      return static_cast<int64_t>(high - low) + 1;
    default:
      return points;
  }
}

double SearchParameter::grid_value(int64_t index) const {
  if (distribution == Distribution::categorical) return static_cast<double>(index);
  if (distribution == Distribution::integer) return low + static_cast<double>(index);
  const double fraction = static_cast<double>(index) / static_cast<double>(points - 1);
  if (distribution == Distribution::log_uniform)
    return std::exp(std::log(low) + fraction * (std::log(high) - std::log(low)));
  return low + fraction * (high - low);
}

std::string SearchParameter::value_text(double value) const {
  if (distribution == Distribution::categorical) return choices.at(static_cast<size_t>(value));
  if (distribution == Distribution::integer) return std::to_string(static_cast<int64_t>(std::llround(value)));
  return shortest_text(value);
}

std::string SearchParameter::override_for(double value) const { return key + "=" + value_text(value); }

SearchSpace SearchSpace::load(const std::string& path) { return from_config(Config::load(path)); }

SearchSpace SearchSpace::parse(const std::string& yaml_text, const std::string& source) {
  return from_config(Config::parse(yaml_text, source));
}

// Read through Config, as experiment configs are: typed values, and unknown settings are
// errors naming the key (with a suggestion).
SearchSpace SearchSpace::from_config(const Config& space) {
  SearchSpace result;
  for (const auto& key : space.keys()) result.parameters_.push_back(read_parameter(space, key));
  if (result.parameters_.empty())
    throw Error(space.source() +
                ": an empty search space; map config keys to ranges, e.g. 'optimizer.lr: "
                "{type: log_uniform, low: 0.001, high: 0.1}'");
  space.check_no_unknown_keys();
  result.text_ = space.dump();
  return result;
}

std::vector<std::string> SearchSpace::overrides_for(const TrialParams& params) const {
  std::vector<std::string> overrides;
  for (const auto& parameter : parameters_) overrides.push_back(parameter.override_for(params.at(parameter.key)));
  return overrides;
}

std::string SearchSpace::describe(const TrialParams& params) const {
  std::string text;
  for (const auto& parameter : parameters_) {
    const auto found = params.find(parameter.key);
    if (found == params.end()) continue;
    std::string value = parameter.value_text(found->second);
    if (parameter.distribution == Distribution::uniform || parameter.distribution == Distribution::log_uniform) {
      char rounded[32];  // 4 significant digits to read; overrides_for() has the exact value
      std::snprintf(rounded, sizeof rounded, "%.4g", found->second);
      value = rounded;
    }
    text += (text.empty() ? "" : " ") + parameter.key + "=" + value;
  }
  return text;
}

void SearchSpace::check(const TrialParams& params, const std::string& what) const {
  for (const auto& parameter : parameters_) {
    const auto found = params.find(parameter.key);
    if (found == params.end()) throw Error(what + ": no value for search space key '" + parameter.key + "'");
    const double value = found->second;
    const bool in_range = parameter.distribution == Distribution::categorical
                              ? value >= 0 && value < static_cast<double>(parameter.choices.size())
                              : value >= parameter.low && value <= parameter.high;
    if (!std::isfinite(value) || !in_range)
      throw Error(what + ": value " + shortest_text(value) + " is outside search space key '" + parameter.key + "'");
  }
  if (params.size() != parameters_.size()) throw Error(what + ": holds keys the search space does not have");
}

}  // namespace modlr
