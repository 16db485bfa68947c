#pragma once
/// The resumable checkpoints of one run, in its checkpoints/ folder: their names, the
/// atomic writes, the `latest` pointer and the rotation. The one owner of those files:
/// the checkpoint hook (runner/builtin_hooks.h) decides when to save, the runner supplies
/// its training state, and a resume (run/training_run.h) restores through here.
///
/// Crash safety: a checkpoint is written atomically (checkpoint.h), then `latest` is
/// atomically pointed at it, then files beyond the newest `keep` are removed, so a crash at
/// any moment leaves `latest` naming a complete checkpoint. Not thread-safe.
#include <cstdint>
#include <string>
#include <vector>

#include "modlr/model/model_set.h"
#include "modlr/tracking/training_state.h"

namespace modlr {

class CheckpointStore {
 public:
  /// `dir` holds the checkpoints; the newest `keep` (>= 1) resumable ones are kept. The
  /// epoch-/step- files already there (a resumed run's) continue the rotation, oldest first.
  CheckpointStore(std::string dir, int64_t keep);

  /// "epoch-0003.pt", "step-00000120.pt".
  static std::string epoch_name(int64_t epoch);
  static std::string step_name(int64_t step);

  /// Writes checkpoint `name` (epoch_name or step_name): the models and `state` (the
  /// runner's training state); then points `latest` at it and rotates.
  void save(const std::string& name, const ModelSet& models, const TrainingState& state);
  /// initial.pt: the weights before training; never rotated away, never `latest`.
  void save_initial(const ModelSet& models);
  /// Checkpoint files present (relative names), oldest first; initial.pt first if there.
  std::vector<std::string> saved() const;

  /// The checkpoint `latest` names in `dir` ("" if there is none). Throws modlr::Error if
  /// `latest` is not a small regular file naming a checkpoint of this store (initial.pt,
  /// epoch-NNNN.pt, step-NNNNNNNN.pt): a run directory is untrusted, and its pointer must
  /// never lead outside it.
  static std::string latest(const std::string& dir);
  /// Loads the checkpoint `latest` names into `models` and its training state into `state`;
  /// returns its path, or "" (nothing read) when there is none.
  static std::string restore_latest(const std::string& dir, ModelSet& models, TrainingState& state);

 private:
  std::string dir_;
  int64_t keep_;
  bool saved_initial_ = false;
  std::vector<std::string> rotation_;  ///< resumable checkpoints, oldest first
};

}  // namespace modlr
