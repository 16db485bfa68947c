#include "modlr/fast/split_linear.h"

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>

#include "modlr/model/model.h"

// MKL's per-thread thread count (the C entry point behind mkl_service.h's macro
// mkl_set_num_threads_local), exported by libtorch builds that link MKL (PyPI's x86 wheels);
// weak, so that a libtorch on another BLAS links too (and keeps that BLAS's own behaviour).
extern "C" int MKL_Set_Num_Threads_Local(int threads) __attribute__((weak));

namespace modlr {
namespace {

// Makes MKL run this thread's products on one thread while it lives. at::set_num_threads sets
// MKL's count on the calling thread only; a worker of libtorch's pool keeps MKL's default, and
// there MKL rounded a half's product differently from the same product on a 1-thread caller
// (seen with MKL 2024.2 on AVX-512): without this, the halves' results depended on the thread count.
class OneBlasThreadHere {
 public:
  OneBlasThreadHere() : previous_(MKL_Set_Num_Threads_Local ? MKL_Set_Num_Threads_Local(1) : 0) {}
  ~OneBlasThreadHere() {
    if (MKL_Set_Num_Threads_Local) MKL_Set_Num_Threads_Local(previous_);  // 0: back to the global count
  }
  OneBlasThreadHere(const OneBlasThreadHere&) = delete;
  OneBlasThreadHere& operator=(const OneBlasThreadHere&) = delete;

 private:
  int previous_;
};

// Rows [0, n/2) and [n/2, n): the two halves, whatever the thread count.
std::pair<int64_t, int64_t> half_range(int64_t part, int64_t n) {
  const int64_t middle = n / 2;
  return part == 0 ? std::make_pair(int64_t{0}, middle) : std::make_pair(middle, n);
}

// Runs work(0) and work(1), on two threads when libtorch has them. Grad and inference modes
// are per thread: the worker takes the caller's (the products write into preallocated
// tensors, which autograd forbids, and inference tensors only take writes in inference mode).
template <typename Work>
void in_two_halves(Work&& work) {
  const at::ThreadLocalState caller;
  at::parallel_for(0, 2, 1, [&](int64_t first, int64_t last) {
    const at::ThreadLocalStateGuard same_modes(caller);
    const OneBlasThreadHere one_blas_thread;
    for (int64_t part = first; part < last; ++part) work(part);
  });
}

torch::Tensor forward_halves(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias) {
  auto out = torch::empty({input.size(0), weight.size(0)}, input.options());
  in_two_halves([&](int64_t part) {
    const auto [begin, end] = half_range(part, input.size(0));
    if (begin == end) return;
    auto rows = out.slice(0, begin, end);
    if (bias.defined())
      at::addmm_out(rows, bias, input.slice(0, begin, end), weight.t());
    else
      at::mm_out(rows, input.slice(0, begin, end), weight.t());
  });
  return out;
}

class SplitLinearFunction : public torch::autograd::Function<SplitLinearFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input,
                               const torch::Tensor& weight, const torch::Tensor& bias) {
    ctx->save_for_backward({input, weight});
    const bool has_bias = bias.numel() > 0;
    ctx->saved_data["has_bias"] = has_bias;
    return forward_halves(input, weight, has_bias ? bias : torch::Tensor());
  }

  // Each half: its rows of the input gradient and its output features' weight gradient.
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& input = saved[0];
    const auto& weight = saved[1];
    const auto grad = grads[0].contiguous();
    const bool want_input = ctx->needs_input_grad(0), want_weight = ctx->needs_input_grad(1);
    torch::Tensor grad_input, grad_weight, grad_bias;
    if (want_input) grad_input = torch::empty_like(input);
    if (want_weight) grad_weight = torch::empty_like(weight);
    in_two_halves([&](int64_t part) {
      const auto [row0, row1] = half_range(part, input.size(0));
      if (want_input && row0 < row1) {
        auto rows = grad_input.slice(0, row0, row1);
        at::mm_out(rows, grad.slice(0, row0, row1), weight);
      }
      const auto [out0, out1] = half_range(part, weight.size(0));
      if (want_weight && out0 < out1) {
        auto features = grad_weight.slice(0, out0, out1);
        at::mm_out(features, grad.slice(1, out0, out1).t(), input);
      }
    });
    if (ctx->needs_input_grad(2) && ctx->saved_data["has_bias"].toBool()) grad_bias = grad.sum(0);
    return {grad_input, grad_weight, grad_bias};
  }
};

}  // namespace

torch::Tensor split_linear(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias) {
  TORCH_CHECK(input.dim() == 2 && weight.dim() == 2 && input.size(1) == weight.size(1),
              "split_linear: input [N, in] and weight [out, in] expected, got ", input.sizes(), " and ",
              weight.sizes());
  const auto x = input.contiguous();
  const bool wants_grad = x.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad());
  if (!torch::GradMode::is_enabled() || !wants_grad) return forward_halves(x, weight, bias);
  // autograd's apply cannot take an undefined tensor: "no bias" travels as an empty one.
  return SplitLinearFunction::apply(x, weight, bias.defined() ? bias : torch::empty({0}, weight.options()));
}

torch::Tensor SplitLinearImpl::forward(const torch::Tensor& x) {
  const auto& w = linear_->weight;
  // On one thread the halves would only run one after the other, a little slower than one product.
  if (at::get_num_threads() < 2 || x.dim() != 2 || !x.device().is_cpu() || x.scalar_type() != torch::kFloat32 ||
      w.scalar_type() != torch::kFloat32)
    return linear_->forward(x);
  return split_linear(x, w, linear_->bias);
}

}  // namespace modlr

namespace modlr {

MODLR_REGISTER(fast_layer_registry, "Linear",
               [](const std::shared_ptr<torch::nn::Module>& layer) -> torch::nn::AnyModule {
                 auto linear = std::dynamic_pointer_cast<torch::nn::LinearImpl>(layer);
                 if (!linear) return {};
                 return torch::nn::AnyModule(SplitLinear(torch::nn::Linear(linear)));
               });

}  // namespace modlr
