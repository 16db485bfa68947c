#pragma once
/// Transformer building blocks on libtorch's scaled_dot_product_attention, batch first, and
/// the Transformer encoder classifier built from them.
///
/// Masks have one meaning everywhere: a boolean key-padding mask [N, S] is true where a key
/// is padding (ignored), as PyTorch's nn.MultiheadAttention reads a boolean mask; `causal`
/// lets query t attend to keys 0..t only. Every query must keep at least one key (a row of
/// only padding is the caller's to avoid: the classifier counts an all-padding row as one
/// token). libtorch's own MultiheadAttention adds float masks and is sequence-first
/// (pytorch/pytorch#80494), hence these.
///
/// Parameter names and creation order are those of PyTorch's nn.MultiheadAttention and
/// nn.TransformerEncoderLayer / nn.TransformerDecoderLayer (in_proj_weight, out_proj.weight,
/// linear1, norm1, ...), so their state_dicts load; the arithmetic is written out (no fused
/// fast path), so the Python twin (reference/modlr_twin) matches it bit for bit on the CPU.
#include <string>

#include "modlr/model/model.h"

namespace modlr {

/// Multi-head attention. Parameters: in_proj_weight [3E, E], in_proj_bias [3E] (query,
/// key, value projections stacked), out_proj (Linear E -> E); initialised as PyTorch does.
class MultiHeadAttentionImpl : public torch::nn::Module {
 public:
  /// embed_dim E must be divisible by heads; dropout is on the attention weights (training).
  MultiHeadAttentionImpl(int64_t embed_dim, int64_t heads, double dropout);
  /// query [N, T, E], key and value [N, S, E]; key_padding_mask bool [N, S] or undefined.
  /// Returns [N, T, E].
  torch::Tensor forward(const torch::Tensor& query, const torch::Tensor& key, const torch::Tensor& value,
                        const torch::Tensor& key_padding_mask = {}, bool causal = false);

  torch::Tensor in_proj_weight, in_proj_bias;
  torch::nn::Linear out_proj{nullptr};

 private:
  int64_t embed_dim_, heads_;
  double dropout_;
};
TORCH_MODULE(MultiHeadAttention);

struct TransformerLayerOptions {
  int64_t d_model = 128;
  int64_t heads = 4;
  int64_t feedforward = 512;  ///< the feed-forward block's inner width
  double dropout = 0.1;       ///< after attention and feed-forward, and inside the latter
  /// On the attention weights. Any but 0 makes scaled_dot_product_attention take its
  /// unfused path on the CPU (measured 6.5x slower per attention at 400 tokens).
  double attention_dropout = 0.0;
  std::string activation = "relu";  ///< relu | gelu
  bool norm_first = false;          ///< pre-norm (LayerNorm before each block) or post-norm
};

/// Self-attention then feed-forward, each with a residual connection and LayerNorm.
/// x [N, T, d_model], padding bool [N, T] (true = padding) -> [N, T, d_model].
class TransformerEncoderLayerImpl : public torch::nn::Module {
 public:
  explicit TransformerEncoderLayerImpl(const TransformerLayerOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& padding = {});

 private:
  TransformerLayerOptions options_;
  MultiHeadAttention self_attn_{nullptr};
  torch::nn::Linear linear1_{nullptr}, linear2_{nullptr};
  torch::nn::Dropout dropout_{nullptr}, dropout1_{nullptr}, dropout2_{nullptr};
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
};
TORCH_MODULE(TransformerEncoderLayer);

/// Causal self-attention, attention over the encoder's output (memory), feed-forward.
/// x [N, T, d_model], memory [N, S, d_model]; padding bool [N, T], memory_padding bool
/// [N, S] (true = padding) -> [N, T, d_model].
class TransformerDecoderLayerImpl : public torch::nn::Module {
 public:
  explicit TransformerDecoderLayerImpl(const TransformerLayerOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& memory, const torch::Tensor& padding = {},
                        const torch::Tensor& memory_padding = {});

 private:
  TransformerLayerOptions options_;
  MultiHeadAttention self_attn_{nullptr}, multihead_attn_{nullptr};
  torch::nn::Linear linear1_{nullptr}, linear2_{nullptr};
  torch::nn::Dropout dropout_{nullptr}, dropout1_{nullptr}, dropout2_{nullptr}, dropout3_{nullptr};
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr}, norm3_{nullptr};
};
TORCH_MODULE(TransformerDecoderLayer);

/// The sinusoidal position encoding of "Attention is all you need": [max_length, d_model],
/// even columns sin(pos / 10000^(2i/d)), odd columns the cos of the same angle (d even).
torch::Tensor sinusoidal_positions(int64_t max_length, int64_t d_model);

/// Re-draws a token embedding table N(0, 1/d_model) and zeroes its <pad> row 0. Scaled by
/// sqrt(d_model) in the forward pass the embeddings are of unit variance, as the positions;
/// PyTorch's N(0, 1) would be of variance d_model there, and Adam's steps of about lr would
/// move such large entries too slowly for words seen a few times.
void init_token_embedding(torch::nn::Embedding& table, int64_t d_model);

struct TransformerClassifierOptions {
  int64_t vocab_size = 0;
  int64_t max_length = 512;              ///< the longest input (positions)
  std::string positions = "sinusoidal";  ///< sinusoidal | learned
  int64_t layers = 2;
  TransformerLayerOptions layer;
  std::string pooling = "mean";  ///< mean | max (over each row's own length) | first (token 0)
  int64_t classes = 2;
};

/// A Transformer encoder over token ids (IMDb sentiment and the like), registered as
/// `transformer_classifier`:
///   embedding (padding_idx 0, init_token_embedding) x sqrt(d_model) + positions - dropout - `layers` encoder
///   layers (padding masked) - [LayerNorm when norm_first] - pooling - fc (-> logits).
/// Config (model section): vocab_size (required), d_model: 128, heads: 4, layers: 2,
/// feedforward: 512, dropout: 0.1, attention_dropout: 0, activation: relu | gelu, norm_first: false,
/// positions: sinusoidal | learned, max_length: 512, pooling: mean | max | first, classes: 2.
///
/// Input: int64 token ids [N, T], right-padded with 0 (a row's length is its count of
/// non-zero ids, at least 1); T beyond the longest row is cut, so more padding columns give
/// the same logits. Ids outside [0, vocab_size) and rows longer than max_length are errors
/// naming the key. Output: logits [N, classes].
/// Parameters: embedding.weight, [positions.weight when learned], layers.K.* (as PyTorch's
/// TransformerEncoderLayer), [norm.*], fc.*; sinusoidal positions are the buffer
/// positions_table.
class TransformerClassifier : public Model {
 public:
  explicit TransformerClassifier(const TransformerClassifierOptions& options);
  torch::Tensor forward(torch::Tensor x) override;
  /// Reports embedding ([N, T', d]), each layer ("layers.K"), [norm], pool ([N, d]), fc.
  torch::Tensor forward_observed(torch::Tensor x, const LayerObserver& observer) override;
  const TransformerClassifierOptions& options() const { return options_; }

 private:
  torch::Tensor run(const torch::Tensor& input, const LayerObserver* observer);
  void check_ids(const torch::Tensor& x) const;

  TransformerClassifierOptions options_;
  torch::nn::Embedding embedding_{nullptr}, learned_positions_{nullptr};
  torch::Tensor positions_table_;
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::ModuleList layers_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear fc_{nullptr};
};

}  // namespace modlr
