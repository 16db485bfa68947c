// A study's summary (study_summary.h).
#include "study_summary.h"

#include <cmath>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "modlr/core/config.h"
#include "modlr/core/error.h"
#include "modlr/formats/file_bytes.h"
#include "tpe_sampler.h"

namespace modlr {
namespace {

// A trial's epochs: trained, and what its seeds would have trained unpruned (runner.epochs
// of its runs' resolved configs; a seed that never ran counts as its first seed's).
struct TrialEpochs {
  double trained = 0, unpruned = 0;
};

int64_t configured_epochs(const std::string& run_dir) {
  try {
    return Config::load(run_dir + "/config.yaml").section("runner").get<int64_t>("epochs", 1);
  } catch (const Error&) {
    return 0;  // a run that failed before writing its config
  }
}

TrialEpochs epochs_of(const std::vector<TrialRun>& runs, size_t seeds) {
  TrialEpochs epochs;
  for (const auto& run : runs) epochs.trained += run.epochs;
  if (!runs.empty() && !runs.front().run_dir.empty())
    epochs.unpruned = static_cast<double>(configured_epochs(runs.front().run_dir) * static_cast<int64_t>(seeds));
  return epochs;
}

nlohmann::json trial_json(const TrialSnapshot& trial, StudyStore& store, const SearchSpace& space,
                          TrialEpochs& totals) {
  const auto runs = store.runs(trial.number);
  const auto epochs = epochs_of(runs, store.settings().seeds.size());
  totals.trained += epochs.trained;
  totals.unpruned += epochs.unpruned;
  nlohmann::json j = {{"number", trial.number},
                      {"state", trial_state_name(trial.state)},
                      {"epochs", epochs.trained},
                      {"overrides", space.overrides_for(trial.params)}};
  j["value"] = trial.value && std::isfinite(*trial.value) ? nlohmann::json(*trial.value) : nlohmann::json();
  const auto spread = store.spread(trial.number);
  j["spread"] = spread ? nlohmann::json(*spread) : nlohmann::json();
  if (trial.state == TrialState::pruned) j["pruned_at_step"] = trial.last_step();
  if (trial.state == TrialState::failed) j["error"] = store.error(trial.number);
  for (const auto& run : runs) j["runs"].push_back({{"seed", run.seed}, {"dir", run.run_dir}, {"state", run.state}});
  return j;
}

// The best run's resolved config, with the experiment's own tracking.dir instead of the
// study's (a run from best.yaml is not part of the study).
void write_best_config(const std::string& dir, StudyStore& store, const TrialSnapshot& best) {
  const auto runs = store.runs(best.number);
  if (runs.empty() || runs.front().run_dir.empty()) return;
  std::string tracking_dir = "runs";
  try {
    tracking_dir = Config::load(store.settings().config, store.settings().overrides)
                       .section("tracking")
                       .get<std::string>("dir", "runs");
  } catch (const Error&) {
  }
  // The store's copy: the run directory may be on another host (a PostgreSQL study).
  std::string text = runs.front().config;
  const std::string source = runs.front().run_dir + "/config.yaml";
  if (text.empty()) {  // a run from before the store kept configs
    const auto bytes = formats::read_file_raw(source);
    text.assign(bytes.begin(), bytes.end());
  }
  auto config = Config::parse(text, source, {"tracking.dir=" + tracking_dir});
  std::ostringstream yaml;
  yaml << "# The best trial (" << best.number << ") of the study " << dir << "\n"
       << "# " << store.settings().objective.metric << " " << std::setprecision(6) << best.value.value_or(NAN)
       << "; train it with: modlr train " << dir << "/best.yaml\n"
       << config.dump();
  formats::write_file_atomic(dir + "/best.yaml", yaml.str());
}

void print_table(const nlohmann::json& summary, const std::string& metric) {
  std::cout << "best trials (" << metric << "):" << std::endl;
  int shown = 0;
  for (const auto& trial : summary["trials"]) {
    if (trial["state"] != "complete" || ++shown > 5) continue;
    std::ostringstream line;
    line << "  trial " << std::setw(3) << trial["number"].get<int64_t>() << "  " << std::setprecision(4)
         << (trial["value"].is_null() ? NAN : trial["value"].get<double>());
    if (!trial["spread"].is_null()) line << " ± " << std::setprecision(2) << trial["spread"].get<double>();
    for (const auto& o : trial["overrides"]) line << "  " << o.get<std::string>();
    std::cout << line.str() << std::endl;
  }
}

}  // namespace

std::pair<std::optional<double>, std::optional<double>> mean_and_spread(const std::vector<double>& values) {
  if (values.empty()) return {};
  double sum = 0;
  for (const double v : values) sum += v;
  const double mean = sum / static_cast<double>(values.size());
  if (values.size() < 2) return {mean, std::nullopt};
  double squares = 0;
  for (const double v : values) squares += (v - mean) * (v - mean);
  return {mean, std::sqrt(squares / static_cast<double>(values.size() - 1))};
}

void write_study_summary(const std::string& dir, StudyStore& store, const SearchSpace& space) {
  const auto trials = store.trials();
  auto order = rank_trials(trials, store.settings().objective);
  for (const auto& trial : trials)
    if (trial.state != TrialState::complete && trial.state != TrialState::pruned) order.push_back(&trial);
  nlohmann::json summary = {{"study", dir}, {"metric", store.settings().objective.metric}};
  summary["direction"] = store.settings().objective.maximize ? "max" : "min";
  summary["trials"] = nlohmann::json::array();
  TrialEpochs totals;
  for (const auto* trial : order) summary["trials"].push_back(trial_json(*trial, store, space, totals));
  summary["epochs_trained"] = totals.trained;
  summary["epochs_unpruned"] = totals.unpruned;
  const TrialSnapshot* best = nullptr;
  if (!order.empty() && order.front()->state == TrialState::complete) best = order.front();
  summary["best"] = best ? summary["trials"][0] : nlohmann::json();
  formats::write_file_atomic(dir + "/summary.json", summary.dump(2) + "\n");
  print_table(summary, store.settings().objective.metric);
  if (best) {
    write_best_config(dir, store, *best);
    std::cout << "best config: " << dir << "/best.yaml" << std::endl;
  }
  std::cout << "epochs trained: " << std::fixed << std::setprecision(2) << totals.trained << " of " << totals.unpruned
            << " unpruned";
  if (totals.unpruned > 0) std::cout << " (" << std::setprecision(1) << 100 * totals.trained / totals.unpruned << " %)";
  std::cout << std::endl << "summary: " << dir << "/summary.json" << std::endl;
}

}  // namespace modlr
