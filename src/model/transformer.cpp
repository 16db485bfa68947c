// Transformer blocks and the encoder classifier (model/transformer.h).
#include "modlr/model/transformer.h"

#include <cmath>

namespace modlr {

MultiHeadAttentionImpl::MultiHeadAttentionImpl(int64_t embed_dim, int64_t heads, double dropout)
    : embed_dim_(embed_dim), heads_(heads), dropout_(dropout) {
  if (heads < 1 || embed_dim % heads != 0)
    throw Error("attention: d_model " + std::to_string(embed_dim) + " is not divisible by heads " +
                std::to_string(heads));
  // PyTorch's order: the parameters, out_proj (which draws its initial weights), then
  // xavier on the stacked projections and zero biases.
  in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * embed_dim, embed_dim}));
  in_proj_bias = register_parameter("in_proj_bias", torch::empty({3 * embed_dim}));
  out_proj = register_module("out_proj", torch::nn::Linear(embed_dim, embed_dim));
  const torch::NoGradGuard no_grad;
  torch::nn::init::xavier_uniform_(in_proj_weight);
  in_proj_bias.zero_();
  out_proj->bias.zero_();
}

torch::Tensor MultiHeadAttentionImpl::forward(const torch::Tensor& query, const torch::Tensor& key,
                                              const torch::Tensor& value, const torch::Tensor& key_padding_mask,
                                              bool causal) {
  const int64_t n = query.size(0), t = query.size(1), s = key.size(1), depth = embed_dim_ / heads_;
  const auto weights = in_proj_weight.chunk(3);
  const auto biases = in_proj_bias.chunk(3);
  const auto project = [&](const torch::Tensor& x, size_t which, int64_t steps) {
    return torch::linear(x, weights[which], biases[which]).view({n, steps, heads_, depth}).transpose(1, 2);
  };
  const auto q = project(query, 0, t), k = project(key, 1, s), v = project(value, 2, s);
  // SDPA's boolean mask is true where attention is allowed: the opposite of padding.
  torch::Tensor allowed;
  if (key_padding_mask.defined()) allowed = key_padding_mask.logical_not().view({n, 1, 1, s});
  if (causal) {
    const auto lower = torch::ones({t, s}, query.options().dtype(torch::kBool)).tril();
    allowed = allowed.defined() ? allowed.logical_and(lower) : lower;
  }
  const auto attended = torch::scaled_dot_product_attention(
      q, k, v, allowed.defined() ? std::optional<torch::Tensor>(allowed) : std::nullopt, is_training() ? dropout_ : 0.0,
      /*is_causal=*/false);
  return out_proj(attended.transpose(1, 2).reshape({n, t, embed_dim_}));
}

namespace {

torch::Tensor activate(const torch::Tensor& x, const std::string& activation) {
  return activation == "gelu" ? torch::gelu(x) : torch::relu(x);
}

}  // namespace

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(const TransformerLayerOptions& o) : options_(o) {
  // cppcheck-suppress useInitializationList ; register_module needs the constructed module
  self_attn_ = register_module("self_attn", MultiHeadAttention(o.d_model, o.heads, o.attention_dropout));
  linear1_ = register_module("linear1", torch::nn::Linear(o.d_model, o.feedforward));
  dropout_ = register_module("dropout", torch::nn::Dropout(o.dropout));
  linear2_ = register_module("linear2", torch::nn::Linear(o.feedforward, o.d_model));
  norm1_ = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.d_model})));
  norm2_ = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.d_model})));
  dropout1_ = register_module("dropout1", torch::nn::Dropout(o.dropout));
  dropout2_ = register_module("dropout2", torch::nn::Dropout(o.dropout));
}

torch::Tensor TransformerEncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& padding) {
  const auto attend = [&](const torch::Tensor& y) { return dropout1_(self_attn_(y, y, y, padding)); };
  const auto feed = [&](const torch::Tensor& y) {
    return dropout2_(linear2_(dropout_(activate(linear1_(y), options_.activation))));
  };
  if (options_.norm_first) {
    const auto h = x + attend(norm1_(x));
    return h + feed(norm2_(h));
  }
  const auto h = norm1_(x + attend(x));
  return norm2_(h + feed(h));
}

TransformerDecoderLayerImpl::TransformerDecoderLayerImpl(const TransformerLayerOptions& o) : options_(o) {
  // cppcheck-suppress useInitializationList ; register_module needs the constructed module
  self_attn_ = register_module("self_attn", MultiHeadAttention(o.d_model, o.heads, o.attention_dropout));
  multihead_attn_ = register_module("multihead_attn", MultiHeadAttention(o.d_model, o.heads, o.attention_dropout));
  linear1_ = register_module("linear1", torch::nn::Linear(o.d_model, o.feedforward));
  dropout_ = register_module("dropout", torch::nn::Dropout(o.dropout));
  linear2_ = register_module("linear2", torch::nn::Linear(o.feedforward, o.d_model));
  norm1_ = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.d_model})));
  norm2_ = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.d_model})));
  norm3_ = register_module("norm3", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.d_model})));
  dropout1_ = register_module("dropout1", torch::nn::Dropout(o.dropout));
  dropout2_ = register_module("dropout2", torch::nn::Dropout(o.dropout));
  dropout3_ = register_module("dropout3", torch::nn::Dropout(o.dropout));
}

torch::Tensor TransformerDecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& memory,
                                                   const torch::Tensor& padding, const torch::Tensor& memory_padding) {
  const auto self = [&](const torch::Tensor& y) { return dropout1_(self_attn_(y, y, y, padding, /*causal=*/true)); };
  const auto cross = [&](const torch::Tensor& y) {
    return dropout2_(multihead_attn_(y, memory, memory, memory_padding));
  };
  const auto feed = [&](const torch::Tensor& y) {
    return dropout3_(linear2_(dropout_(activate(linear1_(y), options_.activation))));
  };
  if (options_.norm_first) {
    auto h = x + self(norm1_(x));
    h = h + cross(norm2_(h));
    return h + feed(norm3_(h));
  }
  auto h = norm1_(x + self(x));
  h = norm2_(h + cross(h));
  return norm3_(h + feed(h));
}

torch::Tensor sinusoidal_positions(int64_t max_length, int64_t d_model) {
  if (d_model % 2 != 0) throw Error("sinusoidal positions need an even d_model, got " + std::to_string(d_model));
  const auto position = torch::arange(max_length, torch::kFloat).unsqueeze(1);
  const auto frequency = torch::exp(torch::arange(0, d_model, 2, torch::kFloat) * (-std::log(10000.0) / d_model));
  auto table = torch::zeros({max_length, d_model});
  table.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, torch::indexing::None, 2)},
                   torch::sin(position * frequency));
  table.index_put_({torch::indexing::Slice(), torch::indexing::Slice(1, torch::indexing::None, 2)},
                   torch::cos(position * frequency));
  return table;
}

void init_token_embedding(torch::nn::Embedding& table, int64_t d_model) {
  const torch::NoGradGuard no_grad;
  table->weight.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(d_model)));
  table->weight[0].zero_();
}

}  // namespace modlr
