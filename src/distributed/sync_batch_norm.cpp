#include "modlr/distributed/sync_batch_norm.h"

#include <torch/torch.h>

#include "modlr/core/error.h"
#include "modlr/distributed/communicator.h"
#include "modlr/model/model_set.h"

namespace modlr {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Per-channel sums over every dimension but 1, of a [N, C, ...] tensor.
torch::Tensor channel_sums(const torch::Tensor& t) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < t.dim(); ++d) dims.push_back(d);
  return t.sum(dims, /*keepdim=*/false, torch::kFloat64);
}

torch::Tensor as_channels(const torch::Tensor& per_channel, const torch::Tensor& like) {
  std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
  shape[1] = like.size(1);
  return per_channel.to(like.scalar_type()).view(shape);
}

Communicator* communicator_of(AutogradContext* ctx) {
  // The communicator travels through autograd as an integer (a Function's saved data holds
  // IValues, not raw pointers).
  return reinterpret_cast<Communicator*>(ctx->saved_data["communicator"].toInt());  // NOLINT(performance-no-int-to-ptr)
}

struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, int64_t communicator, torch::nn::BatchNorm2dImpl* bn) {
    auto* comm = reinterpret_cast<Communicator*>(communicator);  // NOLINT(performance-no-int-to-ptr): see above
    const int64_t channels = x.size(1);
    auto stats = torch::cat(
        {channel_sums(x), channel_sums(x * x),
         // Exact: numel is a multiple of the channel count.
         torch::full(
             {1}, static_cast<double>(x.numel() / std::max<int64_t>(channels, 1)),  // NOLINT(bugprone-integer-division)
             torch::kFloat64)});
    comm->all_reduce_sum(stats);
    const double total = stats[2 * channels].item<double>();
    if (total < 2) throw Error("sync_batchnorm: fewer than 2 values per channel over all ranks");
    const auto mean = stats.narrow(0, 0, channels) / total;
    const auto var = (stats.narrow(0, channels, channels) / total - mean * mean).clamp_min(0);
    const auto invstd = (var + bn->options.eps()).rsqrt();
    {
      torch::NoGradGuard no_grad;
      const double momentum = bn->options.momentum().value_or(0.1);
      bn->running_mean.mul_(1 - momentum).add_(mean.to(bn->running_mean.scalar_type()), momentum);
      bn->running_var.mul_(1 - momentum)
          .add_((var * (total / (total - 1))).to(bn->running_var.scalar_type()), momentum);
      bn->num_batches_tracked.add_(1);
    }
    ctx->saved_data["communicator"] = communicator;
    ctx->saved_data["total"] = total;
    ctx->save_for_backward({x, weight, mean, invstd});
    auto y = (x - as_channels(mean, x)) * as_channels(invstd, x);
    return weight.defined() ? y * as_channels(weight, x) + as_channels(bias, x) : y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &weight = saved[1], &mean = saved[2], &invstd = saved[3];
    const double total = ctx->saved_data["total"].toDouble();
    const auto& dy = grads[0];
    const int64_t channels = x.size(1);
    const auto xmu = x - as_channels(mean, x);
    const auto local = torch::cat({channel_sums(dy), channel_sums(dy * xmu)});
    auto global = local.clone();
    communicator_of(ctx)->all_reduce_sum(global);
    const auto sum_dy = global.narrow(0, 0, channels), sum_dy_xmu = global.narrow(0, channels, channels);
    const auto scale = weight.defined() ? invstd * weight.to(torch::kFloat64) : invstd;
    auto dx = (dy - as_channels(sum_dy / total, x) - xmu * as_channels(invstd * invstd * sum_dy_xmu / total, x)) *
              as_channels(scale, x);
    torch::Tensor dweight, dbias;
    if (weight.defined()) {  // this rank's share; the gradient all-reduce adds the others'
      dweight = (local.narrow(0, channels, channels) * invstd).to(weight.scalar_type());
      dbias = local.narrow(0, 0, channels).to(weight.scalar_type());
    }
    return {dx, dweight, dbias, torch::Tensor(), torch::Tensor()};
  }
};

class SyncBatchNormImpl : public torch::nn::Module {
 public:
  SyncBatchNormImpl(std::shared_ptr<torch::nn::BatchNorm2dImpl> bn, Communicator& communicator)
      : bn_(std::move(bn)), communicator_(&communicator) {}
  torch::Tensor forward(const torch::Tensor& x) {
    if (!bn_->is_training() || !bn_->options.track_running_stats()) return bn_->forward(x);
    return SyncBatchNormFunction::apply(x, bn_->weight, bn_->bias, reinterpret_cast<int64_t>(communicator_), bn_.get());
  }

 private:
  std::shared_ptr<torch::nn::BatchNorm2dImpl> bn_;
  Communicator* communicator_;
};
TORCH_MODULE(SyncBatchNorm);

}  // namespace

int64_t synchronize_batch_norms(ModelSet& models, Communicator& communicator) {
  int64_t switched = 0;
  for (const auto& name : models.names())
    switched += models.get(name).replace_forwards("BatchNorm2d", [&](const std::shared_ptr<torch::nn::Module>& layer) {
      auto bn = std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(layer);
      if (!bn) throw Error("sync_batchnorm: a BatchNorm2d layer of model '" + name + "' is not one");
      return torch::nn::AnyModule(SyncBatchNorm(bn, communicator));
    });
  return switched;
}

}  // namespace modlr
