#pragma once
/// The translation loss, registered as `translation`: teacher forcing on a Seq2SeqModel
/// (model/seq2seq.h), label-smoothed cross-entropy over the target tokens, padding ignored.
///
/// Batch: x = source ids int64 [N, S], y = target ids int64 [N, T] (<bos> ... <eos>,
/// right-padded with 0), as the parallel_text source delivers them; columns past the
/// longest row are cut. The decoder reads y[:, :-1] and is scored on predicting y[:, 1:]:
/// objective "loss" = the mean over the non-padding target tokens of the batch (PyTorch's
/// cross_entropy with ignore_index 0 and label_smoothing).
///
/// In evaluation it also translates the batch (`search`: greedy or beam, model/seq2seq.h)
/// for Task::translation's metric bleu: predictions = the searched ids with <bos>, <eos>
/// and padding set to 0; targets = the reference ids likewise, with <unk> set to -1 (a
/// word outside the vocabulary, which no output can match).
/// Config (loss section): label_smoothing: 0.1 in [0, 1), search: {beam: 1,
/// length_penalty: 1.0, extra_length: 50}; the model must be a Seq2SeqModel.
#include "modlr/loss/loss.h"
#include "modlr/model/seq2seq.h"

namespace modlr {

struct TranslationLossOptions {
  double label_smoothing = 0.1;
  SearchOptions search;
  /// Reads the loss section above; errors name the key.
  static TranslationLossOptions from_config(const Config& section);
};

class TranslationLoss : public Loss {
 public:
  explicit TranslationLoss(const TranslationLossOptions& options);
  std::vector<std::string> objectives() const override { return {"loss"}; }
  Task task() const override { return Task::translation; }
  /// Throws modlr::Error when the only model is not a Seq2SeqModel.
  LossOutput compute(ModelSet& models, const Batch& batch, const LossRequest& request) override;
  const TranslationLossOptions& options() const { return options_; }

 private:
  TranslationLossOptions options_;
};

/// The model of `models` a translation loss trains (the only one), as a Seq2SeqModel;
/// throws modlr::Error naming its type when it is not one.
Seq2SeqModel& seq2seq_model(const ModelSet& models);

/// Token ids [N, L] as the bleu metric reads them: <pad>, <bos> and <eos> set to 0, and
/// <unk> to `unknown_as` (-1 for references: matches nothing; 1 for outputs).
torch::Tensor bleu_tokens(const torch::Tensor& ids, int64_t unknown_as);

}  // namespace modlr
