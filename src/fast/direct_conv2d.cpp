#include "modlr/fast/direct_conv2d.h"

#include <ATen/Parallel.h>

#include "direct_conv2d_kernels.h"
#include "interleaved_conv2d.h"
#include "modlr/core/cpu_features.h"
#include "modlr/model/model.h"

namespace modlr {
namespace {

using direct_conv::Geometry;

// Up to this many input channels the row-vectorised forward beats oneDNN's; from there on
// the forward is libtorch's (bench/conv_kernels).
constexpr int64_t kMostRowVectorisedInputChannels = 4;
// Up to this many input channels the interleaved backward beats oneDNN's; layers with more
// keep libtorch's convolution (bench/conv_kernels: 1.34x at 6, 1.02x at 8, 0.94x at 16).
constexpr int64_t kMostInputChannels = 6;

Geometry geometry_of(const torch::Tensor& input, int64_t kernel, int64_t padding) {
  return direct_conv::make_geometry(input.size(1), input.size(2), input.size(3), kernel, padding);
}

// Images are independent: each thread pads its images into its own scratch buffer.
torch::Tensor forward_all(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                          int64_t padding) {
  const auto g = geometry_of(input, weight.size(2), padding);
  const int64_t images = input.size(0), out_channels = weight.size(0);
  auto out = torch::empty({images, out_channels, g.out_h, g.out_w}, input.options());
  const float* in = input.data_ptr<float>();
  const float* w = weight.data_ptr<float>();
  const float* b = bias.defined() ? bias.data_ptr<float>() : nullptr;
  float* o = out.data_ptr<float>();
  const int64_t image_size = g.in_channels * g.height * g.width;
  const int64_t out_size = out_channels * g.out_h * g.out_w;
  at::parallel_for(0, images, 4, [&](int64_t first, int64_t last) {
    std::vector<float> padded(g.in_channels * g.padded_plane());
    for (int64_t n = first; n < last; ++n) {
      direct_conv::pad_image(in + n * image_size, g, padded.data());
      direct_conv::forward_image(padded.data(), w, b, g, out_channels, o + n * out_size);
    }
  });
  return out;
}

class DirectConv2dFunction : public torch::autograd::Function<DirectConv2dFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input,
                               const torch::Tensor& weight, const torch::Tensor& bias, int64_t padding) {
    ctx->save_for_backward({input, weight});
    ctx->saved_data["padding"] = padding;
    const bool has_bias = bias.numel() > 0;
    ctx->saved_data["has_bias"] = has_bias;
    return compute_forward(input, weight, has_bias ? bias : torch::Tensor(), padding);
  }

  // Row kernels for few input channels; from there on oneDNN's forward is as fast
  // (bench/conv_kernels), so libtorch's own convolution does it.
  static torch::Tensor compute_forward(const torch::Tensor& input, const torch::Tensor& weight,
                                       const torch::Tensor& bias, int64_t padding) {
    if (input.size(1) > kMostRowVectorisedInputChannels) return torch::conv2d(input, weight, bias, 1, padding);
    return forward_all(input, weight, bias, padding);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& input = saved[0];
    const auto& weight = saved[1];
    const int64_t padding = ctx->saved_data["padding"].toInt();
    auto grad = interleaved_conv2d_backward(input, grads[0].contiguous(), weight, padding, ctx->needs_input_grad(0),
                                            ctx->needs_input_grad(1) || ctx->needs_input_grad(2));
    if (!ctx->needs_input_grad(1)) grad.weight = torch::Tensor();
    if (!ctx->needs_input_grad(2) || !ctx->saved_data["has_bias"].toBool()) grad.bias = torch::Tensor();
    return {grad.input, grad.weight, grad.bias, torch::Tensor()};
  }
};

}  // namespace

bool direct_conv2d_supported(const torch::Tensor& input, const torch::Tensor& weight, int64_t padding) {
  const int64_t kernel = weight.dim() == 4 ? weight.size(2) : 0;
  return cpu_has_avx2_fma() && input.dim() == 4 && input.device().is_cpu() && input.scalar_type() == torch::kFloat32 &&
         weight.scalar_type() == torch::kFloat32 && (kernel == 3 || kernel == 5) && weight.size(3) == kernel &&
         weight.size(1) == input.size(1) && padding >= 0 && padding < kernel && input.size(2) + 2 * padding >= kernel &&
         input.size(3) + 2 * padding >= kernel;
}

torch::Tensor direct_conv2d(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                            int64_t padding) {
  TORCH_CHECK(direct_conv2d_supported(input, weight, padding), "direct_conv2d: unsupported arguments: input ",
              input.sizes(), ", weight ", weight.sizes(), ", padding ", padding);
  const auto x = input.contiguous(), w = weight.contiguous();
  const auto b = bias.defined() ? bias.contiguous() : bias;
  const bool wants_grad = x.requires_grad() || w.requires_grad() || (b.defined() && b.requires_grad());
  if (!torch::GradMode::is_enabled() || !wants_grad) return DirectConv2dFunction::compute_forward(x, w, b, padding);
  // autograd's apply cannot take an undefined tensor: "no bias" travels as an empty one.
  return DirectConv2dFunction::apply(x, w, b.defined() ? b : torch::empty({0}, w.options()), padding);
}

namespace {

// The symmetric explicit padding of `o`, or -1 ("same"/"valid" strings, unequal sides).
int64_t square_padding(const torch::nn::detail::ConvNdOptions<2>& o) {
  const auto* padding = std::get_if<torch::ExpandingArray<2>>(&o.padding());
  if (!padding || (*padding)->at(0) != (*padding)->at(1)) return -1;
  return (*padding)->at(0);
}

}  // namespace

bool direct_conv2d_pays_off(const torch::nn::detail::ConvNdOptions<2>& o) {
  const auto& k = *o.kernel_size();
  const auto& s = *o.stride();
  const auto& d = *o.dilation();
  const int64_t padding = square_padding(o);
  return cpu_has_avx2_fma() && k[0] == k[1] && (k[0] == 3 || k[0] == 5) && s[0] == 1 && s[1] == 1 && d[0] == 1 &&
         d[1] == 1 && o.groups() == 1 && std::holds_alternative<torch::enumtype::kZeros>(o.padding_mode()) &&
         padding >= 0 && padding < k[0] && o.in_channels() <= kMostInputChannels;
}

DirectConv2dImpl::DirectConv2dImpl(torch::nn::Conv2d conv)
    : conv_(std::move(conv)), padding_(square_padding(conv_->options)) {}

torch::Tensor DirectConv2dImpl::forward(const torch::Tensor& x) {
  if (!direct_conv2d_supported(x, conv_->weight, padding_)) return conv_->forward(x);
  return direct_conv2d(x, conv_->weight, conv_->bias, padding_);
}

}  // namespace modlr

namespace modlr {

MODLR_REGISTER(fast_layer_registry, "Conv2d",
               [](const std::shared_ptr<torch::nn::Module>& layer) -> torch::nn::AnyModule {
                 auto conv = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(layer);
                 if (!conv || !direct_conv2d_pays_off(conv->options)) return {};
                 return torch::nn::AnyModule(DirectConv2d(torch::nn::Conv2d(conv)));
               });

}  // namespace modlr
