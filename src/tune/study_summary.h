#pragma once
// A study's summary (private to src/tune): summary.json, best.yaml and the printed table.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "modlr/tune/study_store.h"

namespace modlr {

/// The mean of `values` and their sample standard deviation (nullopt: none / fewer than 2).
std::pair<std::optional<double>, std::optional<double>> mean_and_spread(const std::vector<double>& values);

/// Writes <dir>/summary.json (every trial, best first; the epochs trained against the
/// epochs the same trials would train unpruned) and <dir>/best.yaml (the best trial's
/// resolved config with the experiment's own tracking.dir), and prints the best trials.
void write_study_summary(const std::string& dir, StudyStore& store, const SearchSpace& space);

}  // namespace modlr
