#include "modlr/model/direct_conv2d.h"

#include <ATen/Parallel.h>

#include "direct_conv2d_kernels.h"
#include "modlr/core/cpu_features.h"
#include "modlr/model/model.h"

namespace modlr {
namespace {

using direct_conv::Geometry;

Geometry geometry_of(const torch::Tensor& input, int64_t kernel, int64_t padding) {
  return direct_conv::make_geometry(input.size(1), input.size(2), input.size(3), kernel, padding);
}

// Images are independent: each thread pads its images into its own scratch buffer.
torch::Tensor forward_all(const torch::Tensor& input, const torch::Tensor& weight,
                          const torch::Tensor& bias, int64_t padding) {
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

// The input gradient is the full correlation of grad_out with the flipped kernel: a
// forward convolution with channels swapped and padding K - 1 - p.
torch::Tensor input_grad(const torch::Tensor& grad_out, const torch::Tensor& weight,
                         int64_t padding) {
  const auto flipped = weight.flip({2, 3}).transpose(0, 1).contiguous();
  return forward_all(grad_out, flipped, torch::Tensor(), weight.size(2) - 1 - padding);
}

// Images per weight-gradient chunk: at most as many as keep a chunk's padded input and
// gradient rows (~256 KiB) in a core's L2 cache, then evened out over the chunks that needs
// (64 images: 8 chunks of 8, not 7 of 9 and 1 of 1, which split 36/28 over two threads).
// Depends on the shapes only, never on the thread count, so the chunk sums, added in chunk
// order, are the same for any number of threads.
int64_t images_per_chunk(const Geometry& g, int64_t images, int64_t out_channels) {
  const int64_t bytes = (g.in_channels * g.padded_plane() + out_channels * g.out_h * g.out_w_padded) *
                        static_cast<int64_t>(sizeof(float));
  const int64_t most = std::max<int64_t>(1, (int64_t{256} << 10) / bytes);
  const int64_t chunks = (images + most - 1) / most;
  return (images + chunks - 1) / chunks;
}

std::pair<torch::Tensor, torch::Tensor> weight_and_bias_grad(const torch::Tensor& input,
                                                             const torch::Tensor& grad_out,
                                                             const torch::Tensor& weight,
                                                             int64_t padding, bool with_bias) {
  const auto g = geometry_of(input, weight.size(2), padding);
  const int64_t images = input.size(0), out_channels = weight.size(0);
  const int64_t chunk = images_per_chunk(g, images, out_channels);
  const int64_t chunks = (images + chunk - 1) / chunk;
  const int64_t weights = weight.numel(), partial_size = weights + out_channels;
  std::vector<float> partials(chunks * partial_size);
  const float* in = input.data_ptr<float>();
  const float* go = grad_out.data_ptr<float>();
  const int64_t in_image = g.in_channels * g.height * g.width, go_image = out_channels * g.out_h * g.out_w;
  const int64_t padded_image = g.in_channels * g.padded_plane();
  const int64_t rows_image = out_channels * g.out_h * g.out_w_padded;
  at::parallel_for(0, chunks, 1, [&](int64_t first, int64_t last) {
    std::vector<float> padded_in(chunk * padded_image), grad_rows(chunk * rows_image);
    for (int64_t c = first; c < last; ++c) {
      const int64_t n0 = c * chunk, count = std::min(chunk, images - n0);
      for (int64_t i = 0; i < count; ++i) {
        direct_conv::pad_image(in + (n0 + i) * in_image, g, padded_in.data() + i * padded_image);
        direct_conv::pad_rows(go + (n0 + i) * go_image, g, out_channels,
                              grad_rows.data() + i * rows_image);
      }
      direct_conv::weight_and_bias_grad_chunk(padded_in.data(), grad_rows.data(), g, count,
                                              out_channels, partials.data() + c * partial_size);
    }
  });
  for (int64_t c = 1; c < chunks; ++c)
    for (int64_t i = 0; i < partial_size; ++i) partials[i] += partials[c * partial_size + i];
  auto grad_weight = torch::empty_like(weight);
  std::copy_n(partials.data(), weights, grad_weight.data_ptr<float>());
  torch::Tensor grad_bias;
  if (with_bias) {
    grad_bias = torch::empty({out_channels}, weight.options());
    std::copy_n(partials.data() + weights, out_channels, grad_bias.data_ptr<float>());
  }
  return {grad_weight, grad_bias};
}

class DirectConv2dFunction : public torch::autograd::Function<DirectConv2dFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               int64_t padding) {
    ctx->save_for_backward({input, weight});
    ctx->saved_data["padding"] = padding;
    const bool has_bias = bias.numel() > 0;
    ctx->saved_data["has_bias"] = has_bias;
    return forward_all(input, weight, has_bias ? bias : torch::Tensor(), padding);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& input = saved[0];
    const auto& weight = saved[1];
    const int64_t padding = ctx->saved_data["padding"].toInt();
    const auto grad_out = grads[0].contiguous();
    torch::Tensor grad_input, grad_weight, grad_bias;
    if (ctx->needs_input_grad(0)) grad_input = input_grad(grad_out, weight, padding);
    if (ctx->needs_input_grad(1) || ctx->needs_input_grad(2)) {
      std::tie(grad_weight, grad_bias) = weight_and_bias_grad(
          input, grad_out, weight, padding, ctx->saved_data["has_bias"].toBool());
    }
    if (!ctx->needs_input_grad(2)) grad_bias = torch::Tensor();
    return {grad_input, grad_weight, grad_bias, torch::Tensor()};
  }
};

}  // namespace

bool direct_conv2d_supported(const torch::Tensor& input, const torch::Tensor& weight,
                             int64_t padding) {
  const int64_t kernel = weight.dim() == 4 ? weight.size(2) : 0;
  return cpu_has_avx2_fma() && input.dim() == 4 && input.device().is_cpu() &&
         input.scalar_type() == torch::kFloat32 && weight.scalar_type() == torch::kFloat32 &&
         (kernel == 3 || kernel == 5) && weight.size(3) == kernel &&
         weight.size(1) == input.size(1) && padding >= 0 && padding < kernel &&
         input.size(2) + 2 * padding >= kernel && input.size(3) + 2 * padding >= kernel;
}

torch::Tensor direct_conv2d(const torch::Tensor& input, const torch::Tensor& weight,
                            const torch::Tensor& bias, int64_t padding) {
  TORCH_CHECK(direct_conv2d_supported(input, weight, padding),
              "direct_conv2d: unsupported arguments: input ", input.sizes(), ", weight ",
              weight.sizes(), ", padding ", padding);
  const auto x = input.contiguous(), w = weight.contiguous();
  const auto b = bias.defined() ? bias.contiguous() : bias;
  const bool wants_grad = x.requires_grad() || w.requires_grad() || (b.defined() && b.requires_grad());
  if (!torch::GradMode::is_enabled() || !wants_grad) return forward_all(x, w, b, padding);
  // autograd's apply cannot take an undefined tensor: "no bias" travels as an empty one.
  return DirectConv2dFunction::apply(x, w, b.defined() ? b : torch::empty({0}, w.options()), padding);
}

namespace {

// The symmetric explicit padding of `o`, or -1 ("same"/"valid" strings, unequal sides).
int64_t square_padding(const torch::nn::detail::ConvNdOptions<2>& o) {
  const auto* padding = c10::get_if<torch::ExpandingArray<2>>(&o.padding());
  if (!padding || (*padding)->at(0) != (*padding)->at(1)) return -1;
  return (*padding)->at(0);
}

}  // namespace

bool direct_conv2d_pays_off(const torch::nn::detail::ConvNdOptions<2>& o) {
  const auto& k = *o.kernel_size();
  const auto& s = *o.stride();
  const auto& d = *o.dilation();
  const int64_t padding = square_padding(o);
  return cpu_has_avx2_fma() && k[0] == k[1] && (k[0] == 3 || k[0] == 5) &&
         s[0] == 1 && s[1] == 1 && d[0] == 1 && d[1] == 1 && o.groups() == 1 &&
         c10::holds_alternative<torch::enumtype::kZeros>(o.padding_mode()) && padding >= 0 &&
         padding < k[0] && o.in_channels() <= 4;
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
                 if (!conv || !direct_conv2d_pays_off(conv->options))
                   return {};
                 return torch::nn::AnyModule(DirectConv2d(torch::nn::Conv2d(conv)));
               });

}  // namespace modlr
