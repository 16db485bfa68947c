#include "modlr/model/max_pool_2x2.h"

#include <ATen/Parallel.h>

#include <limits>

#include "max_pool_kernels.h"
#include "modlr/core/cpu_features.h"
#include "modlr/model/model.h"

namespace modlr {
namespace {

using pool_kernels::kNoGradient;

// The portable scan, for CPUs without AVX2. Window positions 0..3 in row-major order:
// (0,0) (0,1) (1,0) (1,1). The selects keep the first maximum and let a NaN win, exactly
// as ATen's `if (val > max || isnan(val))` scan does.
void pool_plane_portable(const float* in, float* out, uint8_t* where, int64_t width, int64_t out_h, int64_t out_w,
                         bool relu) {
  for (int64_t oh = 0; oh < out_h; ++oh) {
    const float* row0 = in + 2 * oh * width;
    const float* row1 = row0 + width;
    for (int64_t ow = 0; ow < out_w; ++ow) {
      const float candidates[4] = {row0[2 * ow], row0[2 * ow + 1], row1[2 * ow], row1[2 * ow + 1]};
      float best = -std::numeric_limits<float>::infinity();
      uint8_t position = 0;
      for (uint8_t k = 0; k < 4; ++k) {
        const float c = candidates[k];
        const bool take = (c > best) | (c != c);
        best = take ? c : best;
        position = take ? k : position;
      }
      if (relu && best <= 0.0f) {  // as torch's ReLU backward: a NaN passes
        best = 0.0f;
        position = kNoGradient;
      }
      out[oh * out_w + ow] = best;
      if (where) where[oh * out_w + ow] = position;
    }
  }
}

// Writes every input of every window (the gradient at the selected position, zeros
// elsewhere), so grad_in needs no clearing except an odd last row or column.
void unpool_plane_portable(const float* grad_out, const uint8_t* where, float* grad_in, int64_t width, int64_t out_h,
                           int64_t out_w) {
  for (int64_t oh = 0; oh < out_h; ++oh) {
    float* row0 = grad_in + 2 * oh * width;
    float* row1 = row0 + width;
    for (int64_t ow = 0; ow < out_w; ++ow) {
      const uint8_t k = where[oh * out_w + ow];
      const float g = grad_out[oh * out_w + ow];
      row0[2 * ow] = k == 0 ? g : 0.0f;
      row0[2 * ow + 1] = k == 1 ? g : 0.0f;
      row1[2 * ow] = k == 2 ? g : 0.0f;
      row1[2 * ow + 1] = k == 3 ? g : 0.0f;
    }
  }
}

// Returns (output, window positions); positions are only produced when `record` is set.
std::pair<torch::Tensor, torch::Tensor> pool(const torch::Tensor& input, bool record, bool relu) {
  const auto x = input.contiguous();
  const int64_t planes = x.size(0) * x.size(1), height = x.size(2), width = x.size(3);
  const int64_t out_h = height / 2, out_w = width / 2;
  auto out = torch::empty({x.size(0), x.size(1), out_h, out_w}, x.options());
  torch::Tensor where = record ? torch::empty(out.sizes(), x.options().dtype(torch::kUInt8)) : torch::Tensor();
  const float* in_data = x.data_ptr<float>();
  float* out_data = out.data_ptr<float>();
  uint8_t* where_data = record ? where.data_ptr<uint8_t>() : nullptr;
  const auto pool_plane = cpu_has_avx2_fma() ? pool_kernels::max_pool_plane_avx2 : pool_plane_portable;
  at::parallel_for(0, planes, 16, [&](int64_t first, int64_t last) {
    for (int64_t p = first; p < last; ++p)
      pool_plane(in_data + p * height * width, out_data + p * out_h * out_w,
                 where_data ? where_data + p * out_h * out_w : nullptr, width, out_h, out_w, relu);
  });
  return {out, where};
}

torch::Tensor unpool(const torch::Tensor& grad_output, const torch::Tensor& where, c10::IntArrayRef input_sizes) {
  const auto grad_out = grad_output.contiguous();
  const int64_t planes = input_sizes[0] * input_sizes[1], height = input_sizes[2], width = input_sizes[3];
  const bool even = height % 2 == 0 && width % 2 == 0;
  auto grad_in = even ? torch::empty(input_sizes, grad_out.options()) : torch::zeros(input_sizes, grad_out.options());
  const int64_t out_h = where.size(2), out_w = where.size(3);
  const float* g = grad_out.data_ptr<float>();
  const uint8_t* w = where.data_ptr<uint8_t>();
  float* gi = grad_in.data_ptr<float>();
  const auto unpool_plane = cpu_has_avx2_fma() ? pool_kernels::max_unpool_plane_avx2 : unpool_plane_portable;
  at::parallel_for(0, planes, 16, [&](int64_t first, int64_t last) {
    for (int64_t p = first; p < last; ++p)
      unpool_plane(g + p * out_h * out_w, w + p * out_h * out_w, gi + p * height * width, width, out_h, out_w);
  });
  return grad_in;
}

template <bool Relu>
class MaxPool2x2Function : public torch::autograd::Function<MaxPool2x2Function<Relu>> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input) {
    auto [out, where] = pool(input, /*record=*/true, Relu);
    ctx->save_for_backward({where});
    ctx->saved_data["input_sizes"] = input.sizes().vec();
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto where = ctx->get_saved_variables()[0];
    return {unpool(grads[0], where, ctx->saved_data["input_sizes"].toIntVector())};
  }
};

template <bool Relu>
torch::Tensor pool_autograd(const torch::Tensor& input) {
  TORCH_CHECK(input.dim() == 4, "max_pool_2x2 expects [N, C, H, W], got ", input.sizes());
  if (input.scalar_type() != torch::kFloat32 || !input.device().is_cpu())
    return torch::max_pool2d(Relu ? torch::relu(input) : input, {2, 2});
  if (!torch::GradMode::is_enabled() || !input.requires_grad()) return pool(input, false, Relu).first;
  return MaxPool2x2Function<Relu>::apply(input);
}

}  // namespace

torch::Tensor max_pool_2x2(const torch::Tensor& input) { return pool_autograd<false>(input); }

torch::Tensor relu_max_pool_2x2(const torch::Tensor& input) { return pool_autograd<true>(input); }

}  // namespace modlr

namespace modlr {

MODLR_REGISTER(fast_pair_registry, "ReLU+MaxPool2x2",
               [](const std::shared_ptr<torch::nn::Module>&, const std::shared_ptr<torch::nn::Module>&)
                   -> torch::nn::AnyModule { return torch::nn::AnyModule(ReluMaxPool2x2()); });

}  // namespace modlr
