#pragma once
/// MODLR component 1: the Model. It owns layers, the forward pass and parameter init; it
/// never computes a loss or reads data.
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "modlr/core/config.h"
#include "modlr/core/registry.h"

namespace modlr {

/// Called after each layer during an observed forward pass (used by `modlr summary`).
using LayerObserver = std::function<void(const std::string& name, const std::string& type,
                                         const torch::nn::Module& layer, const torch::Tensor& output)>;

/// Base of every model. torch::nn::Module has no virtual forward, so modlr models derive
/// from this small typed base. Parameter and buffer names follow PyTorch's state_dict names
/// for the same architecture.
class Model : public torch::nn::Module {
 public:
  /// x: a batch, batch dimension first. Returns the model's outputs, batch first.
  virtual torch::Tensor forward(torch::Tensor x) = 0;
  /// forward() that reports every layer's output to `observer`; the default reports the
  /// whole model as one layer.
  virtual torch::Tensor forward_observed(torch::Tensor x, const LayerObserver& observer);
  /// One example's input shape (no batch dimension) when the model defines its input itself,
  /// e.g. a generator's latent vector {latent_size}; empty (the default) when the data set
  /// defines it. Losses draw noise of this shape; summary and export use it for dry runs.
  virtual std::vector<int64_t> input_shape() const { return {}; }
  /// Fast mode (runner.mode: fast): lets layers run faster kernels that keep their
  /// parameters but not PyTorch's floating-point summation order. Returns how many layers
  /// switched; the default switches none.
  virtual int64_t use_fast_kernels() { return 0; }
  /// Makes every layer of type name `type` ("BatchNorm2d") run the forward `make` builds
  /// from it (the layer stays registered: parameter names, checkpoints and export are
  /// unchanged). Returns how many layers were given one; the default, for models that are
  /// not a list of layers, gives none. Throws modlr::Error if such a layer already runs a
  /// fast-mode kernel. Used for data-parallel sync_batchnorm.
  using ForwardFactory = std::function<torch::nn::AnyModule(const std::shared_ptr<torch::nn::Module>&)>;
  virtual int64_t replace_forwards(const std::string& type, const ForwardFactory& make) { return 0; }
};

/// An input batch `model` accepts, for dry runs (summary, export): zeros of shape
/// [B, model.input_shape()...] on data_batch's device when the model defines its input,
/// else `data_batch` itself. B = data_batch.size(0).
torch::Tensor example_input(const Model& model, const torch::Tensor& data_batch);

/// The type name a layer is reported (summary) and exported (ONNX) by: the module's C++
/// class without namespace and "Impl" ("torch::nn::Conv2dImpl" -> "Conv2d").
std::string layer_type_name(const torch::nn::Module& layer);

/// A read-only view of one layer of a SequentialModel; valid while the model lives.
struct LayerView {
  std::string name;  ///< "conv1"
  std::string type;  ///< layer_type_name(*module)
  const torch::nn::Module* module;
};

/// A model that is an ordered list of named layers (conv1, relu1, pool1, ...). Subclasses
/// add layers in their constructor; forward runs them in order (fast forwards where set);
/// forward_observed always runs the layers themselves, so each reports its own output.
class SequentialModel : public Model {
 public:
  torch::Tensor forward(torch::Tensor x) override;
  torch::Tensor forward_observed(torch::Tensor x, const LayerObserver& observer) override;
  /// The layers in forward order.
  std::vector<LayerView> layers() const;
  /// Fuses consecutive layers fast_pair_registry() covers, then gives each other layer the
  /// forward fast_layer_registry() has for its type, if any. Returns the layers switched.
  int64_t use_fast_kernels() override;
  int64_t replace_forwards(const std::string& type, const ForwardFactory& make) override;

 protected:
  /// Registers `layer` under `name` (its parameters become "<name>.weight", ...).
  void add_layer(const std::string& name, torch::nn::AnyModule layer);
  template <typename ModuleHolder>
  void add_layer(const std::string& name, ModuleHolder layer) {
    add_layer(name, torch::nn::AnyModule(std::move(layer)));
  }

 private:
  struct Layer {
    std::string name;
    torch::nn::AnyModule module;
    torch::nn::AnyModule fast;  ///< runs instead of `module` once set (fast mode)
    torch::nn::AnyModule& runs() { return fast.is_empty() ? module : fast; }
  };
  /// Gives `second` the fast_pair_registry() forward of the pair, if any, and makes `first`
  /// the identity; false (nothing changed) when the pair is not covered.
  static bool fuse(Layer& first, Layer& second);
  std::vector<Layer> layers_;
};

/// Flattens [N, d1, d2, ...] to [N, d1*d2*...].
class FlattenImpl : public torch::nn::Module {
 public:
  torch::Tensor forward(const torch::Tensor& x) { return x.flatten(1); }
};
TORCH_MODULE(Flatten);

/// Fast-mode forwards by layer type name ("Conv2d"): (the layer) -> a module whose forward
/// computes the same function with the layer's own parameters, or an empty AnyModule when
/// the layer's options are outside what it covers. The layer stays registered in its model,
/// so parameter names, checkpoints, summary and export are unchanged.
using FastLayerRegistry = Registry<torch::nn::AnyModule, const std::shared_ptr<torch::nn::Module>&>;
FastLayerRegistry& fast_layer_registry();

/// Fast-mode fusions of two consecutive layers, keyed "FirstType+SecondType"
/// ("ReLU+MaxPool2x2"): (first, second) -> a module computing second(first(x)) in one step,
/// or an empty AnyModule when the layers' options are outside what it covers. The first
/// layer then runs as the identity; both stay registered.
using FastPairRegistry = Registry<torch::nn::AnyModule, const std::shared_ptr<torch::nn::Module>&,
                                  const std::shared_ptr<torch::nn::Module>&>;
FastPairRegistry& fast_pair_registry();

/// Builds the activation named `name` ("relu" or "tanh").
torch::nn::AnyModule make_activation(const std::string& name);

/// Registry of model factories: (model section of the config) -> model.
using ModelRegistry = Registry<std::shared_ptr<Model>, const Config&>;
ModelRegistry& model_registry();

/// Builds the model described by `section` (its `name` key picks the factory).
std::shared_ptr<Model> build_model(const Config& section);

}  // namespace modlr
