#include "modlr/runner/early_stopping_hook.h"

#include <cmath>

#include "modlr/core/error.h"
#include "modlr/metrics/direction.h"
#include "modlr/model/model_set.h"
#include "modlr/tracking/checkpoint.h"

namespace modlr {
namespace {

double metric_value(const std::map<std::string, double>& metrics, const EarlyStoppingOptions& o) {
  const auto found = metrics.find(o.metric);
  if (found != metrics.end()) return found->second;
  std::string known;
  for (const auto& [name, value] : metrics) known += (known.empty() ? "" : ", ") + name;
  throw Error(o.monitor_key + ": the " + o.split + " split has no metric '" + o.metric + "' (it has: " + known + ")");
}

}  // namespace

void EarlyStoppingHook::on(Event event, const RunState& state, Control& control) {
  if (event == Event::epoch_end) {
    evaluated_this_epoch_ = false;
    if (options_.split == "train") check(metric_value(state.train_metrics, options_), state);
  } else if (event == Event::evaluation_end && state.split == "validation" && options_.split == "validation") {
    evaluated_this_epoch_ = true;
    check(metric_value(state.evaluation->metrics, options_), state);
  } else if (event == Event::epoch_complete) {
    if (options_.split == "validation" && !evaluated_this_epoch_ && state.epoch % options_.validate_every == 0)
      throw Error(options_.monitor_key + ": validation." + options_.metric +
                  ", but this run evaluates no validation split (set dataset.validation, or monitor train.loss)");
    // Stopping here, after the epoch's validation (whose own Control ends with it) and its
    // checkpoint, so a resume sees the decision's inputs.
    if (without_improvement_ >= options_.patience) control.stop = true;
  }
}

void EarlyStoppingHook::check(double value, const RunState& state) {
  const bool improved = std::isfinite(value) &&
                        (best_epoch_ == 0 ||
                         (options_.maximize ? value > best_ + options_.min_delta : value < best_ - options_.min_delta));
  if (improved) {
    best_ = value;
    best_epoch_ = state.epoch;
    without_improvement_ = 0;
    if (state.rank == 0 && !state.run_dir.empty() && state.models)
      save_safetensors(*state.models, state.run_dir + "/" + kBestFile);
    return;
  }
  ++without_improvement_;
}

void EarlyStoppingHook::save_state(HookState& state) const {
  state["best"] = best_;
  state["best_epoch"] = static_cast<double>(best_epoch_);
  state["without_improvement"] = static_cast<double>(without_improvement_);
}

void EarlyStoppingHook::load_state(const HookState& state) {
  const auto get = [&](const char* key) {
    const auto found = state.find(key);
    return found == state.end() ? 0.0 : found->second;
  };
  best_ = get("best");
  best_epoch_ = static_cast<int64_t>(get("best_epoch"));
  without_improvement_ = static_cast<int64_t>(get("without_improvement"));
}

MODLR_REGISTER(hook_registry, "early_stopping",
               [](const Config& section, const HookContext& context) -> std::shared_ptr<Hook> {
                 EarlyStoppingOptions o;
                 o.monitor_key = section.path("monitor");
                 const auto monitor = section.get<std::string>("monitor", "validation.loss");
                 const auto dot = monitor.find('.');
                 if (dot == std::string::npos || dot + 1 == monitor.size())
                   section.fail("monitor", "must be <split>.<metric>, e.g. validation.loss or validation.accuracy");
                 o.split = monitor.substr(0, dot);
                 o.metric = monitor.substr(dot + 1);
                 if (o.split != "validation" && o.split != "train")
                   section.fail("monitor", "the split must be validation or train");
                 const auto mode = section.get_choice("mode", "auto", {"auto", "min", "max"});
                 o.maximize = mode == "max" || (mode == "auto" && !lower_is_better(o.metric));
                 o.patience = section.get_count("patience", o.patience);
                 o.min_delta = section.get_positive("min_delta", o.min_delta, /*allow_zero=*/true);
                 o.restore_best = section.get<bool>("restore_best", o.restore_best);
                 o.validate_every = context.validate_every;
                 return std::make_shared<EarlyStoppingHook>(o);
               });

}  // namespace modlr
