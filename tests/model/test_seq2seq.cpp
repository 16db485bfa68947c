// Greedy and beam search (model/seq2seq.h) on a hand-made model whose next-token
// probabilities are a table, so every expected output is worked out by hand; and the
// transformer_translator's contracts: shapes, causality, padding, tied weights, errors, and
// learning a small word-by-word translation that greedy and beam search then reproduce.
#include <gtest/gtest.h>

#include <cmath>

#include "modlr/loss/translation.h"
#include "modlr/model/transformer_translator.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

constexpr int64_t kBos = 2, kEos = 3, kA = 4, kB = 5;

// Next-token probabilities by prefix (after <bos>), vocabulary {pad, unk, bos, eos, A, B}:
//   []     -> A 0.6, B 0.4
//   [A]    -> eos 0.3, A 0.4, B 0.3
//   [B]    -> eos 0.9, A 0.05, B 0.05
//   longer -> eos 1 (or, with `never_ends`, A always and nothing else)
// Greedy takes A (0.6), then A (0.4), then eos: p = 0.24. The most probable sequence is
// B eos: p = 0.36, which a beam of 2 finds.
class TableModel : public modlr::Seq2SeqModel {
 public:
  explicit TableModel(bool never_ends = false) : never_ends_(never_ends) {}
  modlr::Encoded encode(const torch::Tensor& source) override {
    return {torch::zeros({source.size(0), 1, 1}), torch::zeros({source.size(0), 1}, torch::kBool)};
  }
  torch::Tensor decode(const modlr::Encoded&, const torch::Tensor& prefix) override {
    const int64_t n = prefix.size(0), t = prefix.size(1);
    auto out = torch::empty({n, t, 6});
    for (int64_t i = 0; i < n; ++i)
      for (int64_t s = 0; s < t; ++s) out[i][s] = torch::log(probabilities(prefix[i].narrow(0, 1, s)));
    return out;
  }
  int64_t max_length() const override { return 20; }

 private:
  torch::Tensor probabilities(const torch::Tensor& after_bos) const {
    std::vector<float> p(6, never_ends_ ? 0.0f : 1e-9f);
    if (never_ends_) {
      p[kA] = 1;
    } else if (after_bos.numel() == 0) {
      p[kA] = 0.6f, p[kB] = 0.4f;
    } else if (after_bos.numel() == 1 && after_bos[0].item<int64_t>() == kA) {
      p[kEos] = 0.3f, p[kA] = 0.4f, p[kB] = 0.3f;
    } else if (after_bos.numel() == 1) {
      p[kEos] = 0.9f, p[kA] = 0.05f, p[kB] = 0.05f;
    } else {
      p[kEos] = 1;
    }
    return torch::tensor(p);
  }
  bool never_ends_;
};

torch::Tensor ids(std::vector<std::vector<int64_t>> rows) {
  size_t longest = 0;
  for (const auto& r : rows) longest = std::max(longest, r.size());
  auto out = torch::zeros({static_cast<int64_t>(rows.size()), static_cast<int64_t>(longest)}, torch::kInt64);
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) out[i][j] = rows[i][j];
  return out;
}

modlr::TransformerTranslatorOptions tiny(bool tied = false) {
  modlr::TransformerTranslatorOptions o;
  o.source_vocab_size = 12;
  o.target_vocab_size = 10;
  o.max_length = 12;
  o.encoder_layers = 1;
  o.decoder_layers = 1;
  o.layer = {16, 2, 32, 0.0, 0.0, "relu", false};
  o.tie_embeddings = tied;
  return o;
}

}  // namespace

TEST(Seq2SeqSearch, GreedyTakesTheLocallyBestTokenBeamTheBestSequence) {
  TableModel model;
  const auto source = ids({{kBos, 7, kEos}, {kBos, 7, 8, kEos}});
  modlr::SearchOptions greedy;
  EXPECT_TRUE(torch::equal(modlr::search(model, source, greedy), ids({{kBos, kA, kA, kEos}, {kBos, kA, kA, kEos}})));
  EXPECT_TRUE(torch::equal(model.forward(source), ids({{kBos, kA, kA, kEos}, {kBos, kA, kA, kEos}})));
  modlr::SearchOptions beam;
  beam.beam = 2;
  beam.length_penalty = 0;
  EXPECT_TRUE(torch::equal(modlr::search(model, source, beam), ids({{kBos, kB, kEos}, {kBos, kB, kEos}})));
  // Normalised by length: B eos scores ln(0.36) / 2 = -0.511, A A eos ln(0.24) / 3 = -0.476.
  beam.length_penalty = 1;
  EXPECT_TRUE(torch::equal(modlr::search(model, source, beam), ids({{kBos, kA, kA, kEos}, {kBos, kA, kA, kEos}})));
}

TEST(Seq2SeqSearch, AnOutputEndsWithEosAtItsSourceLengthPlusExtraOrMaxLength) {
  TableModel model(/*never_ends=*/true);
  const auto source = ids({{kBos, 7, kEos}, {kBos, 7, 7, 7, kEos}});
  for (int64_t beam : {1, 3}) {
    modlr::SearchOptions o;
    o.beam = beam;
    o.extra_length = 2;  // rows of 3 + 2 = 5 and 5 + 2 = 7 tokens
    const auto out = modlr::search(model, source, o);
    EXPECT_TRUE(torch::equal(out, ids({{kBos, kA, kA, kA, kEos}, {kBos, kA, kA, kA, kA, kA, kEos}}))) << out;
    o.extra_length = 100;  // capped by max_length 20
    EXPECT_EQ(modlr::search(model, source, o).size(1), 20);
  }
  const auto empty = torch::zeros({0, 4}, torch::kInt64);
  EXPECT_EQ(modlr::search(model, empty, {}).size(0), 0);
  modlr::SearchOptions three;
  three.beam = 3;
  EXPECT_EQ(modlr::search(model, empty, three).size(0), 0);
}

TEST(TransformerTranslator, ShapesCausalityPaddingAndTiedWeights) {
  torch::manual_seed(0);
  modlr::TransformerTranslator model(tiny());
  model.eval();
  const auto source = ids({{kBos, 6, 7, kEos}, {kBos, 8, kEos}});
  const auto prefix = ids({{kBos, 4, 5, 6}, {kBos, 7, 0, 0}});
  const auto encoded = model.encode(source);
  EXPECT_EQ(encoded.memory.sizes(), (std::vector<int64_t>{2, 4, 16}));
  const auto logits = model.decode(encoded, prefix);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 4, 10}));
  EXPECT_TRUE(torch::allclose(model.next_token_logits(encoded, prefix), logits.select(1, -1)));
  // Step 1 sees tokens 0 and 1 only: changing token 3 leaves it.
  auto changed = prefix.clone();
  changed[0][3] = 9;
  EXPECT_TRUE(torch::equal(model.decode(encoded, changed).narrow(1, 0, 3), logits.narrow(1, 0, 3)));
  // More padding columns on the source change nothing.
  const auto padded = torch::cat({source, torch::zeros({2, 3}, torch::kInt64)}, 1);
  EXPECT_TRUE(torch::allclose(model.decode(model.encode(padded), prefix), logits, 1e-6, 1e-6));

  modlr::TransformerTranslator tied(tiny(/*tied=*/true));
  const auto names = tied.named_parameters().keys();
  EXPECT_EQ(std::count(names.begin(), names.end(), "generator.weight"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "generator.bias"), 1);
  EXPECT_EQ(mt::count_parameters(model) - mt::count_parameters(tied), 10 * 16);
  EXPECT_TRUE(tied.named_parameters()["target_embedding.weight"][0].abs().sum().item<float>() == 0);  // <pad>
}

TEST(TransformerTranslator, BadIdsAndLengthsNameTheKey) {
  modlr::TransformerTranslator model(tiny());
  EXPECT_EQ(mt::error_message([&] {
              model.encode(ids({{kBos, 12, kEos}}));
            }),
            "model 'transformer_translator': token id 12 is outside [0, model.source_vocab_size = 12): set "
            "model.source_vocab_size to at least the vocabulary size (dataset.max_size)");
  const auto encoded = model.encode(ids({{kBos, 6, kEos}}));
  EXPECT_NE(mt::error_message([&] {
              model.decode(encoded, ids({{kBos, 10}}));
            }).find("model.target_vocab_size = 10"),
            std::string::npos);
  EXPECT_EQ(mt::error_message([&] {
              model.encode(torch::full({1, 13}, 6, torch::kInt64));
            }),
            "model 'transformer_translator': a source sentence of 13 tokens is longer than model.max_length = 12");
  EXPECT_NE(mt::error_message([] {
              mt::model_from_yaml("name: transformer_translator\nsource_vocab_size: 100\n");
            }).find("target_vocab_size"),
            std::string::npos);
  EXPECT_NE(mt::error_message([] {
              mt::model_from_yaml(
                  "name: transformer_translator\nsource_vocab_size: 100\ntarget_vocab_size: 100\nd_model: 30\n"
                  "heads: 4\n");
            }).find("must divide d_model = 30"),
            std::string::npos);
}

// Word-by-word translation of 3-to-5-word sentences over 8 words: learnt in a few hundred
// steps, after which both searches give every reference exactly.
TEST(TransformerTranslator, LearnsASmallTranslationThatBothSearchesReproduce) {
  torch::manual_seed(3);
  auto o = tiny(/*tied=*/true);
  o.layer.d_model = 32;
  o.layer.feedforward = 64;
  o.source_vocab_size = o.target_vocab_size = 12;
  modlr::TransformerTranslator model(o);
  std::vector<std::vector<int64_t>> sources, targets;
  for (int i = 0; i < 24; ++i) {
    std::vector<int64_t> s{kBos}, t{kBos};
    for (int w = 0; w < 3 + i % 3; ++w) {
      const int64_t word = 4 + (i * 7 + w * 3 + i / 5) % 8;
      s.push_back(word);
      t.push_back(4 + (word - 4 + 3) % 8);  // the "dictionary": a shift
    }
    s.push_back(kEos), t.push_back(kEos);
    sources.push_back(s), targets.push_back(t);
  }
  const auto source = ids(sources), target = ids(targets);
  modlr::ModelSet models;
  auto shared = std::shared_ptr<modlr::TransformerTranslator>(&model, [](auto*) {});
  models.add("model", shared);
  modlr::TranslationLoss loss({0.0, {}});
  torch::optim::Adam adam(model.parameters(), torch::optim::AdamOptions(0.01));
  model.train();
  double last = 0;
  for (int step = 0; step < 300; ++step) {
    adam.zero_grad();
    auto value = loss.compute(models, {source, target}, {"loss", true}).objectives.at("loss");
    value.backward();
    adam.step();
    last = value.item<double>();
  }
  EXPECT_LT(last, 0.05);
  model.eval();
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(modlr::search(model, source, {}), target));
  modlr::SearchOptions beam;
  beam.beam = 4;
  EXPECT_TRUE(torch::equal(modlr::search(model, source, beam), target));
}
