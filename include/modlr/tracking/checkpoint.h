#pragma once
/// Model checkpoints: every model's parameters and buffers, by model name, in libtorch's
/// archive format (.pt) or in safetensors (.safetensors, readable by PyTorch Python).
/// Writes are atomic (temporary file, then rename); loads check every name, dtype and shape
/// against the models before copying anything.
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "modlr/model/model_set.h"
#include "modlr/tracking/training_state.h"

namespace modlr {

/// Writes `models` to `path` atomically, plus `training` (when given) under the key
/// "training" (a resumable checkpoint), then the file's SHA-256 to `path.sha256`
/// (formats/checksummed.h). Throws modlr::Error naming the path on failure (the previous
/// file at `path`, if any, is left intact).
void save_checkpoint(const ModelSet& models, const std::string& path, const TrainingState* training = nullptr);
/// The training state of a resumable checkpoint; throws modlr::Error naming the path if the
/// file has none or is unreadable.
TrainingState read_training_state(const std::string& path);
/// Loads `path` into `models`. Only a .pt whose `path.sha256` matches is read (libtorch's
/// reader does not validate what it is handed); others are refused naming the path. Throws
/// modlr::Error naming the path and the first missing, unexpected or mis-shaped tensor;
/// `models` are unchanged when it throws. read_training_state checks the same way.
void load_checkpoint(ModelSet& models, const std::string& path);

/// The bytes of a checkpoint modlr wrote, once its recorded SHA-256 matches (as
/// load_checkpoint checks): what rank 0 of a data-parallel run sends the other ranks.
std::string read_checkpoint_bytes(const std::string& path);
/// load_checkpoint and read_training_state on bytes read_checkpoint_bytes returned; errors
/// name `path`.
void load_checkpoint_bytes(ModelSet& models, const std::string& bytes, const std::string& path);
TrainingState read_training_state_bytes(const std::string& bytes, const std::string& path);
/// Writes every model's parameters and buffers to `path` in safetensors, atomically.
/// Tensor names are PyTorch's state_dict names ("conv1.weight"); with several models each
/// name is prefixed by the model's name ("generator.fc1.weight"). Metadata: format=pt.
void save_safetensors(const ModelSet& models, const std::string& path);
/// Loads a safetensors file written by save_safetensors or by PyTorch for the same
/// architecture. Throws modlr::Error naming `path` and the tensor for a corrupt file or a
/// missing, unexpected, mis-typed or mis-shaped tensor; `models` are unchanged then.
void load_safetensors(ModelSet& models, const std::string& path);

/// Writes named tensors (any device, contiguous or not) to `path` in safetensors,
/// atomically, with `metadata`. Used for weights and for saved model outputs.
void save_tensors(const std::vector<std::pair<std::string, torch::Tensor>>& tensors, const std::string& path,
                  const std::map<std::string, std::string>& metadata = {});

/// The one place that picks the weights format: load_safetensors for a path ending in
/// ".safetensors", load_checkpoint otherwise.
void load_weights(ModelSet& models, const std::string& path);

}  // namespace modlr
