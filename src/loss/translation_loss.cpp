// The translation loss (loss/translation.h).
#include "modlr/loss/translation.h"

namespace modlr {

namespace {
constexpr int64_t kPad = 0, kUnknown = 1, kBos = 2, kEos = 3;  // TranslationTokens
}  // namespace

TranslationLossOptions TranslationLossOptions::from_config(const Config& section) {
  TranslationLossOptions o;
  o.label_smoothing = section.get<double>("label_smoothing", o.label_smoothing);
  if (!(o.label_smoothing >= 0 && o.label_smoothing < 1)) section.fail("label_smoothing", "must be in [0, 1)");
  if (section.has("search")) o.search = SearchOptions::from_config(section.section("search"));
  return o;
}

TranslationLoss::TranslationLoss(const TranslationLossOptions& options) : options_(options) {
  if (!(options_.label_smoothing >= 0 && options_.label_smoothing < 1))
    throw Error("TranslationLossOptions::label_smoothing must be in [0, 1), got " +
                std::to_string(options_.label_smoothing));
  if (options_.search.beam < 1) throw Error("TranslationLossOptions::search.beam must be >= 1");
}

Seq2SeqModel& seq2seq_model(const ModelSet& models) {
  auto& model = models.only();
  auto* seq2seq = dynamic_cast<Seq2SeqModel*>(&model);
  if (!seq2seq)
    throw Error("loss 'translation' needs a sequence-to-sequence model (transformer_translator), got '" +
                layer_type_name(model) + "'");
  return *seq2seq;
}

torch::Tensor bleu_tokens(const torch::Tensor& ids, int64_t unknown_as) {
  auto out = ids.masked_fill((ids == kBos).logical_or(ids == kEos), kPad);
  return out.masked_fill(ids == kUnknown, unknown_as);
}

LossOutput TranslationLoss::compute(ModelSet& models, const Batch& batch, const LossRequest& request) {
  auto& model = seq2seq_model(models);
  const auto& target = batch.y;
  if (target.dim() != 2 || target.scalar_type() != torch::kLong || target.size(1) < 2)
    throw Error("loss 'translation': expected target ids int64 [N, T >= 2], got " +
                std::string(c10::toString(target.scalar_type())) + " " + c10::str(target.sizes()));
  // Cut to the longest row: padding columns change nothing but the cost.
  const int64_t steps = batch.size() == 0 ? 2 : std::max<int64_t>(2, (target != kPad).sum(1).max().item<int64_t>());
  const auto prefix = target.narrow(1, 0, steps - 1), next = target.narrow(1, 1, steps - 1);
  const auto logits = model.decode(model.encode(batch.x), prefix);
  auto options = torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kPad);
  if (options_.label_smoothing > 0) options.label_smoothing(options_.label_smoothing);
  auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(2)}), next.reshape({-1}), options);
  LossOutput out{{{"loss", loss}}, {}, {}};
  if (!request.training) {
    out.predictions = bleu_tokens(search(model, batch.x, options_.search), kUnknown);
    out.targets = bleu_tokens(target, -1);
  }
  return out;
}

MODLR_REGISTER(loss_registry, "translation", [](const Config& c) -> std::unique_ptr<Loss> {
  return std::make_unique<TranslationLoss>(TranslationLossOptions::from_config(c));
});

}  // namespace modlr
