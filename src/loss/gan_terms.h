#pragma once
// Terms the `gan` and `acgan` losses share (loss/gan.h): noise, binary cross-entropy on
// logits, and the discriminator logits the d_real / d_fake metrics read.
#include <torch/torch.h>

#include "modlr/core/error.h"
#include "modlr/loss/loss.h"
#include "modlr/model/model.h"

namespace modlr::gan_terms {

// z ~ N(0, 1) [batch, input_shape...] minus `held_back` trailing input columns (a
// conditional generator's one-hot class), from torch's global generator, on the
// generator's device.
inline torch::Tensor noise(const Model& generator, int64_t batch_size, int64_t held_back = 0) {
  auto shape = generator.input_shape();
  if (shape.empty()) throw Error("gan loss: the generator model declares no input shape, so it cannot be fed noise");
  shape.back() -= held_back;
  shape.insert(shape.begin(), batch_size);
  const auto parameters = generator.parameters();
  const auto device = parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
  return torch::randn(shape, torch::TensorOptions().device(device));
}

inline torch::Tensor bce(const torch::Tensor& logits, double target) {
  return torch::nn::functional::binary_cross_entropy_with_logits(logits, torch::full_like(logits, target));
}

// [D(x); D(G(z))] as [2B] with targets [1 x B; 0 x B]: what the d_real / d_fake metrics read.
inline void add_predictions(LossOutput& out, const torch::Tensor& d_real, const torch::Tensor& d_fake) {
  out.predictions = torch::cat({d_real.detach().reshape({-1}), d_fake.detach().reshape({-1})});
  out.targets = torch::cat({torch::ones({d_real.numel()}, out.predictions.options()),
                            torch::zeros({d_fake.numel()}, out.predictions.options())});
}

}  // namespace modlr::gan_terms
