// lstm_classifier / gru_classifier: shapes, PyTorch parameter names and counts, padding
// invariance, equality with libtorch's packed LSTM/GRU, a one-batch overfit per model.
#include <gtest/gtest.h>

#include "modlr/core/error.h"
#include "modlr/model/model.h"
#include "test_support.h"

using modlr::testing::count_parameters;
using modlr::testing::model_from_yaml;

namespace {

std::string small(const std::string& cell, const std::string& extra = "") {
  return "name: " + cell + "_classifier\nvocab_size: 50\nembedding_dim: 8\nhidden_size: 6\n" + extra;
}

// Rows of the given lengths (ids in [2, 50)), right-padded with 0 to `width`.
torch::Tensor batch(const std::vector<int64_t>& lengths, int64_t width, uint64_t seed = 7) {
  torch::manual_seed(seed);
  auto x = torch::zeros({static_cast<int64_t>(lengths.size()), width}, torch::kLong);
  for (size_t i = 0; i < lengths.size(); ++i)
    x[static_cast<int64_t>(i)].narrow(0, 0, lengths[i]).copy_(torch::randint(2, 50, {lengths[i]}, torch::kLong));
  return x;
}

const std::vector<int64_t> kLengths = {5, 1, 9, 3, 9, 2};

}  // namespace

// By hand, vocab 50, embedding 8, hidden 6, 2 bidirectional layers, 2 classes:
//   embedding 50*8 = 400; fc (2*6)*2+2 = 26.
//   LSTM (4 gates, 24 rows): layer 0 per direction 24*8 + 24*6 + 24 + 24 = 384, layer 1
//   (input 12) 24*12 + 24*6 + 48 = 480 -> 2*(384+480) = 1728; total 2154.
//   GRU (3 gates, 18 rows): 18*8 + 18*6 + 36 = 288 and 18*12 + 108 + 36 = 360 -> 1296; 1722.
TEST(RnnClassifier, ParameterNamesAndCounts) {
  const auto lstm = model_from_yaml(small("lstm", "layers: 2\nbidirectional: true\n"));
  EXPECT_EQ(count_parameters(*lstm), 2154);
  EXPECT_EQ(count_parameters(*model_from_yaml(small("gru", "layers: 2\nbidirectional: true\n"))), 1722);
  std::vector<std::string> names;
  for (const auto& item : model_from_yaml(small("gru", "bidirectional: true\n"))->named_parameters())
    names.push_back(item.key());
  EXPECT_EQ(names,
            (std::vector<std::string>{"embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
                                      "rnn.bias_hh_l0", "rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse",
                                      "rnn.bias_ih_l0_reverse", "rnn.bias_hh_l0_reverse", "fc.weight", "fc.bias"}));
  EXPECT_TRUE(torch::equal(lstm->named_parameters()["embedding.weight"][0], torch::zeros({8})));  // padding_idx
}

TEST(RnnClassifier, ObservedLayersAndShapes) {
  auto model =
      model_from_yaml(small("lstm", "bidirectional: true\nembedding_dropout: 0.1\ndropout: 0.5\npooling: mean\n"));
  std::vector<std::string> layers;
  std::vector<std::vector<int64_t>> shapes;
  const auto x = batch(kLengths, 14);
  const auto y = model->forward_observed(
      x, [&](const std::string& name, const std::string& type, const torch::nn::Module&, const torch::Tensor& out) {
        layers.push_back(name + ":" + type);
        shapes.push_back(out.sizes().vec());
      });
  EXPECT_EQ(layers, (std::vector<std::string>{"embedding:Embedding", "embed_dropout:Dropout", "rnn:LSTM",
                                              "pool:SequencePool", "dropout:Dropout", "fc:Linear"}));
  EXPECT_EQ(shapes[0], (std::vector<int64_t>{6, 9, 8}));  // cut to the longest row
  EXPECT_EQ(shapes[2], (std::vector<int64_t>{6, 9, 12}));
  EXPECT_EQ(shapes[3], (std::vector<int64_t>{6, 12}));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{6, 2}));
}

// More padding columns change nothing (the batch is cut to its longest row): bitwise. A row
// alone or in a batch runs through matrix products of other shapes, which may round
// differently; measured 0 here, allowed 1e-6.
TEST(RnnClassifier, PaddingNeverChangesTheResult) {
  for (const std::string cell : {"lstm", "gru"})
    for (const std::string shape : {"", "layers: 2\nbidirectional: true\n"})
      for (const std::string pooling : {"last", "mean", "max"}) {
        auto model = model_from_yaml(small(cell, shape + "pooling: " + pooling + "\n"));
        model->eval();
        const auto x = batch(kLengths, 9);
        const auto y = model->forward(x);
        const auto wider = torch::cat({x, torch::zeros({6, 23}, torch::kLong)}, 1);
        EXPECT_TRUE(torch::equal(model->forward(wider), y)) << cell << " " << shape << pooling;
        for (int64_t row = 0; row < 6; ++row) {
          const auto alone = model->forward(x.narrow(0, row, 1).narrow(1, 0, kLengths[static_cast<size_t>(row)]));
          EXPECT_LE((alone - y.narrow(0, row, 1)).abs().max().item<double>(), 1e-6) << cell << " " << pooling;
        }
      }
}

// The masked, per-direction computation equals libtorch's own packed LSTM/GRU module (the
// one holding the parameters) with PyTorch's usual pack_padded_sequence recipe.
TEST(RnnClassifier, EqualsThePackedModule) {
  namespace rnn = torch::nn::utils::rnn;
  for (const std::string cell : {"lstm", "gru"}) {
    auto model = model_from_yaml(small(cell, "layers: 2\nbidirectional: true\npooling: last\n"));
    model->eval();
    const auto x = batch(kLengths, 9);
    const auto children = model->named_children();
    const auto embedded = children["embedding"]->as<torch::nn::Embedding>()->forward(x);
    const auto packed = rnn::pack_padded_sequence(embedded, torch::tensor(kLengths), true, false);
    torch::Tensor h_n;
    if (cell == "lstm") {
      h_n = std::get<0>(std::get<1>(children["rnn"]->as<torch::nn::LSTM>()->forward_with_packed_input(packed)));
    } else {
      h_n = std::get<1>(children["rnn"]->as<torch::nn::GRU>()->forward_with_packed_input(packed));
    }
    const auto features = torch::cat({h_n[2], h_n[3]}, 1);
    const auto expected = children["fc"]->as<torch::nn::Linear>()->forward(features);
    EXPECT_LE((model->forward(x) - expected).abs().max().item<double>(), 1e-6) << cell;
  }
}

TEST(RnnClassifier, OneBatchOverfits) {
  for (const std::string cell : {"lstm", "gru"}) {
    torch::manual_seed(1);
    auto model = model_from_yaml(small(cell, "bidirectional: true\npooling: max\ndropout: 0.2\n"));
    const auto x = batch({12, 3, 7, 12, 5, 9, 1, 4, 10, 6, 8, 2}, 12, 3);
    const auto y = torch::tensor({0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0}, torch::kLong);
    torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(0.02));
    double first = 0, last = 0;
    for (int step = 0; step < 60; ++step) {
      optimizer.zero_grad();
      const auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
      loss.backward();
      optimizer.step();
      (step == 0 ? first : last) = loss.item<double>();
    }
    EXPECT_GT(first, 0.5) << cell;
    EXPECT_LT(last, 0.05) << cell << " from " << first;
  }
}

TEST(RnnClassifier, BadInputsAndConfigs) {
  auto model = model_from_yaml(small("lstm"));
  auto too_big = batch(kLengths, 9);
  too_big[0][0] = 50;
  try {
    model->forward(too_big);
    ADD_FAILURE() << "no error";
  } catch (const modlr::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "model 'lstm_classifier': token id 50 is outside [0, model.vocab_size = 50): set "
              "model.vocab_size to "
              "at least the vocabulary size (dataset.max_size)");
  }
  EXPECT_THROW(model->forward(torch::zeros({2, 3})), modlr::Error);
  EXPECT_THROW(model_from_yaml("name: lstm_classifier\n"), modlr::Error);  // vocab_size is required
  EXPECT_THROW(model_from_yaml(small("gru", "pooling: first\n")), modlr::Error);
  EXPECT_THROW(model_from_yaml(small("gru", "dropout: 1.0\n")), modlr::Error);
  EXPECT_THROW(model_from_yaml("name: gru_classifier\nvocab_size: 1\n"), modlr::Error);
  // An all-padding row reads as one padding token instead of failing.
  EXPECT_EQ(model->forward(torch::zeros({2, 4}, torch::kLong)).sizes(), (std::vector<int64_t>{2, 2}));
}
