#include <algorithm>
#include <iomanip>
#include <iostream>

#include "modlr/cli/commands.h"
#include "modlr/core/text.h"
#include "modlr/runner/experiment.h"
#include "modlr/runner/shape_check.h"

namespace modlr::cli {
namespace {

// Columns at least 14/14/22 wide, wider where a name or type needs it ("ConvTranspose2d").
void print_table(const ModelShapes& trace, const Model& model) {
  int name_width = 14, type_width = 14, shape_width = 22;
  for (const auto& layer : trace.layers) {
    name_width = std::max(name_width, static_cast<int>(layer.name.size()) + 2);
    type_width = std::max(type_width, static_cast<int>(layer.type.size()) + 2);
    shape_width = std::max(shape_width, static_cast<int>(dims_text(layer.output).size()) + 2);
  }
  const auto rule = std::string(static_cast<size_t>(name_width + type_width + shape_width + 12), '-');
  std::cout << "model '" << trace.model << "'  input " << dims_text(trace.input) << "\n";
  std::cout << std::left << std::setw(name_width) << "layer" << std::setw(type_width) << "type"
            << std::setw(shape_width) << "output shape" << std::right << std::setw(12) << "params"
            << "\n";
  std::cout << rule << "\n";
  for (const auto& layer : trace.layers)
    std::cout << std::left << std::setw(name_width) << layer.name << std::setw(type_width) << layer.type
              << std::setw(shape_width) << dims_text(layer.output) << std::right << std::setw(12) << layer.parameters
              << "\n";
  int64_t total = 0, trainable = 0;
  for (const auto& p : model.parameters()) {
    total += p.numel();
    if (p.requires_grad()) trainable += p.numel();
  }
  std::cout << rule << "\n"
            << "total parameters: " << total << " (trainable " << trainable << ", " << std::fixed
            << std::setprecision(2) << static_cast<double>(total) * 4 / 1e6 << " MB as float32)\n";
}

}  // namespace

// Shapes from the data source's declaration, without reading the data set; a source whose
// example shape depends on the data (a CSV's one-hot columns) is loaded first.
int summary(const SummaryArgs& args) {
  return guarded([&] {
    Experiment experiment(Config::load(args.config, args.overrides));
    auto& dataset = experiment.dataset();
    auto example = dataset.example_shape();
    if (!example) {
      std::cout << "(dataset '" << dataset.source_name() << "' declares no example shape: read from the data)\n";
      dataset.load();
      example = dataset.example_shape();
      if (!example) throw Error("dataset: the training split is empty; no shapes to show");
    }
    auto& models = experiment.models();
    const auto traces = trace_shapes(models, *example, dataset.batch_size());
    for (const auto& trace : traces) {
      if (&trace != &traces.front()) std::cout << "\n";
      print_table(trace, models.get(trace.model));
    }
    return 0;
  });
}

}  // namespace modlr::cli
