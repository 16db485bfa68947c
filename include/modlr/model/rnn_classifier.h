#pragma once
/// Recurrent sequence classifiers for token-id inputs (IMDb sentiment and the like):
///   embedding (padding_idx 0) - [embedding dropout] - LSTM or GRU - pooling over time -
///   [dropout] - fc (-> classes logits).
///
/// Registered as `lstm_classifier` and `gru_classifier` (the name picks the cell).
/// Config (model section): vocab_size (required: rows of the embedding, >= the dataset's
/// vocabulary size, e.g. dataset.max_size), embedding_dim: 128, hidden_size: 128,
/// layers: 1, bidirectional: false, embedding_dropout: 0, dropout: 0 (before fc, and
/// between stacked recurrent layers when layers > 1), pooling: last | mean | max, classes: 2.
///
/// Input: int64 token ids [N, T], right-padded with 0; a row's length is its count of
/// non-zero ids (at least 1: an all-padding row is read as one padding token). Ids must be
/// in [0, vocab_size) (checked: an error names model.vocab_size). Output: logits [N, classes].
///
/// Padding never enters a real step, as with PyTorch's pack_padded_sequence, but without
/// packing (whose CPU backward adds a full-size gradient per time step: measured 3-5x
/// slower here): the batch is cut to its longest row, each layer and direction runs
/// torch::lstm / torch::gru over the padded batch (the input projection of all steps in one
/// matrix product), the backward direction reads each row reversed within its own length,
/// and pooling masks the padded steps. `last` is the state after each row's last token
/// (forward) and after its first (backward direction, which has read the whole row);
/// `mean` and `max` pool the last layer's outputs over the row's own length. So the same
/// rows with more padding columns give bitwise identical logits, and the function equals
/// PyTorch's packed nn.LSTM/nn.GRU with the same weights (tested).
/// Parameters are those of a torch::nn::LSTM/GRU module (created for its PyTorch names
/// and initialisation): embedding.weight, rnn.weight_ih_l0, ..., rnn.bias_hh_l0_reverse,
/// fc.weight, fc.bias.
#include <string>

#include "modlr/model/model.h"

namespace modlr {

struct RnnClassifierOptions {
  std::string cell = "lstm";  ///< lstm | gru
  int64_t vocab_size = 0;
  int64_t embedding_dim = 128;
  int64_t hidden_size = 128;
  int64_t layers = 1;
  bool bidirectional = false;
  double embedding_dropout = 0;
  double dropout = 0;
  std::string pooling = "last";  ///< last | mean | max
  int64_t classes = 2;
};

/// Pools a recurrent layer's outputs over time, masking padded steps (no parameters).
class SequencePoolImpl : public torch::nn::Module {
 public:
  SequencePoolImpl(std::string mode, int64_t hidden_size, bool bidirectional)
      : mode_(std::move(mode)), hidden_size_(hidden_size), bidirectional_(bidirectional) {}
  /// outputs [N, T, directions * H] (padded steps hold anything); lengths int64 [N] in
  /// [1, T]. Returns [N, directions * H].
  torch::Tensor forward(const torch::Tensor& outputs, const torch::Tensor& lengths);

 private:
  std::string mode_;
  int64_t hidden_size_;
  bool bidirectional_;
};
TORCH_MODULE(SequencePool);

class RnnClassifier : public Model {
 public:
  explicit RnnClassifier(const RnnClassifierOptions& options);
  torch::Tensor forward(torch::Tensor x) override;
  /// Reports embedding, [embed_dropout], rnn (outputs [N, T', D], T' = the longest row),
  /// pool, [dropout], fc.
  torch::Tensor forward_observed(torch::Tensor x, const LayerObserver& observer) override;
  const RnnClassifierOptions& options() const { return options_; }

 private:
  torch::Tensor run(const torch::Tensor& input, const LayerObserver* observer);
  void check_ids(const torch::Tensor& x) const;
  /// One direction of recurrent layer `layer` over inputs [N, T, in] -> [N, T, H].
  torch::Tensor direction(const torch::Tensor& inputs, int64_t layer, bool reverse);
  /// All layers; reverse_index [N, T, 1] maps each step to its mirror within the row.
  torch::Tensor recur(torch::Tensor inputs, const torch::Tensor& reverse_index);
  const torch::nn::Module& rnn_module() const;

  RnnClassifierOptions options_;
  torch::nn::Embedding embedding_{nullptr};
  torch::nn::Dropout embed_dropout_{nullptr};
  torch::nn::LSTM lstm_{nullptr};
  torch::nn::GRU gru_{nullptr};
  SequencePool pool_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::Linear fc_{nullptr};
};

}  // namespace modlr
