#include "interleaved_conv2d.h"

#include <ATen/Parallel.h>

#include <memory>

#include "interleaved_conv2d_kernels.h"

namespace modlr {
namespace {

// Own names, not `using interleaved_conv::Geometry`: direct_conv2d.cpp has a Geometry of
// its own, and a unity build compiles the two files as one.
using InterleavedGeometry = interleaved_conv::Geometry;
constexpr int64_t kGroup = interleaved_conv::kGroup;

InterleavedGeometry interleaved_geometry(const torch::Tensor& input, const torch::Tensor& weight, int64_t padding) {
  return interleaved_conv::make_geometry(input.size(1), weight.size(0), input.size(2), input.size(3), weight.size(2),
                                         padding);
}

std::unique_ptr<float[]> scratch(int64_t floats) { return std::unique_ptr<float[]>(new float[floats]); }

int64_t group_count(int64_t images) { return (images + kGroup - 1) / kGroup; }
int64_t padded_group_size(const InterleavedGeometry& g) { return g.in_channels * g.padded_h * g.padded_w * kGroup; }
int64_t out_group_size(const InterleavedGeometry& g) { return g.out_channels * g.out_h * g.out_w * kGroup; }

}  // namespace

// Per group: interleave its input and output gradient, then the input gradient, and the
// weight and bias gradients of its 8 images as a partial sum; partials are added in group
// order, so the result is the same for any thread count.
Conv2dGradients interleaved_conv2d_backward(const torch::Tensor& input, const torch::Tensor& grad_out,
                                            const torch::Tensor& weight, int64_t padding, bool want_input,
                                            bool want_weight) {
  const auto g = interleaved_geometry(input, weight, padding);
  const int64_t images = grad_out.size(0), groups = group_count(images);
  const int64_t weights = weight.numel(), partial_size = weights + g.out_channels;
  Conv2dGradients grads;
  if (want_input) grads.input = torch::empty({images, g.in_channels, g.height, g.width}, grad_out.options());
  std::vector<float> partials(want_weight ? groups * partial_size : 0);
  const float* in = input.data_ptr<float>();
  const float* go = grad_out.data_ptr<float>();
  const float* w = weight.data_ptr<float>();
  float* gi = want_input ? grads.input.data_ptr<float>() : nullptr;
  const int64_t in_image = g.in_channels * g.height * g.width;
  const int64_t out_image = g.out_channels * g.out_h * g.out_w;
  at::parallel_for(0, groups, 1, [&](int64_t first, int64_t last) {
    // Uninitialised: every float a kernel reads is written first.
    const auto in_group = scratch(padded_group_size(g)), grad_group = scratch(out_group_size(g));
    const auto input_grad = scratch(want_input ? padded_group_size(g) : 0);
    for (int64_t group = first; group < last; ++group) {
      const int64_t n0 = group * kGroup, count = std::min(kGroup, images - n0);
      interleaved_conv::interleave(in + n0 * in_image, count, g.in_channels, g.height, g.width, g.padding,
                                   in_group.get());
      interleaved_conv::interleave(go + n0 * out_image, count, g.out_channels, g.out_h, g.out_w, 0, grad_group.get());
      if (want_weight)
        interleaved_conv::weight_and_bias_grad_group(in_group.get(), grad_group.get(), g,
                                                     partials.data() + group * partial_size);
      if (want_input) {
        interleaved_conv::input_grad_group(grad_group.get(), w, g, input_grad.get());
        interleaved_conv::deinterleave(input_grad.get(), count, g.in_channels, g.height, g.width, g.padding,
                                       gi + n0 * in_image);
      }
    }
  });
  if (!want_weight) return grads;
  for (int64_t group = 1; group < groups; ++group)
    for (int64_t i = 0; i < partial_size; ++i) partials[i] += partials[group * partial_size + i];
  grads.weight = torch::empty_like(weight);
  std::copy_n(partials.data(), weights, grads.weight.data_ptr<float>());
  grads.bias = torch::empty({g.out_channels}, weight.options());
  std::copy_n(partials.data() + weights, g.out_channels, grads.bias.data_ptr<float>());
  return grads;
}

}  // namespace modlr
