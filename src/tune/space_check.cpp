// The search space against the experiment (tune/study.h): each range's ends built once.
#include <algorithm>

#include "modlr/core/config.h"
#include "modlr/runner/experiment.h"
#include "modlr/tune/study.h"

namespace modlr {
namespace {

void check_metric(const Experiment& experiment, const Objective& objective) {
  const auto name = objective.metric_name();
  const auto& metrics = experiment.runner_options().eval_metrics;
  if (name == "loss" || name.rfind("loss", 0) == 0 || std::find(metrics.begin(), metrics.end(), name) != metrics.end())
    return;
  std::string known = "loss";
  for (const auto& metric : metrics) known += ", " + metric;
  throw Error("--metric " + objective.metric + ": the experiment's validation does not compute '" + name +
              "' (metrics.eval gives: " + known + ")");
}

}  // namespace

ExperimentFacts check_space_against_config(const StudySettings& settings, const SearchSpace& space) {
  auto base = settings.overrides;
  base.push_back("runner.validations_per_epoch=" + std::to_string(settings.validations_per_epoch));
  ExperimentFacts facts;
  {
    const Experiment experiment(Config::load(settings.config, base));
    check_metric(experiment, settings.objective);
    facts = {experiment.name(), experiment.tracking().dir, experiment.seed()};
  }
  for (const auto& parameter : space.parameters()) {
    std::vector<double> values{parameter.low, parameter.high};
    if (parameter.distribution == Distribution::categorical) {
      values.clear();
      for (size_t i = 0; i < parameter.choices.size(); ++i) values.push_back(static_cast<double>(i));
    }
    for (const double value : values) {
      auto overrides = base;
      overrides.push_back(parameter.override_for(value));
      try {
        const Experiment experiment(Config::load(settings.config, overrides));
        if (experiment.name() != facts.experiment)
          throw Error("it changes the experiment's name to '" + experiment.name() + "'");
      } catch (const Error& e) {
        throw Error("search space key '" + parameter.key + "' = " + parameter.value_text(value) + ": " + e.what());
      }
    }
  }
  return facts;
}

}  // namespace modlr
