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

void print_table(const std::string& model_name, const std::vector<LayerRow>& rows,
                 const torch::Tensor& input, const Model& model) {
  std::cout << "model '" << model_name << "'  input " << shape_text(input) << "\n";
  std::cout << std::left << std::setw(14) << "layer" << std::setw(14) << "type" << std::setw(22)
            << "output shape" << std::right << std::setw(12) << "params" << "\n";
  std::cout << std::string(62, '-') << "\n";
  for (const auto& row : rows)
    std::cout << std::left << std::setw(14) << row.name << std::setw(14) << row.type << std::setw(22)
              << row.shape << std::right << std::setw(12) << row.params << "\n";
  int64_t total = 0, trainable = 0;
  for (const auto& p : model.parameters()) {
    total += p.numel();
    if (p.requires_grad()) trainable += p.numel();
  }
  std::cout << std::string(62, '-') << "\n"
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
    auto& models = experiment.models();
    if (models.size() != 1)
      throw Error("summary of multi-model experiments needs each model's input; not supported yet");
    auto& model = models.only();
    model.eval();
    torch::NoGradGuard no_grad;
    std::vector<LayerRow> rows;
    auto input = batch.x.to(experiment.runner_options().device);
    model.forward_observed(input, [&](const std::string& name, const std::string& type,
                                      const torch::nn::Module& layer, const torch::Tensor& output) {
      rows.push_back({name, type, shape_text(output), direct_parameters(layer)});
    });
    print_table(models.names().front(), rows, input, model);
    return 0;
  });
}

}  // namespace modlr::cli
