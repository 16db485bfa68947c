// The Transformer encoder classifier (model/transformer.h) and its registration.
#include <cmath>

#include "modlr/model/transformer.h"
#include "token_ids.h"

namespace modlr {

TransformerClassifier::TransformerClassifier(const TransformerClassifierOptions& o) : options_(o) {
  // Creation order = the twin's module order, so initial weights draw the same.
  // cppcheck-suppress useInitializationList ; register_module needs the constructed module
  embedding_ = register_module(
      "embedding", torch::nn::Embedding(torch::nn::EmbeddingOptions(o.vocab_size, o.layer.d_model).padding_idx(0)));
  init_token_embedding(embedding_, o.layer.d_model);
  if (o.positions == "learned")
    learned_positions_ = register_module("positions", torch::nn::Embedding(o.max_length, o.layer.d_model));
  else
    positions_table_ = register_buffer("positions_table", sinusoidal_positions(o.max_length, o.layer.d_model));
  dropout_ = register_module("dropout", torch::nn::Dropout(o.layer.dropout));
  layers_ = register_module("layers", torch::nn::ModuleList());
  for (int64_t k = 0; k < o.layers; ++k) layers_->push_back(TransformerEncoderLayer(o.layer));
  if (o.layer.norm_first)
    norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.layer.d_model})));
  fc_ = register_module("fc", torch::nn::Linear(o.layer.d_model, o.classes));
}

void TransformerClassifier::check_ids(const torch::Tensor& x) const {
  check_token_ids(x, options_.vocab_size, "transformer_classifier");
}

torch::Tensor TransformerClassifier::run(const torch::Tensor& input, const LayerObserver* observer) {
  check_ids(input);
  const auto report = [&](const std::string& name, const torch::nn::Module& layer, const torch::Tensor& y) {
    if (observer) (*observer)(name, layer_type_name(layer), layer, y);
  };
  const auto [lengths, x] = lengths_and_cut(input);
  const int64_t steps = x.size(1);
  if (steps > options_.max_length)
    throw Error("model 'transformer_classifier': a row of " + std::to_string(steps) +
                " tokens is longer than model.max_length = " + std::to_string(options_.max_length) +
                " (raise it, or cut the rows: dataset.max_length)");
  const auto padding = torch::arange(steps, lengths.options()).view({1, -1}) >= lengths.view({-1, 1});
  auto h = embedding_(x) * std::sqrt(static_cast<double>(options_.layer.d_model));
  h = h + (learned_positions_ ? learned_positions_->weight.narrow(0, 0, steps) : positions_table_.narrow(0, 0, steps));
  h = dropout_(h);
  report("embedding", *embedding_, h);
  for (size_t k = 0; k < layers_->size(); ++k) {
    auto layer = layers_->ptr<TransformerEncoderLayerImpl>(k);
    h = layer->forward(h, padding);
    report("layers." + std::to_string(k), *layer, h);
  }
  if (norm_) {
    h = norm_(h);
    report("norm", *norm_, h);
  }
  const auto pooled = options_.pooling == "first" ? h.select(1, 0)
                      : options_.pooling == "max" ? masked_max(h, lengths)
                                                  : masked_mean(h, lengths);
  auto logits = fc_(pooled);
  report("fc", *fc_, logits);
  return logits;
}

torch::Tensor TransformerClassifier::forward(torch::Tensor x) { return run(x, nullptr); }

torch::Tensor TransformerClassifier::forward_observed(torch::Tensor x, const LayerObserver& observer) {
  return run(x, &observer);
}

namespace {

std::shared_ptr<Model> make_transformer_classifier(const Config& c) {
  TransformerClassifierOptions o;
  o.vocab_size = c.get<int64_t>("vocab_size");
  if (o.vocab_size < 2) c.fail("vocab_size", "must be >= 2 (<pad> and <unk>), got " + std::to_string(o.vocab_size));
  o.layer.d_model = c.get_count("d_model", 128);
  o.layer.heads = c.get_count("heads", 4);
  if (o.layer.d_model % o.layer.heads != 0)
    c.fail("heads",
           "must divide d_model = " + std::to_string(o.layer.d_model) + ", got " + std::to_string(o.layer.heads));
  o.layers = c.get_count("layers", 2);
  o.layer.feedforward = c.get_count("feedforward", 512);
  o.layer.dropout = read_dropout(c, "dropout", 0.1);
  o.layer.attention_dropout = read_dropout(c, "attention_dropout");
  o.layer.activation = c.get_choice("activation", "relu", {"relu", "gelu"});
  o.layer.norm_first = c.get<bool>("norm_first", false);
  o.positions = c.get_choice("positions", "sinusoidal", {"sinusoidal", "learned"});
  if (o.positions == "sinusoidal" && o.layer.d_model % 2 != 0)
    c.fail("d_model", "must be even for sinusoidal positions, got " + std::to_string(o.layer.d_model));
  o.max_length = c.get_count("max_length", 512);
  o.pooling = c.get_choice("pooling", "mean", {"mean", "max", "first"});
  o.classes = c.get_count("classes", 2);
  return std::make_shared<TransformerClassifier>(o);
}

}  // namespace

MODLR_REGISTER(model_registry, "transformer_classifier", make_transformer_classifier);

}  // namespace modlr
