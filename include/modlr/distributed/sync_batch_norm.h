#pragma once
/// Synchronised batch normalisation for data-parallel runs (runner.distributed.
/// sync_batchnorm), as PyTorch's nn.SyncBatchNorm: in training, a BatchNorm2d normalises
/// with the mean and variance of the whole global batch (per-channel sums, sums of squares
/// and counts all-reduced over the ranks, in float64) and updates its running statistics
/// with them; its backward all-reduces the two per-channel gradient sums the input
/// gradient needs. In evaluation it is the layer's ordinary forward. With equal slices
/// the ranks together compute what one process computes on the global batch.
#include <memory>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>

namespace modlr {

class Communicator;
class ModelSet;

/// Makes every BatchNorm2d layer of `models` normalise over all ranks of `communicator`
/// (which must outlive the models' use). Returns the number of layers switched.
int64_t synchronize_batch_norms(ModelSet& models, Communicator& communicator);

}  // namespace modlr
