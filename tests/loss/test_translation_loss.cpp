// The translation loss (loss/translation.h) against the formula of label-smoothed cross-
// entropy written out by hand, its evaluation outputs for the bleu metric, and the bleu
// metric of MetricSuite against metrics/bleu.h's corpus BLEU on the same sentences as text.
#include <gtest/gtest.h>

#include "modlr/loss/translation.h"
#include "modlr/metrics/suite.h"
#include "modlr/model/transformer_translator.h"
#include "test_support.h"

namespace mt = modlr::testing;

namespace {

std::shared_ptr<modlr::TransformerTranslator> tiny_translator() {
  modlr::TransformerTranslatorOptions o;
  o.source_vocab_size = 9;
  o.target_vocab_size = 8;
  o.max_length = 10;
  o.encoder_layers = o.decoder_layers = 1;
  o.layer = {8, 2, 16, 0.0, 0.0, "relu", false};
  return std::make_shared<modlr::TransformerTranslator>(o);
}

}  // namespace

TEST(TranslationLoss, IsLabelSmoothedCrossEntropyOverTheTargetTokensPaddingIgnored) {
  torch::manual_seed(1);
  modlr::ModelSet models;
  auto model = tiny_translator();
  models.add("model", model);
  const auto source = torch::tensor({2, 5, 6, 3, 0, 2, 7, 3, 0, 0}, torch::kInt64).view({2, 5});
  // A padding column past the longest row: cut, so it changes nothing.
  const auto target = torch::tensor({2, 4, 5, 6, 3, 0, 2, 7, 3, 0, 0, 0}, torch::kInt64).view({2, 6});
  const double epsilon = 0.1;
  modlr::TranslationLoss loss({epsilon, {}});
  const auto out = loss.compute(models, {source, target}, {"loss", true});
  // By hand: the decoder reads y[:, :4], predicts y[:, 1:5]; 4 + 2 = 6 scored tokens.
  const auto logits = model->decode(model->encode(source), target.narrow(1, 0, 4));
  const auto log_p = torch::log_softmax(logits, 2);
  const auto next = target.narrow(1, 1, 4);
  double sum = 0;
  int count = 0;
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t t = 0; t < 4; ++t) {
      if (next[i][t].item<int64_t>() == 0) continue;
      const double nll = -log_p[i][t][next[i][t].item<int64_t>()].item<double>();
      const double uniform = -log_p[i][t].mean().item<double>();
      sum += (1 - epsilon) * nll + epsilon * uniform;
      ++count;
    }
  EXPECT_EQ(count, 6);
  EXPECT_NEAR(out.objectives.at("loss").item<double>(), sum / count, 1e-6);
  EXPECT_TRUE(out.objectives.at("loss").requires_grad());
  EXPECT_FALSE(out.predictions.defined());  // no search in training
}

TEST(TranslationLoss, EvaluationSearchesAndMarksTokensForBleu) {
  torch::manual_seed(2);
  modlr::ModelSet models;
  models.add("model", tiny_translator());
  models.train(false);
  const auto source = torch::tensor({2, 5, 6, 3, 2, 7, 3, 0}, torch::kInt64).view({2, 4});
  const auto target = torch::tensor({2, 4, 1, 3, 2, 7, 3, 0}, torch::kInt64).view({2, 4});
  modlr::TranslationLoss loss({0.0, {}});
  torch::NoGradGuard no_grad;
  const auto out = loss.compute(models, {source, target}, {"", false});
  EXPECT_TRUE(torch::equal(out.targets, torch::tensor({0, 4, -1, 0, 0, 7, 0, 0}, torch::kInt64).view({2, 4})));
  const auto searched = modlr::search(dynamic_cast<modlr::Seq2SeqModel&>(models.only()), source, {});
  EXPECT_TRUE(torch::equal(out.predictions, modlr::bleu_tokens(searched, 1)));
  EXPECT_EQ(out.predictions.eq(2).sum().item<int64_t>() + out.predictions.eq(3).sum().item<int64_t>(), 0);
}

TEST(TranslationLoss, NeedsASequenceToSequenceModelAndValidOptions) {
  modlr::ModelSet models;
  models.add("model", mt::model_from_yaml("name: mlp\nsizes: [4, 3, 2]\n"));
  modlr::TranslationLoss loss({0.1, {}});
  EXPECT_NE(mt::error_message([&] {
              loss.compute(models, {torch::zeros({1, 3}, torch::kInt64), torch::zeros({1, 3}, torch::kInt64)},
                           {"loss", true});
            }).find("loss 'translation' needs a sequence-to-sequence model"),
            std::string::npos);
  EXPECT_NE(mt::error_message([] {
              modlr::build_loss(
                  modlr::Config::parse("loss: {name: translation, label_smoothing: 1}", "t.yaml").section("loss"));
            }).find("loss.label_smoothing"),
            std::string::npos);
  EXPECT_NE(mt::error_message([] {
              modlr::build_loss(
                  modlr::Config::parse("loss: {name: translation, search: {beam: 0}}", "t.yaml").section("loss"));
            }).find("loss.search.beam"),
            std::string::npos);
}

TEST(BleuMetric, OnTokenIdsEqualsCorpusBleuOnTheWordsAndMergesAndRestores) {
  // Sentences of ids 4..11 as "words"; reference <unk> (-1) matches nothing, not even an
  // output <unk> (1).
  torch::manual_seed(5);
  const auto outputs = torch::randint(4, 12, {40, 9}, torch::kInt64);
  auto references = torch::randint(4, 12, {40, 11}, torch::kInt64);
  outputs.narrow(1, 6, 3).narrow(0, 0, 20).zero_();  // shorter outputs in half the rows
  references.narrow(1, 2, 1).narrow(0, 0, 5).fill_(-1);
  outputs.narrow(1, 2, 1).narrow(0, 0, 5).fill_(1);
  std::vector<std::string> hypotheses, truths;
  const auto words = [](const torch::Tensor& row) {
    std::string text;
    for (int64_t i = 0; i < row.size(0); ++i) {
      const int64_t id = row[i].item<int64_t>();
      if (id == 0) continue;
      text += (text.empty() ? "" : " ") + (id == -1  ? std::string("<oov>")
                                           : id == 1 ? "<unk>"
                                                     : "w" + std::to_string(id));
    }
    return text;
  };
  for (int64_t i = 0; i < 40; ++i) {
    hypotheses.push_back(words(outputs[i]));
    truths.push_back(words(references[i]));
  }
  const auto expected = modlr::bleu::corpus_bleu(hypotheses, truths, modlr::bleu::Tokenize::none).score;
  EXPECT_GT(expected, 1.0);
  modlr::MetricSuite whole(modlr::Task::translation, {"bleu"});
  whole.update(outputs, references);
  EXPECT_NEAR(whole.compute().at("bleu"), expected, 1e-9);
  modlr::MetricSuite first(modlr::Task::translation, {"bleu"}), second(modlr::Task::translation, {"bleu"});
  first.update(outputs.narrow(0, 0, 17), references.narrow(0, 0, 17));
  second.update(outputs.narrow(0, 17, 23), references.narrow(0, 17, 23));
  first.merge(second);
  EXPECT_NEAR(first.compute().at("bleu"), expected, 1e-9);
  modlr::MetricSuite restored(modlr::Task::translation, {"bleu"});
  restored.restore(whole.state());
  EXPECT_NEAR(restored.compute().at("bleu"), expected, 1e-9);
  EXPECT_TRUE(modlr::MetricSuite(modlr::Task::translation, {"bleu"}).compute().empty());
  EXPECT_NE(mt::error_message([] { modlr::MetricSuite(modlr::Task::translation, {"accuracy"}); }).find("known: bleu"),
            std::string::npos);
}
