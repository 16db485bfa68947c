// HookFilter (hook.h): a hook called only at the steps and epochs its `when` section names.
#include "modlr/runner/hook.h"

namespace modlr {
namespace {

enum class Scope { run, step, epoch };

Scope scope_of(Event event, const RunState& state) {
  switch (event) {
    case Event::fit_start:
    case Event::fit_end:
      return Scope::run;
    case Event::epoch_start:
    case Event::epoch_end:
    case Event::evaluation_start:
    case Event::evaluation_end:
      return state.evaluation_step > 0 ? Scope::step : Scope::epoch;
    case Event::epoch_complete:
      return Scope::epoch;
    case Event::output_transform:  // also fires in evaluation, which is an epoch's
      return state.split.empty() ? Scope::step : Scope::epoch;
    default:
      return Scope::step;
  }
}

// The optimisation step an event belongs to, counted from 1: the runner counts a step as
// done just before batch_end.
int64_t step_of(Event event, const RunState& state) {
  const bool step_done = event == Event::batch_end || event == Event::batch_complete || state.evaluation_step > 0;
  return step_done ? state.global_step : state.global_step + 1;
}

class FilteredHook : public Hook {
 public:
  FilteredHook(std::shared_ptr<Hook> hook, const HookFilter& filter) : hook_(std::move(hook)), filter_(filter) {}
  std::string name() const override { return hook_->name(); }
  std::vector<Event> events() const override { return hook_->events(); }
  void on(Event event, const RunState& state, Control& control) override {
    if (passes(event, state)) hook_->on(event, state, control);
  }
  void transform_batch(Batch& batch, const RunState& state) override {
    if (passes(Event::batch_transform, state)) hook_->transform_batch(batch, state);
  }
  torch::Tensor transform_output(const std::string& model, torch::Tensor output, const RunState& state) override {
    return passes(Event::output_transform, state) ? hook_->transform_output(model, std::move(output), state) : output;
  }
  const Hook& target() const override { return hook_->target(); }
  void save_state(HookState& out) const override {
    hook_->save_state(out);
    if (filter_.once) out["when.fired"] = fired_ ? 1 : 0;
  }
  void load_state(const HookState& in) override {
    hook_->load_state(in);
    const auto fired = in.find("when.fired");
    fired_ = fired != in.end() && fired->second != 0;
  }

 private:
  bool passes(Event event, const RunState& state) {
    const auto scope = scope_of(event, state);
    if (scope == Scope::run) return true;
    if (filter_.once && fired_) return false;
    bool due = true;
    switch (scope) {
      case Scope::run:
        break;
      case Scope::step:
        due = step_of(event, state) % filter_.every_steps == 0;
        break;
      case Scope::epoch:
        due = state.epoch % filter_.every_epochs == 0 || state.epoch == state.epochs;
        break;
    }
    if (due && filter_.once) fired_ = true;
    return due;
  }

  std::shared_ptr<Hook> hook_;
  HookFilter filter_;
  bool fired_ = false;
};

}  // namespace

HookFilter HookFilter::from_config(const Config& hook_section) {
  HookFilter filter;
  if (!hook_section.has("when")) return filter;
  const auto when = hook_section.section("when");
  filter.every_steps = when.get_count("every_steps", filter.every_steps);
  filter.every_epochs = when.get_count("every_epochs", filter.every_epochs);
  filter.once = when.get<bool>("once", filter.once);
  return filter;
}

std::shared_ptr<Hook> filtered(std::shared_ptr<Hook> hook, HookFilter filter) {
  if (filter.every_steps < 1 || filter.every_epochs < 1)
    throw Error("HookFilter: every_steps and every_epochs must be >= 1");
  if (filter.lets_everything_through()) return hook;
  return std::make_shared<FilteredHook>(std::move(hook), filter);
}

}  // namespace modlr
