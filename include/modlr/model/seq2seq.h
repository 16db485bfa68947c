#pragma once
/// Sequence-to-sequence models (translation) and the searches that decode them.
///
/// Token ids follow the parallel_text source (dataset/parallel_text_source.h): <pad> 0,
/// <unk> 1, <bos> 2, <eos> 3; every sequence is <bos> ... <eos>, right-padded with 0.
/// A Seq2SeqModel's forward(source) is its translation by greedy search; the translation
/// Loss (loss/translation.h) trains it teacher-forced through encode() and decode().
#include <cstdint>
#include <string>

#include "modlr/core/config.h"
#include "modlr/model/model.h"

namespace modlr {

/// The encoder's result: memory [N, S, D] and its padding mask bool [N, S] (true = padding).
struct Encoded {
  torch::Tensor memory;
  torch::Tensor padding;
  /// Rows `indices` (int64 [M]) of both: a beam repeats each sentence's row.
  Encoded select(const torch::Tensor& indices) const {
    return {memory.index_select(0, indices), padding.index_select(0, indices)};
  }
};

/// How a translation is searched for.
struct SearchOptions {
  /// 1: greedy (the most probable next token each step); > 1: beam search keeping this many
  /// hypotheses per sentence.
  int64_t beam = 1;
  /// Beam search ranks finished hypotheses by (sum of log-probabilities) / length^alpha,
  /// length counted with <eos> (fairseq's lenpen); 0 ranks by probability alone.
  double length_penalty = 1.0;
  /// The output may be this many tokens longer than its source (both with <bos> and
  /// <eos>), and never longer than the model's max_length; a hypothesis still open at that
  /// length ends there with <eos> (keeping its score). Searches never emit <pad> or <bos>;
  /// beam search stops a sentence once `beam` hypotheses have ended (fairseq's rule).
  int64_t extra_length = 50;
  /// Reads beam, length_penalty and extra_length from `section` (a loss's `search`), with
  /// these defaults; errors name the key.
  static SearchOptions from_config(const Config& section);
};

/// An encoder-decoder over token ids. Implementations: transformer_translator.
class Seq2SeqModel : public Model {
 public:
  /// source: int64 ids [N, S] as above (columns past the longest row are cut).
  virtual Encoded encode(const torch::Tensor& source) = 0;
  /// prefix: int64 target ids [N, T], starting with <bos>, right-padded with 0; row i
  /// attends to encoded row i. Returns next-token logits [N, T, target vocabulary]: step t
  /// predicts token t + 1 from tokens 0..t (causal).
  virtual torch::Tensor decode(const Encoded& encoded, const torch::Tensor& prefix) = 0;
  /// decode()'s logits of the last step only, [N, target vocabulary]: what a search needs
  /// each step. The default cuts decode()'s; models override it to skip the other steps'
  /// output layer (most of a search's memory traffic with a large vocabulary).
  virtual torch::Tensor next_token_logits(const Encoded& encoded, const torch::Tensor& prefix) {
    return decode(encoded, prefix).select(1, -1);
  }
  /// The longest sequence (tokens with <bos> and <eos>) the model takes.
  virtual int64_t max_length() const = 0;
  /// Greedy translation of `source`: int64 ids [N, L], each row <bos> ... <eos> (or cut at
  /// the length limit), right-padded with 0; L is the longest row.
  torch::Tensor forward(torch::Tensor source) override;
};

/// Translates source ids [N, S] with `model` (in whatever mode it is; call under
/// NoGradGuard or InferenceMode): returns int64 ids [N, L] as Seq2SeqModel::forward
/// describes. Greedy for options.beam == 1, beam search otherwise. Deterministic.
torch::Tensor search(Seq2SeqModel& model, const torch::Tensor& source, const SearchOptions& options);

}  // namespace modlr
