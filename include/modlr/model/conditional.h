#pragma once
/// Generators conditioned on a class (a conditional GAN such as the ACGAN, loss/gan.h).
///
/// Convention, shared by the `acgan` loss, the `sample_grid` hook and the ONNX export: the
/// generator's input is the noise and the one-hot class side by side,
/// [N, latent + classes] = [noise [N, latent], one_hot(label) [N, classes]] (Odena et al.
/// 2017 feed the class to the generator the same way). The generator's input_shape() is
/// {latent + classes}.
#include <torch/torch.h>

namespace modlr {

/// Implemented by generator models that take a class (model/dcgan.h with `classes` > 0).
class ConditionalGenerator {
 public:
  virtual ~ConditionalGenerator() = default;
  /// Number of classes conditioned on (> 0), the last columns of the input.
  virtual int64_t classes() const = 0;
};

/// [noise, one_hot(labels, classes)] as the generator's input: noise float [N, latent],
/// labels int64 [N] in [0, classes), on the noise's device and dtype. Throws modlr::Error on
/// mismatched sizes or a label out of range.
torch::Tensor conditional_input(const torch::Tensor& noise, const torch::Tensor& labels, int64_t classes);

}  // namespace modlr
