#pragma once
/// The encoder-decoder Transformer of "Attention is all you need", for translation,
/// registered as `transformer_translator`:
///   source: embedding (padding_idx 0) x sqrt(d) + positions - dropout - `encoder_layers`
///     encoder layers (source padding masked) - [encoder_norm when norm_first];
///   target prefix: embedding x sqrt(d) + positions - dropout - `decoder_layers` decoder
///     layers (causal, target padding and source padding masked) - [decoder_norm] -
///     generator (Linear d -> target vocabulary: next-token logits).
/// Config (model section): source_vocab_size, target_vocab_size (required: the sizes
/// `modlr data` reports for the dataset's two vocabularies, or more), d_model: 256,
/// heads: 8, encoder_layers: 3, decoder_layers: 3, feedforward: 512, dropout: 0.1,
/// attention_dropout: 0, activation: relu | gelu, norm_first: false,
/// positions: sinusoidal | learned, max_length: 100 (= dataset.max_length),
/// tie_embeddings: false (true: the generator's weight is the target embedding's, as in
/// the paper; its bias stays its own). Both embeddings start as N(0, 1/d_model) (fairseq's
/// and the paper's scale: times sqrt(d) they are of unit variance, and tied, the logits
/// start of unit variance too), the <pad> rows 0.
///
/// Shapes: source ids int64 [N, S] -> memory [N, S', d] (S' = the longest row);
/// decode(prefix [N, T]) -> logits [N, T, target_vocab_size]; forward(source) -> greedy
/// translation ids [N, L] (model/seq2seq.h). Ids outside a vocabulary and sequences longer
/// than max_length are errors naming the key.
/// Parameters: source_embedding.weight, target_embedding.weight, [source_positions.weight,
/// target_positions.weight when learned], encoder.K.* / decoder.K.* (as PyTorch's
/// TransformerEncoderLayer / TransformerDecoderLayer), [encoder_norm.*, decoder_norm.*],
/// generator.weight (absent when tied), generator.bias; sinusoidal positions are the buffer
/// positions_table.
#include "modlr/model/seq2seq.h"
#include "modlr/model/transformer.h"

namespace modlr {

struct TransformerTranslatorOptions {
  int64_t source_vocab_size = 0, target_vocab_size = 0;
  int64_t max_length = 100;
  std::string positions = "sinusoidal";  ///< sinusoidal | learned
  int64_t encoder_layers = 3, decoder_layers = 3;
  TransformerLayerOptions layer{256, 8, 512, 0.1, 0.0, "relu", false};
  bool tie_embeddings = false;
  /// Reads the model section described above; errors name the key.
  static TransformerTranslatorOptions from_config(const Config& c);
};

class TransformerTranslator : public Seq2SeqModel {
 public:
  explicit TransformerTranslator(const TransformerTranslatorOptions& options);
  Encoded encode(const torch::Tensor& source) override;
  torch::Tensor decode(const Encoded& encoded, const torch::Tensor& prefix) override;
  torch::Tensor next_token_logits(const Encoded& encoded, const torch::Tensor& prefix) override;
  int64_t max_length() const override { return options_.max_length; }
  /// Reports the encoder's layers on the source, the decoder's layers and the generator on
  /// the first step (the <bos> prefix), then returns forward(source) as "search".
  torch::Tensor forward_observed(torch::Tensor source, const LayerObserver& observer) override;
  const TransformerTranslatorOptions& options() const { return options_; }

 private:
  Encoded run_encoder(const torch::Tensor& input, const LayerObserver* observer);
  /// The decoder's output [N, T, d] (before the generator).
  torch::Tensor run_decoder(const Encoded& encoded, const torch::Tensor& prefix, const LayerObserver* observer);
  torch::Tensor embed(torch::nn::Embedding& embedding, torch::nn::Embedding& learned, const torch::Tensor& ids);

  TransformerTranslatorOptions options_;
  torch::nn::Embedding source_embedding_{nullptr}, target_embedding_{nullptr};
  torch::nn::Embedding source_positions_{nullptr}, target_positions_{nullptr};
  torch::Tensor positions_table_;
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::ModuleList encoder_{nullptr}, decoder_{nullptr};
  torch::nn::LayerNorm encoder_norm_{nullptr}, decoder_norm_{nullptr};
  /// The generator's weight [target vocabulary, d] (the target embedding's when tied) and bias.
  torch::Tensor generator_weight_, generator_bias_;
};

}  // namespace modlr
