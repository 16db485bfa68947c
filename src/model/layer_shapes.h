#pragma once
// Running one layer of a model on an input whose shape may be wrong (internal to
// src/model): SequentialModel::forward_observed and the RNN classifier call it so that a
// layer that rejects its input is named, with what it expects and what it got. On an empty
// batch (a shape pass, runner/shape_check.h) batch norm and recurrent layers are checked by
// their shape rule, as batch norm's kernel does not look at an empty batch's features.
#include <torch/torch.h>

#include <string>

namespace modlr {

/// `layer.forward(x)`; on an empty batch, an empty tensor of the output's shape. Throws
/// modlr::Error "layer 'NAME' (TYPE) expects [N, 400], gets [64, 256]" (or torch's reason
/// where the expectation is not known) when the layer rejects the input.
torch::Tensor forward_layer(const std::string& name, torch::nn::AnyModule& layer, const torch::Tensor& x);

/// What a layer of a common type accepts, e.g. "[N, 400]" for Linear(400, 120) or
/// "[N, 3, H, W]" for Conv2d(3, ...); "" when the type is not one of them.
std::string expected_input(const torch::nn::Module& layer);

}  // namespace modlr
