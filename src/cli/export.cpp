#include <iostream>

#include "modlr/cli/commands.h"
#include "modlr/export/onnx.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/runner/experiment.h"
#include "modlr/tracking/checkpoint.h"

namespace modlr::cli {
namespace {

// One example's shape (no batch dimension), from the test split the model is evaluated on.
std::vector<int64_t> example_shape(Experiment& experiment) {
  auto& dataset = experiment.dataset();
  dataset.load();
  const auto& inputs = dataset.data(Split::test).inputs;
  return std::vector<int64_t>(inputs.sizes().begin() + 1, inputs.sizes().end());
}

}  // namespace

int export_model(const ExportArgs& args) {
  return guarded([&] {
    if (args.onnx.empty() && args.safetensors.empty())
      throw Error("nothing to export: give --onnx OUT.onnx and/or --safetensors OUT.safetensors");
    Experiment experiment(Config::load(args.config, args.overrides));
    auto& models = experiment.models();
    load_weights(models, args.checkpoint);
    std::string onnx_bytes;
    if (!args.onnx.empty()) {
      if (models.size() != 1)
        throw Error("ONNX export of an experiment with several models is not supported");
      // Built and checked before anything is written, so a failure leaves no file.
      onnx_bytes = export_onnx(models.only(), example_shape(experiment));
    }
    if (!args.safetensors.empty()) {
      save_safetensors(models, args.safetensors);
      std::cout << "wrote " << args.safetensors << "\n";
    }
    if (!args.onnx.empty()) {
      formats::write_file_atomic(args.onnx, onnx_bytes);
      std::cout << "wrote " << args.onnx << " (" << onnx_bytes.size() << " bytes, checked by onnx)\n";
    }
    return 0;
  });
}

}  // namespace modlr::cli
