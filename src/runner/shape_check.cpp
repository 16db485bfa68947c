#include "modlr/runner/shape_check.h"

#include "modlr/core/error.h"
#include "modlr/core/text.h"

namespace modlr {
namespace {

// Puts every model in evaluation mode (dropout off, batch norm on its running statistics)
// for the trace and back as it was.
class EvaluationMode {
 public:
  explicit EvaluationMode(Model& model) : model_(model), was_training_(model.is_training()) { model.eval(); }
  ~EvaluationMode() { model_.train(was_training_); }
  EvaluationMode(const EvaluationMode&) = delete;
  EvaluationMode& operator=(const EvaluationMode&) = delete;

 private:
  Model& model_;
  bool was_training_;
};

int64_t parameter_count(const torch::nn::Module& layer) {
  int64_t count = 0;
  for (const auto& p : layer.parameters(/*recurse=*/true)) count += p.numel();
  return count;
}

ModelShapes trace_model(const std::string& name, Model& model, const ExampleShape& example, int64_t batch) {
  auto dims = model.input_shape();
  const bool own_input = !dims.empty();
  if (!own_input) dims = example.dims;
  dims.insert(dims.begin(), 0);
  const auto parameters = model.parameters();
  const auto device = parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
  const auto input =
      torch::empty(dims, torch::TensorOptions().device(device).dtype(own_input ? torch::kFloat32 : example.dtype));
  ModelShapes shapes{name, dims, {}};
  shapes.input[0] = batch;
  EvaluationMode evaluation(model);
  torch::NoGradGuard no_grad;
  try {
    model.forward_observed(input, [&](const std::string& layer, const std::string& type,
                                      const torch::nn::Module& module, const torch::Tensor& output) {
      auto sizes = output.sizes().vec();
      if (!sizes.empty() && sizes[0] == 0) sizes[0] = batch;  // outputs are batch first (model.h)
      shapes.layers.push_back({layer, type, sizes, parameter_count(module)});
    });
  } catch (const std::exception& e) {
    const std::string reason = first_line_of(e);
    const auto source = own_input ? std::string("its own input_shape") : "one example from the data set";
    throw Error("model '" + name + "': " + reason + " (" + source + ": " + c10::toString(input.scalar_type()) + " " +
                dims_text({dims.begin() + 1, dims.end()}) + ")");
  }
  return shapes;
}

}  // namespace

std::vector<ModelShapes> trace_shapes(ModelSet& models, const ExampleShape& example, int64_t batch) {
  if (batch < 1) throw Error("trace_shapes: batch must be >= 1");
  std::vector<ModelShapes> traces;
  for (const auto& name : models.names()) traces.push_back(trace_model(name, models.get(name), example, batch));
  return traces;
}

}  // namespace modlr
