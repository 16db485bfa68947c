#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "modlr/cli/commands.h"
#include "modlr/runner/experiment.h"

namespace modlr::cli {
namespace {

struct LayerRow {
  std::string name, type, shape;
  int64_t params = 0;
};

std::string shape_text(const torch::Tensor& t) {
  std::ostringstream out;
  out << "[";
  for (int64_t i = 0; i < t.dim(); ++i) out << (i ? ", " : "") << t.size(i);
  return out.str() + "]";
}

int64_t direct_parameters(const torch::nn::Module& layer) {
  int64_t count = 0;
  for (const auto& p : layer.parameters(/*recurse=*/true)) count += p.numel();
  return count;
}

// Columns at least 14/14/22 wide, wider where a name or type needs it ("ConvTranspose2d").
void print_table(const std::string& model_name, const std::vector<LayerRow>& rows,
                 const torch::Tensor& input, const Model& model) {
  int name_width = 14, type_width = 14, shape_width = 22;
  for (const auto& row : rows) {
    name_width = std::max(name_width, static_cast<int>(row.name.size()) + 2);
    type_width = std::max(type_width, static_cast<int>(row.type.size()) + 2);
    shape_width = std::max(shape_width, static_cast<int>(row.shape.size()) + 2);
  }
  const auto rule = std::string(static_cast<size_t>(name_width + type_width + shape_width + 12), '-');
  std::cout << "model '" << model_name << "'  input " << shape_text(input) << "\n";
  std::cout << std::left << std::setw(name_width) << "layer" << std::setw(type_width) << "type"
            << std::setw(shape_width) << "output shape" << std::right << std::setw(12) << "params" << "\n";
  std::cout << rule << "\n";
  for (const auto& row : rows)
    std::cout << std::left << std::setw(name_width) << row.name << std::setw(type_width) << row.type
              << std::setw(shape_width) << row.shape << std::right << std::setw(12) << row.params << "\n";
  int64_t total = 0, trainable = 0;
  for (const auto& p : model.parameters()) {
    total += p.numel();
    if (p.requires_grad()) trainable += p.numel();
  }
  std::cout << rule << "\n"
            << "total parameters: " << total << " (trainable " << trainable << ", "
            << std::fixed << std::setprecision(2) << static_cast<double>(total) * 4 / 1e6
            << " MB as float32)\n";
}

}  // namespace

int summary(const SummaryArgs& args) {
  return guarded([&] {
    Experiment experiment(Config::load(args.config, args.overrides));
    auto& dataset = experiment.dataset();
    dataset.load();
    auto loader = dataset.loader(Split::train);
    loader->start_epoch();
    Batch batch;
    loader->next(batch);
    // Each model gets the input it is fed in training: the data batch, or noise of the
    // shape it declares (a GAN's generator).
    auto& models = experiment.models();
    const auto data = batch.x.to(experiment.runner_options().device);
    torch::NoGradGuard no_grad;
    for (const auto& name : models.names()) {
      auto& model = models.get(name);
      model.eval();
      const auto input = example_input(model, data);
      std::vector<LayerRow> rows;
      model.forward_observed(input, [&](const std::string& layer_name, const std::string& type,
                                        const torch::nn::Module& layer, const torch::Tensor& output) {
        rows.push_back({layer_name, type, shape_text(output), direct_parameters(layer)});
      });
      if (name != models.names().front()) std::cout << "\n";
      print_table(name, rows, input, model);
    }
    return 0;
  });
}

}  // namespace modlr::cli
