// Token-id inputs of the sequence models (token_ids.h).
#include "token_ids.h"

#include <limits>

#include "modlr/core/error.h"

namespace modlr {

void check_token_ids(const torch::Tensor& ids, int64_t vocab_size, const std::string& model, const std::string& key) {
  if (ids.dim() != 2 || ids.scalar_type() != torch::kLong || ids.size(1) == 0)
    throw Error("model '" + model + "': expected int64 token ids [N, T], got " +
                std::string(c10::toString(ids.scalar_type())) + " " + c10::str(ids.sizes()));
  if (ids.size(0) == 0) return;  // a shape pass (runner/shape_check.h): no values to check
  const auto low = ids.min().item<int64_t>(), high = ids.max().item<int64_t>();
  if (low < 0 || high >= vocab_size)
    throw Error("model '" + model + "': token id " + std::to_string(low < 0 ? low : high) + " is outside [0, model." +
                key + " = " + std::to_string(vocab_size) + "): set model." + key +
                " to at least the vocabulary size (dataset.max_size)");
}

std::pair<torch::Tensor, torch::Tensor> lengths_and_cut(const torch::Tensor& ids) {
  auto lengths = ids.ne(0).sum(1).clamp_min(1);
  // Extra padding never counts; an empty batch (a shape pass) has no lengths to cut to.
  auto cut = ids.size(0) == 0 ? ids : ids.narrow(1, 0, lengths.max().item<int64_t>());
  return {std::move(lengths), std::move(cut)};
}

namespace {

// bool [N, T, 1]: step t of row i is past lengths[i].
torch::Tensor padded_steps(const torch::Tensor& outputs, const torch::Tensor& lengths) {
  return torch::arange(outputs.size(1), lengths.options()).view({1, -1, 1}) >= lengths.view({-1, 1, 1});
}

}  // namespace

torch::Tensor masked_mean(const torch::Tensor& outputs, const torch::Tensor& lengths) {
  const auto padding = padded_steps(outputs, lengths);
  return outputs.masked_fill(padding, 0.0).sum(1) / lengths.to(outputs.scalar_type()).unsqueeze(1);
}

torch::Tensor masked_max(const torch::Tensor& outputs, const torch::Tensor& lengths) {
  const auto padding = padded_steps(outputs, lengths);
  return std::get<0>(outputs.masked_fill(padding, -std::numeric_limits<double>::infinity()).max(1));
}

double read_dropout(const Config& c, const std::string& key, double fallback) {
  const double p = c.get<double>(key, fallback);
  if (p < 0 || p >= 1) c.fail(key, "must be in [0, 1)");
  return p;
}

}  // namespace modlr
