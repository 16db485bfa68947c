// The encoder-decoder Transformer (model/transformer_translator.h) and its registration.
#include "modlr/model/transformer_translator.h"

#include <cmath>

#include "token_ids.h"

namespace modlr {

namespace {

constexpr const char* kName = "transformer_translator";

void check_length(int64_t steps, int64_t max_length, const char* what) {
  if (steps > max_length)
    throw Error(std::string("model '") + kName + "': a " + what + " of " + std::to_string(steps) +
                " tokens is longer than model.max_length = " + std::to_string(max_length));
}

}  // namespace

TransformerTranslator::TransformerTranslator(const TransformerTranslatorOptions& o) : options_(o) {
  // Creation order = the twin's module order, so initial weights draw the same.
  const auto embedding = [&](int64_t vocabulary) {
    return torch::nn::Embedding(torch::nn::EmbeddingOptions(vocabulary, o.layer.d_model).padding_idx(0));
  };
  // cppcheck-suppress useInitializationList ; register_module needs the constructed module
  source_embedding_ = register_module("source_embedding", embedding(o.source_vocab_size));
  target_embedding_ = register_module("target_embedding", embedding(o.target_vocab_size));
  init_token_embedding(source_embedding_, o.layer.d_model);
  init_token_embedding(target_embedding_, o.layer.d_model);
  if (o.positions == "learned") {
    source_positions_ = register_module("source_positions", torch::nn::Embedding(o.max_length, o.layer.d_model));
    target_positions_ = register_module("target_positions", torch::nn::Embedding(o.max_length, o.layer.d_model));
  } else {
    positions_table_ = register_buffer("positions_table", sinusoidal_positions(o.max_length, o.layer.d_model));
  }
  dropout_ = register_module("dropout", torch::nn::Dropout(o.layer.dropout));
  encoder_ = register_module("encoder", torch::nn::ModuleList());
  for (int64_t k = 0; k < o.encoder_layers; ++k) encoder_->push_back(TransformerEncoderLayer(o.layer));
  decoder_ = register_module("decoder", torch::nn::ModuleList());
  for (int64_t k = 0; k < o.decoder_layers; ++k) decoder_->push_back(TransformerDecoderLayer(o.layer));
  if (o.layer.norm_first) {
    encoder_norm_ =
        register_module("encoder_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.layer.d_model})));
    decoder_norm_ =
        register_module("decoder_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.layer.d_model})));
  }
  // A Linear's parameters and initialisation (kaiming-uniform weight, uniform bias in
  // +-1/sqrt(d)); tied, the weight is the target embedding's and only the bias is drawn.
  auto generator = register_module("generator", std::make_shared<torch::nn::Module>("Generator"));
  const torch::NoGradGuard no_grad;
  if (o.tie_embeddings) {
    generator_weight_ = target_embedding_->weight;
  } else {
    generator_weight_ = generator->register_parameter("weight", torch::empty({o.target_vocab_size, o.layer.d_model}));
    torch::nn::init::kaiming_uniform_(generator_weight_, std::sqrt(5.0));
  }
  generator_bias_ = generator->register_parameter("bias", torch::empty({o.target_vocab_size}));
  const double bound = 1.0 / std::sqrt(static_cast<double>(o.layer.d_model));
  generator_bias_.uniform_(-bound, bound);
}

torch::Tensor TransformerTranslator::embed(torch::nn::Embedding& embedding, torch::nn::Embedding& learned,
                                           const torch::Tensor& ids) {
  const int64_t steps = ids.size(1);
  auto h = embedding(ids) * std::sqrt(static_cast<double>(options_.layer.d_model));
  h = h + (learned ? learned->weight.narrow(0, 0, steps) : positions_table_.narrow(0, 0, steps));
  return dropout_(h);
}

Encoded TransformerTranslator::run_encoder(const torch::Tensor& input, const LayerObserver* observer) {
  check_token_ids(input, options_.source_vocab_size, kName, "source_vocab_size");
  const auto [lengths, source] = lengths_and_cut(input);
  check_length(source.size(1), options_.max_length, "source sentence");
  const auto padding = torch::arange(source.size(1), lengths.options()).view({1, -1}) >= lengths.view({-1, 1});
  auto h = embed(source_embedding_, source_positions_, source);
  if (observer) (*observer)("source_embedding", "Embedding", *source_embedding_, h);
  for (size_t k = 0; k < encoder_->size(); ++k) {
    auto layer = encoder_->ptr<TransformerEncoderLayerImpl>(k);
    h = layer->forward(h, padding);
    if (observer) (*observer)("encoder." + std::to_string(k), layer_type_name(*layer), *layer, h);
  }
  if (encoder_norm_) h = encoder_norm_(h);
  return {h, padding};
}

torch::Tensor TransformerTranslator::run_decoder(const Encoded& encoded, const torch::Tensor& prefix,
                                                 const LayerObserver* observer) {
  check_token_ids(prefix, options_.target_vocab_size, kName, "target_vocab_size");
  check_length(prefix.size(1), options_.max_length, "target prefix");
  const auto padding = prefix == 0;
  auto h = embed(target_embedding_, target_positions_, prefix);
  if (observer) (*observer)("target_embedding", "Embedding", *target_embedding_, h);
  for (size_t k = 0; k < decoder_->size(); ++k) {
    auto layer = decoder_->ptr<TransformerDecoderLayerImpl>(k);
    h = layer->forward(h, encoded.memory, padding, encoded.padding);
    if (observer) (*observer)("decoder." + std::to_string(k), layer_type_name(*layer), *layer, h);
  }
  return decoder_norm_ ? decoder_norm_(h) : h;
}

Encoded TransformerTranslator::encode(const torch::Tensor& source) { return run_encoder(source, nullptr); }

torch::Tensor TransformerTranslator::decode(const Encoded& encoded, const torch::Tensor& prefix) {
  return torch::linear(run_decoder(encoded, prefix, nullptr), generator_weight_, generator_bias_);
}

torch::Tensor TransformerTranslator::next_token_logits(const Encoded& encoded, const torch::Tensor& prefix) {
  return torch::linear(run_decoder(encoded, prefix, nullptr).select(1, -1), generator_weight_, generator_bias_);
}

torch::Tensor TransformerTranslator::forward_observed(torch::Tensor source, const LayerObserver& observer) {
  const auto encoded = run_encoder(source, &observer);
  const auto h =
      run_decoder(encoded, torch::full({source.size(0), 1}, 2, source.options().dtype(torch::kInt64)), &observer);
  observer("generator", "Linear", *named_children()["generator"], torch::linear(h, generator_weight_, generator_bias_));
  auto translation = forward(source);
  const torch::nn::Module search_step;  // the search has no parameters of its own
  observer("search", "Search", search_step, translation);
  return translation;
}

TransformerTranslatorOptions TransformerTranslatorOptions::from_config(const Config& c) {
  TransformerTranslatorOptions o;
  for (const auto* key : {"source_vocab_size", "target_vocab_size"}) {
    const auto size = c.get<int64_t>(key);
    if (size < 5) c.fail(key, "must be >= 5 (4 special tokens and a word), got " + std::to_string(size));
    (std::string(key) == "source_vocab_size" ? o.source_vocab_size : o.target_vocab_size) = size;
  }
  o.layer.d_model = c.get_count("d_model", o.layer.d_model);
  o.layer.heads = c.get_count("heads", o.layer.heads);
  if (o.layer.d_model % o.layer.heads != 0)
    c.fail("heads",
           "must divide d_model = " + std::to_string(o.layer.d_model) + ", got " + std::to_string(o.layer.heads));
  o.encoder_layers = c.get_count("encoder_layers", o.encoder_layers);
  o.decoder_layers = c.get_count("decoder_layers", o.decoder_layers);
  o.layer.feedforward = c.get_count("feedforward", o.layer.feedforward);
  o.layer.dropout = read_dropout(c, "dropout", o.layer.dropout);
  o.layer.attention_dropout = read_dropout(c, "attention_dropout");
  o.layer.activation = c.get_choice("activation", o.layer.activation, {"relu", "gelu"});
  o.layer.norm_first = c.get<bool>("norm_first", o.layer.norm_first);
  o.positions = c.get_choice("positions", o.positions, {"sinusoidal", "learned"});
  if (o.positions == "sinusoidal" && o.layer.d_model % 2 != 0)
    c.fail("d_model", "must be even for sinusoidal positions, got " + std::to_string(o.layer.d_model));
  o.max_length = c.get_count("max_length", o.max_length);
  if (o.max_length < 3) c.fail("max_length", "must be >= 3 (<bos>, a token, <eos>)");
  o.tie_embeddings = c.get<bool>("tie_embeddings", o.tie_embeddings);
  return o;
}

MODLR_REGISTER(model_registry, kName, [](const Config& c) -> std::shared_ptr<Model> {
  return std::make_shared<TransformerTranslator>(TransformerTranslatorOptions::from_config(c));
});

}  // namespace modlr
