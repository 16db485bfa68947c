#include "modlr/model/max_pool_2x2.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <limits>

namespace modlr {
namespace {

// Window positions 0..3 in row-major order: (0,0) (0,1) (1,0) (1,1). Branch-free so that
// the compiler vectorises the loop over a row; the selects keep the first maximum and let
// a NaN win, exactly as ATen's `if (val > max || isnan(val))` scan does.
void pool_plane(const float* in, float* out, uint8_t* where, int64_t width, int64_t out_h,
                int64_t out_w) {
  for (int64_t oh = 0; oh < out_h; ++oh) {
    const float* row0 = in + 2 * oh * width;
    const float* row1 = row0 + width;
    float* out_row = out + oh * out_w;
    uint8_t* where_row = where ? where + oh * out_w : nullptr;
    for (int64_t ow = 0; ow < out_w; ++ow) {
      const float candidates[4] = {row0[2 * ow], row0[2 * ow + 1], row1[2 * ow], row1[2 * ow + 1]};
      float best = -std::numeric_limits<float>::infinity();
      int32_t position = 0;
      for (int32_t k = 0; k < 4; ++k) {
        const float c = candidates[k];
        const bool take = (c > best) | (c != c);
        best = take ? c : best;
        position = take ? k : position;
      }
      out_row[ow] = best;
      if (where_row) where_row[ow] = static_cast<uint8_t>(position);
    }
  }
}

void unpool_plane(const float* grad_out, const uint8_t* where, float* grad_in, int64_t width,
                  int64_t out_h, int64_t out_w) {
  for (int64_t oh = 0; oh < out_h; ++oh) {
    for (int64_t ow = 0; ow < out_w; ++ow) {
      const uint8_t k = where[oh * out_w + ow];
      grad_in[(2 * oh + k / 2) * width + 2 * ow + k % 2] = grad_out[oh * out_w + ow];
    }
  }
}

// Returns (output, window positions); positions are only produced when `record` is set.
std::pair<torch::Tensor, torch::Tensor> pool(const torch::Tensor& input, bool record) {
  const auto x = input.contiguous();
  const int64_t planes = x.size(0) * x.size(1), height = x.size(2), width = x.size(3);
  const int64_t out_h = height / 2, out_w = width / 2;
  auto out = torch::empty({x.size(0), x.size(1), out_h, out_w}, x.options());
  torch::Tensor where = record ? torch::empty(out.sizes(), x.options().dtype(torch::kUInt8)) : torch::Tensor();
  const float* in_data = x.data_ptr<float>();
  float* out_data = out.data_ptr<float>();
  uint8_t* where_data = record ? where.data_ptr<uint8_t>() : nullptr;
  at::parallel_for(0, planes, 16, [&](int64_t first, int64_t last) {
    for (int64_t p = first; p < last; ++p)
      pool_plane(in_data + p * height * width, out_data + p * out_h * out_w,
                 where_data ? where_data + p * out_h * out_w : nullptr, width, out_h, out_w);
  });
  return {out, where};
}

class MaxPool2x2Function : public torch::autograd::Function<MaxPool2x2Function> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input) {
    auto [out, where] = pool(input, /*record=*/true);
    ctx->save_for_backward({where});
    ctx->saved_data["input_sizes"] = input.sizes().vec();
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto where = ctx->get_saved_variables()[0];
    const auto sizes = ctx->saved_data["input_sizes"].toIntVector();
    const auto grad_out = grads[0].contiguous();
    auto grad_in = torch::zeros(sizes, grad_out.options());
    const int64_t planes = sizes[0] * sizes[1], height = sizes[2], width = sizes[3];
    const int64_t out_h = where.size(2), out_w = where.size(3);
    const float* g = grad_out.data_ptr<float>();
    const uint8_t* w = where.data_ptr<uint8_t>();
    float* gi = grad_in.data_ptr<float>();
    at::parallel_for(0, planes, 16, [&](int64_t first, int64_t last) {
      for (int64_t p = first; p < last; ++p)
        unpool_plane(g + p * out_h * out_w, w + p * out_h * out_w, gi + p * height * width, width,
                     out_h, out_w);
    });
    return {grad_in};
  }
};

}  // namespace

torch::Tensor max_pool_2x2(const torch::Tensor& input) {
  TORCH_CHECK(input.dim() == 4, "max_pool_2x2 expects [N, C, H, W], got ", input.sizes());
  if (input.scalar_type() != torch::kFloat32 || !input.device().is_cpu())
    return torch::max_pool2d(input, {2, 2});
  if (!torch::GradMode::is_enabled() || !input.requires_grad()) return pool(input, false).first;
  return MaxPool2x2Function::apply(input);
}

}  // namespace modlr
