#include "modlr/model/rnn_classifier.h"

#include "layer_shapes.h"
#include "token_ids.h"

namespace modlr {

torch::Tensor SequencePoolImpl::forward(const torch::Tensor& outputs, const torch::Tensor& lengths) {
  const int64_t n = outputs.size(0), width = outputs.size(2);
  if (mode_ == "last") {
    const auto last = (lengths - 1).view({n, 1, 1}).expand({n, 1, width});
    auto at_last = outputs.gather(1, last).squeeze(1);
    if (!bidirectional_) return at_last;
    // The backward direction ends (having read the whole row) at step 0.
    return torch::cat({at_last.narrow(1, 0, hidden_size_), outputs.select(1, 0).narrow(1, hidden_size_, hidden_size_)},
                      1);
  }
  if (mode_ == "mean") return masked_mean(outputs, lengths);
  return masked_max(outputs, lengths);
}

RnnClassifier::RnnClassifier(const RnnClassifierOptions& o) : options_(o) {
  // Creation order = PyTorch's module order in the twin, so initial weights draw the same.
  // cppcheck-suppress useInitializationList ; register_module needs the constructed module
  embedding_ = register_module(
      "embedding", torch::nn::Embedding(torch::nn::EmbeddingOptions(o.vocab_size, o.embedding_dim).padding_idx(0)));
  if (o.embedding_dropout > 0)
    embed_dropout_ = register_module("embed_dropout", torch::nn::Dropout(o.embedding_dropout));
  const double between = o.layers > 1 ? o.dropout : 0.0;
  if (o.cell == "lstm") {
    lstm_ = register_module("rnn", torch::nn::LSTM(torch::nn::LSTMOptions(o.embedding_dim, o.hidden_size)
                                                       .num_layers(o.layers)
                                                       .batch_first(true)
                                                       .bidirectional(o.bidirectional)
                                                       .dropout(between)));
  } else {
    gru_ = register_module("rnn", torch::nn::GRU(torch::nn::GRUOptions(o.embedding_dim, o.hidden_size)
                                                     .num_layers(o.layers)
                                                     .batch_first(true)
                                                     .bidirectional(o.bidirectional)
                                                     .dropout(between)));
  }
  pool_ = register_module("pool", SequencePool(o.pooling, o.hidden_size, o.bidirectional));
  if (o.dropout > 0) dropout_ = register_module("dropout", torch::nn::Dropout(o.dropout));
  fc_ = register_module("fc", torch::nn::Linear(o.hidden_size * (o.bidirectional ? 2 : 1), o.classes));
}

void RnnClassifier::check_ids(const torch::Tensor& x) const {
  check_token_ids(x, options_.vocab_size, options_.cell + "_classifier");
}

const torch::nn::Module& RnnClassifier::rnn_module() const {
  return lstm_ ? static_cast<const torch::nn::Module&>(*lstm_) : *gru_;
}

torch::Tensor RnnClassifier::direction(const torch::Tensor& inputs, int64_t layer, bool reverse) {
  const auto suffix = "_l" + std::to_string(layer) + (reverse ? "_reverse" : "");
  const auto& parameters = rnn_module().named_parameters();
  std::vector<torch::Tensor> weights;
  for (const char* name : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"})
    weights.push_back(parameters[name + suffix]);
  const auto h0 = torch::zeros({1, inputs.size(0), options_.hidden_size}, inputs.options());
  if (lstm_)
    return std::get<0>(torch::lstm(inputs, {h0, h0}, weights, /*has_biases=*/true, /*num_layers=*/1,
                                   /*dropout=*/0.0, is_training(), /*bidirectional=*/false,
                                   /*batch_first=*/true));
  return std::get<0>(torch::gru(inputs, h0, weights, /*has_biases=*/true, /*num_layers=*/1,
                                /*dropout=*/0.0, is_training(), /*bidirectional=*/false,
                                /*batch_first=*/true));
}

torch::Tensor RnnClassifier::recur(torch::Tensor inputs, const torch::Tensor& reverse_index) {
  const double between = options_.layers > 1 ? options_.dropout : 0.0;
  for (int64_t layer = 0; layer < options_.layers; ++layer) {
    if (layer > 0 && between > 0) inputs = torch::dropout(inputs, between, is_training());
    auto outputs = direction(inputs, layer, /*reverse=*/false);
    if (options_.bidirectional) {
      const auto flipped = inputs.gather(1, reverse_index.expand({-1, -1, inputs.size(2)}));
      auto backward = direction(flipped, layer, /*reverse=*/true);
      backward = backward.gather(1, reverse_index.expand({-1, -1, backward.size(2)}));
      outputs = torch::cat({outputs, backward}, 2);
    }
    inputs = outputs;
  }
  return inputs;
}

torch::Tensor RnnClassifier::run(const torch::Tensor& input, const LayerObserver* observer) {
  check_ids(input);
  const auto report = [&](const char* name, const torch::nn::Module& layer, const torch::Tensor& y) {
    if (observer) (*observer)(name, layer_type_name(layer), layer, y);
  };
  const auto [lengths, x] = lengths_and_cut(input);
  const auto steps = torch::arange(x.size(1), lengths.options()).view({1, -1});
  const auto column = lengths.view({-1, 1});
  const auto reverse_index = torch::where(steps < column, column - 1 - steps, steps).unsqueeze(2);
  auto embedded = embedding_(x);
  report("embedding", *embedding_, embedded);
  if (embed_dropout_) {
    embedded = embed_dropout_(embedded);
    report("embed_dropout", *embed_dropout_, embedded);
  }
  // In a shape pass the recurrent layer's shape rule stands in for the layer-by-layer loop.
  torch::Tensor outputs;
  if (x.size(0) == 0) {
    auto rnn = lstm_ ? torch::nn::AnyModule(lstm_) : torch::nn::AnyModule(gru_);
    outputs = forward_layer("rnn", rnn, embedded);
  } else {
    outputs = recur(embedded, reverse_index);
  }
  report("rnn", rnn_module(), outputs);
  auto features = pool_(outputs, lengths);
  report("pool", *pool_, features);
  if (dropout_) {
    features = dropout_(features);
    report("dropout", *dropout_, features);
  }
  auto logits = fc_(features);
  report("fc", *fc_, logits);
  return logits;
}

torch::Tensor RnnClassifier::forward(torch::Tensor x) { return run(x, nullptr); }

torch::Tensor RnnClassifier::forward_observed(torch::Tensor x, const LayerObserver& observer) {
  return run(x, &observer);
}

namespace {

std::shared_ptr<Model> make_rnn_classifier(const Config& c, const std::string& cell) {
  RnnClassifierOptions o;
  o.cell = cell;
  o.vocab_size = c.get<int64_t>("vocab_size");
  if (o.vocab_size < 2) c.fail("vocab_size", "must be >= 2 (<pad> and <unk>), got " + std::to_string(o.vocab_size));
  o.embedding_dim = c.get_count("embedding_dim", 128);
  o.hidden_size = c.get_count("hidden_size", 128);
  o.layers = c.get_count("layers", 1);
  o.bidirectional = c.get<bool>("bidirectional", false);
  o.embedding_dropout = read_dropout(c, "embedding_dropout");
  o.dropout = read_dropout(c, "dropout");
  o.pooling = c.get_choice("pooling", "last", {"last", "mean", "max"});
  o.classes = c.get_count("classes", 2);
  return std::make_shared<RnnClassifier>(o);
}

}  // namespace

MODLR_REGISTER(model_registry, "lstm_classifier", [](const Config& c) { return make_rnn_classifier(c, "lstm"); });
MODLR_REGISTER(model_registry, "gru_classifier", [](const Config& c) { return make_rnn_classifier(c, "gru"); });

}  // namespace modlr
