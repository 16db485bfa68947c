#pragma once
/// Model checkpoints: every model's parameters and buffers, by model name, in libtorch's
/// archive format. Writes are atomic (temporary file, then rename); loads check every
/// name and shape against the models before copying anything.
#include <functional>
#include <string>

#include "modlr/model/model_set.h"

namespace modlr {

/// Writes `models` to `path` atomically, plus whatever `extra` writes under the key
/// "training" (the runner's training state, for resumable checkpoints). Throws modlr::Error
/// naming the path on failure (the previous file at `path`, if any, is left intact).
void save_checkpoint(const ModelSet& models, const std::string& path,
                     const std::function<void(torch::serialize::OutputArchive&)>& extra = {});
/// Opens the "training" archive of a resumable checkpoint and hands it to `read`; throws
/// modlr::Error naming the path if the file has none or is unreadable.
void read_training_state(const std::string& path,
                         const std::function<void(torch::serialize::InputArchive&)>& read);
/// Loads `path` into `models`. Throws modlr::Error naming the path and the first missing,
/// unexpected or mis-shaped tensor; `models` are unchanged when it throws.
void load_checkpoint(ModelSet& models, const std::string& path);

}  // namespace modlr
