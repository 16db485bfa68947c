#pragma once
// What the sequence models (rnn_classifier, transformer_classifier) share: their token-id
// inputs (int64 [N, T], right-padded with 0), masked mean pooling, dropout keys.
#include <torch/torch.h>

#include <string>

#include "modlr/core/config.h"

namespace modlr {

/// Throws modlr::Error naming `model` unless `ids` is int64 [N, T] (T >= 1) with every id
/// in [0, vocab_size) (then naming model.<key>). An empty batch (a shape pass) passes.
void check_token_ids(const torch::Tensor& ids, int64_t vocab_size, const std::string& model,
                     const std::string& key = "vocab_size");

/// Each row's length (its count of non-zero ids, at least 1: an all-padding row reads as
/// one padding token), and the batch cut to its longest row (an empty batch as it is).
std::pair<torch::Tensor, torch::Tensor> lengths_and_cut(const torch::Tensor& ids);

/// The mean of outputs [N, T, D] over each row's first lengths[i] steps -> [N, D].
torch::Tensor masked_mean(const torch::Tensor& outputs, const torch::Tensor& lengths);
/// The elementwise max of outputs [N, T, D] over each row's first lengths[i] steps -> [N, D]
/// (the gradient goes to the step that holds each max).
torch::Tensor masked_max(const torch::Tensor& outputs, const torch::Tensor& lengths);

/// A dropout probability read from `key` (default 0); throws naming the key outside [0, 1).
double read_dropout(const Config& c, const std::string& key, double fallback = 0.0);

}  // namespace modlr
