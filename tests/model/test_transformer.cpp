// Transformer blocks (model/transformer.h) against PyTorch's own nn.MultiheadAttention and
// nn.TransformerEncoderLayer / nn.TransformerDecoderLayer on the same weights (an
// independent implementation), the mask semantics, and the transformer_classifier model.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "modlr/core/error.h"
#include "modlr/model/transformer.h"
#include "test_support.h"

using modlr::testing::count_parameters;
using modlr::testing::model_from_yaml;

namespace {

constexpr int64_t kModel = 8, kHeads = 2, kFeed = 16;

modlr::TransformerLayerOptions layer_options(bool norm_first, const std::string& activation = "relu") {
  modlr::TransformerLayerOptions o;
  o.d_model = kModel;
  o.heads = kHeads;
  o.feedforward = kFeed;
  o.dropout = 0.0;
  o.activation = activation;
  o.norm_first = norm_first;
  return o;
}

// true from column `length` on: rows of the given lengths, right-padded to `width`.
torch::Tensor padding_of(const std::vector<int64_t>& lengths, int64_t width) {
  const auto column = torch::tensor(lengths, torch::kLong).view({-1, 1});
  return torch::arange(width, torch::kLong).view({1, -1}) >= column;
}

void put(c10::Dict<std::string, torch::Tensor>& out, const std::string& prefix, const torch::nn::Module& module) {
  for (const auto& item : module.named_parameters()) out.insert(prefix + item.key(), item.value().detach());
}

struct Outputs {
  torch::Tensor attention, causal_attention, encoder, decoder;
};

Outputs run_pytorch(const c10::Dict<std::string, torch::Tensor>& inputs, bool norm_first,
                    const std::string& activation) {
  modlr::testing::TempDir dir;
  const auto bytes = torch::pickle_save(inputs);
  std::ofstream(dir.file("in.pt"), std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  const auto result = modlr::testing::run_command(
      modlr::testing::python() + " " + MODLR_SOURCE_DIR + "/tests/model/transformer_reference.py " + dir.file("in.pt") +
      " " + dir.file("out.pt") + " " + std::to_string(kModel) + " " + std::to_string(kHeads) + " " +
      std::to_string(kFeed) + " " + activation + " " + (norm_first ? "1" : "0"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::ifstream file(dir.file("out.pt"), std::ios::binary);
  const std::vector<char> data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto out = torch::pickle_load(data).toGenericDict();
  const auto get = [&](const char* key) { return out.at(key).toTensor(); };
  return {get("attention"), get("causal_attention"), get("encoder"), get("decoder")};
}

// Equal where the query is not padding (PyTorch's fast path leaves padded rows as zeros).
void expect_close_on_tokens(const torch::Tensor& ours, const torch::Tensor& theirs, const torch::Tensor& padding,
                            const char* what) {
  const auto keep = padding.logical_not().unsqueeze(2).expand_as(ours);
  EXPECT_TRUE(torch::allclose(ours.masked_select(keep), theirs.masked_select(keep), 1e-10, 1e-12))
      << what << ": max difference " << (ours - theirs).masked_select(keep).abs().max().item<double>();
}

}  // namespace

TEST(Transformer, BlocksEqualPyTorchsOwnOnTheSameWeights) {
  if (!modlr::testing::python_torch_available()) GTEST_SKIP() << "python3 with torch not installed";
  for (const bool norm_first : {false, true}) {
    const std::string activation = norm_first ? "gelu" : "relu";
    torch::manual_seed(3);
    modlr::MultiHeadAttention attention(kModel, kHeads, 0.0);
    modlr::TransformerEncoderLayer encoder(layer_options(norm_first, activation));
    modlr::TransformerDecoderLayer decoder(layer_options(norm_first, activation));
    for (torch::nn::Module* module :
         {static_cast<torch::nn::Module*>(attention.get()), static_cast<torch::nn::Module*>(encoder.get()),
          static_cast<torch::nn::Module*>(decoder.get())}) {
      module->to(torch::kDouble);
      module->eval();
      const torch::NoGradGuard no_grad;
      for (auto& p : module->parameters()) p.add_(torch::randn_like(p) * 0.1);  // biases and norms not trivial
    }
    const auto x = torch::randn({3, 5, kModel}, torch::kDouble), memory = torch::randn({3, 4, kModel}, torch::kDouble);
    const auto padding = padding_of({5, 2, 4}, 5), memory_padding = padding_of({4, 1, 3}, 4);
    c10::Dict<std::string, torch::Tensor> inputs;
    put(inputs, "attn.", *attention);
    put(inputs, "encoder.", *encoder);
    put(inputs, "decoder.", *decoder);
    inputs.insert("input.x", x);
    inputs.insert("input.memory", memory);
    inputs.insert("input.padding", padding.to(torch::kLong));
    inputs.insert("input.memory_padding", memory_padding.to(torch::kLong));
    const auto theirs = run_pytorch(inputs, norm_first, activation);
    const torch::NoGradGuard no_grad;
    expect_close_on_tokens(attention(x, memory, memory, memory_padding), theirs.attention, padding, "attention");
    expect_close_on_tokens(attention(x, x, x, padding, /*causal=*/true), theirs.causal_attention, padding, "causal");
    expect_close_on_tokens(encoder(x, padding), theirs.encoder, padding, "encoder");
    expect_close_on_tokens(decoder(x, memory, padding, memory_padding), theirs.decoder, padding, "decoder");
  }
}

// Padded keys and, with `causal`, later positions cannot change an output: changing them
// leaves every output bit unchanged.
TEST(Transformer, MasksKeepPaddingAndTheFutureOut) {
  torch::manual_seed(5);
  modlr::MultiHeadAttention attention(kModel, kHeads, 0.0);
  const auto x = torch::randn({2, 6, kModel});
  const auto padding = padding_of({4, 6}, 6);
  auto changed = x.clone();
  changed[0].narrow(0, 4, 2).add_(10.0);  // row 0's padding
  const auto a = attention(x, x, x, padding), b = attention(x, changed, changed, padding);
  EXPECT_TRUE(torch::equal(a, b));
  auto later = x.clone();
  later.narrow(1, 3, 3).add_(10.0);  // positions 3..5 of every row
  const auto c = attention(x, x, x, torch::Tensor(), /*causal=*/true),
             d = attention(later, later, later, torch::Tensor(), /*causal=*/true);
  EXPECT_TRUE(torch::equal(c.narrow(1, 0, 3), d.narrow(1, 0, 3)));
  EXPECT_FALSE(torch::equal(c.narrow(1, 3, 1), d.narrow(1, 3, 1)));
  EXPECT_THROW(modlr::MultiHeadAttention(10, 3, 0.0), modlr::Error);
}

// By hand, d_model 8, feedforward 16, vocab 50, 2 layers, 2 classes, sinusoidal positions:
//   embedding 50*8 = 400; per layer: attention 3*8*8 + 3*8 + 8*8 + 8 = 288, linear1 8*16+16 =
//   144, linear2 16*8+8 = 136, two norms 32 -> 600; fc 8*2+2 = 18; total 400 + 1200 + 18.
TEST(TransformerClassifier, ParametersAreNamedAndCountedAsPyTorchs) {
  const std::string yaml =
      "name: transformer_classifier\nvocab_size: 50\nd_model: 8\nheads: 2\nfeedforward: 16\nlayers: 2\n";
  const auto model = model_from_yaml(yaml);
  EXPECT_EQ(count_parameters(*model), 1618);
  std::vector<std::string> names;
  for (const auto& item : model->named_parameters())
    if (item.key().rfind("layers.0.", 0) == 0) names.push_back(item.key().substr(9));
  EXPECT_EQ(names,
            (std::vector<std::string>{"self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                                      "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
                                      "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"}));
  EXPECT_EQ(model->named_buffers()["positions_table"].sizes(), (std::vector<int64_t>{512, 8}));
  // Learned positions: 512*8 more; pre-norm: the final norm's 16.
  EXPECT_EQ(count_parameters(*model_from_yaml(yaml + "positions: learned\nnorm_first: true\n")), 1618 + 4096 + 16);
}

// init_token_embedding: entries N(0, 1/d_model), so the sqrt(d_model) scale gives unit
// variance; the <pad> row is zero. 2,000 x 64 draws: the std is within 2 % of 1/8.
TEST(TransformerClassifier, TokenEmbeddingsStartAtVarianceOneOverDModel) {
  torch::manual_seed(4);
  const auto model = model_from_yaml("name: transformer_classifier\nvocab_size: 2000\nd_model: 64\n");
  const auto table = model->named_parameters()["embedding.weight"];
  EXPECT_TRUE(torch::equal(table[0], torch::zeros({64})));
  EXPECT_NEAR(table.narrow(0, 1, 1999).std().item<double>(), 0.125, 0.0025);
  EXPECT_NEAR(table.narrow(0, 1, 1999).mean().item<double>(), 0.0, 0.002);
}

namespace {

// A small classifier in eval mode, with `pooling`.
std::shared_ptr<modlr::Model> small_classifier(const std::string& pooling) {
  auto model = model_from_yaml(
      "name: transformer_classifier\nvocab_size: 50\nd_model: 8\nheads: 2\nfeedforward: 16\n"
      "pooling: " +
      pooling + "\n");
  model->eval();
  return model;
}

// Three rows of 6 ids, row 1 padded after 3.
torch::Tensor three_rows_one_padded() {
  torch::manual_seed(2);
  auto x = torch::randint(2, 50, {3, 6}, torch::kLong);
  x[1].narrow(0, 3, 3).zero_();
  return x;
}

bool more_padding_changes_nothing(modlr::Model& model, const torch::Tensor& x) {
  const auto wider = torch::cat({x, torch::zeros({x.size(0), 4}, torch::kLong)}, 1);
  return torch::equal(model.forward(x), model.forward(wider));
}

}  // namespace

TEST(TransformerClassifier, MorePaddingGivesTheSameLogitsAndShapesAreReported) {
  auto model = small_classifier("mean");
  const auto x = three_rows_one_padded();
  EXPECT_TRUE(more_padding_changes_nothing(*model, x));
  std::vector<std::string> seen;
  const auto y = model->forward_observed(
      x, [&](const std::string& name, const std::string& type, const torch::nn::Module&, const torch::Tensor& out) {
        seen.push_back(name + ":" + type + ":" + c10::str(out.sizes()));
      });
  EXPECT_EQ(seen,
            (std::vector<std::string>{"embedding:Embedding:[3, 6, 8]", "layers.0:TransformerEncoderLayer:[3, 6, 8]",
                                      "layers.1:TransformerEncoderLayer:[3, 6, 8]", "fc:Linear:[3, 2]"}));
  EXPECT_EQ(model->forward(torch::zeros({0, 6}, torch::kLong)).sizes(), (std::vector<int64_t>{0, 2}));  // shape pass
}

// pooling: max takes each feature's max over the row's own tokens: the logits are fc of that
// max taken by hand from the last layer's outputs (the padded steps of row 1 have outputs
// too, and must not count), and more padding changes nothing.
TEST(TransformerClassifier, MaxPoolingTakesEachFeaturesMaxOverTheRowsOwnTokens) {
  auto model = small_classifier("max");
  const auto x = three_rows_one_padded();
  torch::Tensor last;
  const auto logits = model->forward_observed(
      x, [&](const std::string& name, const std::string&, const torch::nn::Module&, const torch::Tensor& out) {
        if (name == "layers.1") last = out;
      });
  const auto pooled = torch::stack(
      {std::get<0>(last[0].max(0)), std::get<0>(last[1].narrow(0, 0, 3).max(0)), std::get<0>(last[2].max(0))});
  const auto parameters = model->named_parameters();
  const auto expected = torch::linear(pooled, parameters["fc.weight"], parameters["fc.bias"]);
  EXPECT_LT((logits - expected).abs().max().item<double>(), 1e-6);
  EXPECT_TRUE(more_padding_changes_nothing(*model, x));
}

TEST(TransformerClassifier, BadInputNamesTheKey) {
  const std::string base = "name: transformer_classifier\nvocab_size: 50\nd_model: 8\nfeedforward: 16\n";
  EXPECT_NE(modlr::testing::error_message([&] { model_from_yaml(base + "heads: 3\n"); }).find("heads"),
            std::string::npos);
  auto model = model_from_yaml(base + "heads: 2\nmax_length: 4\n");
  EXPECT_NE(modlr::testing::error_message([&] {
              model->forward(torch::full({1, 3}, 60, torch::kLong));
            }).find("model.vocab_size = 50"),
            std::string::npos);
  EXPECT_NE(modlr::testing::error_message([&] {
              model->forward(torch::ones({1, 5}, torch::kLong));
            }).find("longer than model.max_length = 4"),
            std::string::npos);
}
