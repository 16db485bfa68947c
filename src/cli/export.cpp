#include <iostream>
#include <optional>

#include "modlr/cli/commands.h"
#include "modlr/export/onnx.h"
#include "modlr/formats/file_bytes.h"
#include "modlr/runner/experiment.h"
#include "modlr/tracking/checkpoint.h"

namespace modlr::cli {
namespace {

// One example's shape (no batch dimension): the shape the model declares for its input (a
// generator's noise), else that of the test split the model is evaluated on.
std::vector<int64_t> example_shape(Experiment& experiment, const Model& model) {
  if (!model.input_shape().empty()) return model.input_shape();
  auto& dataset = experiment.dataset();
  dataset.load();
  const auto& test = dataset.data(Split::test);
  if (test.lazy) return test.lazy->row_shape();
  return std::vector<int64_t>(test.inputs.sizes().begin() + 1, test.inputs.sizes().end());
}

// The models to export: all of them, or the one --model names (then alone, so its
// safetensors names are its plain state_dict names).
ModelSet selected_models(const ModelSet& models, const std::string& name) {
  if (name.empty()) return models;
  if (!models.contains(name)) {
    std::string known;
    for (const auto& n : models.names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("--model '" + name + "': the experiment has no such model (models: " + known + ")");
  }
  ModelSet one;
  one.add(name, models.shared(name));
  return one;
}

// What the data set does to raw inputs, for --with-preprocessing. A model fed noise (a
// generator) or a data set without such a step (token ids) has nothing to put in the graph.
InputNormalization input_preprocessing(Experiment& experiment, const Model& model) {
  if (!model.input_shape().empty())
    throw Error("--with-preprocessing: this model's input is noise, not data: nothing to put in the graph");
  auto& dataset = experiment.dataset();
  dataset.load();
  const auto normalization = dataset.input_normalization();
  if (!normalization)
    throw Error("--with-preprocessing: data source '" + dataset.source_name() +
                "' has no input scaling or normalisation to put in the graph");
  return *normalization;
}

}  // namespace

int export_model(const ExportArgs& args) {
  return guarded([&] {
    if (args.onnx.empty() && args.safetensors.empty())
      throw Error("nothing to export: give --onnx OUT.onnx and/or --safetensors OUT.safetensors");
    Experiment experiment(Config::load(args.config, args.overrides));
    load_weights(experiment.models(), args.checkpoint);
    auto models = selected_models(experiment.models(), args.model);
    std::string onnx_bytes;
    if (!args.onnx.empty()) {
      if (models.size() != 1) {
        std::string known;
        for (const auto& n : models.names()) known += (known.empty() ? "" : ", ") + n;
        throw Error("ONNX export needs one model and this experiment has several (" + known +
                    "); choose one with --model NAME");
      }
      // Built and checked before anything is written, so a failure leaves no file.
      const auto shape = example_shape(experiment, models.only());
      std::optional<InputNormalization> preprocessing;
      if (args.with_preprocessing) preprocessing = input_preprocessing(experiment, models.only());
      onnx_bytes = export_onnx(models.only(), shape, preprocessing ? &*preprocessing : nullptr);
    }
    if (!args.safetensors.empty()) {
      save_safetensors(models, args.safetensors);
      std::cout << "wrote " << args.safetensors << "\n";
    }
    if (!args.onnx.empty()) {
      formats::write_file_atomic(args.onnx, onnx_bytes);
      std::cout << "wrote " << args.onnx << " (" << onnx_bytes.size() << " bytes"
                << (args.with_preprocessing ? ", input: raw data" : "") << ")\n";
    }
    return 0;
  });
}

}  // namespace modlr::cli
