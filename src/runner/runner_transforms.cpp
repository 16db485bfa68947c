// The two hook points that change data (hook.h): Runner::transform_batch, with the checks
// that make a hook's mistake one line naming it, and Runner::transform_output.
#include <chrono>

#include "modlr/runner/runner.h"
#include "modlr/runner/shape_check.h"

namespace modlr {
namespace {

std::string described(const torch::Tensor& t) {
  std::string out = std::string(c10::toString(t.scalar_type())) + " [";
  for (int64_t i = 0; i < t.dim(); ++i) out += (i ? ", " : "") + std::to_string(t.size(i));
  return out + "]";
}

}  // namespace

void Runner::transform_batch(Batch& batch) {
  for (Hook* hook : subscribers_[static_cast<size_t>(Event::batch_transform)]) {
    const auto before = described(batch.x);
    const auto examples = batch.size();
    const auto start = std::chrono::steady_clock::now();
    hook->transform_batch(batch, state_);
    hook_seconds_[hook->name()] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto where = "hook '" + hook->name() + "' transformed the batch's inputs from " + before + " to ";
    if (!batch.x.defined() || !batch.y.defined() || batch.x.dim() == 0 || batch.x.size(0) != examples ||
        batch.y.dim() == 0 || batch.y.size(0) != examples)
      throw Error(where + (batch.x.defined() ? described(batch.x) : "nothing") + " and its targets to " +
                  (batch.y.defined() ? described(batch.y) : "nothing") + ": both must keep the batch's " +
                  std::to_string(examples) + " examples");
    for (const auto& [name, field] : batch.fields)
      if (!field.defined() || field.dim() == 0 || field.size(0) != examples)
        throw Error("hook '" + hook->name() + "' left the batch's field '" + name + "' as " +
                    (field.defined() ? described(field) : "nothing") + ": it must keep the batch's " +
                    std::to_string(examples) + " examples");
    std::pair<std::vector<int64_t>, torch::Dtype> shape{batch.x.sizes().slice(1).vec(), batch.x.scalar_type()};
    if (std::find(checked_input_shapes_.begin(), checked_input_shapes_.end(), shape) != checked_input_shapes_.end())
      continue;
    try {
      trace_shapes(models_, {shape.first, shape.second}, examples);
    } catch (const Error& e) {
      throw Error(where + described(batch.x) + ", which the models do not take: " + e.what());
    }
    checked_input_shapes_.push_back(std::move(shape));
  }
  state_.batch_size = batch.size();
}

torch::Tensor Runner::transform_output(const std::string& model, torch::Tensor output) {
  for (Hook* hook : subscribers_[static_cast<size_t>(Event::output_transform)]) {
    const auto start = std::chrono::steady_clock::now();
    output = hook->transform_output(model, std::move(output), state_);
    hook_seconds_[hook->name()] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!output.defined()) throw Error("hook '" + hook->name() + "' returned no output for model '" + model + "'");
  }
  return output;
}

}  // namespace modlr
