#pragma once
// Inside `modlr train` (private to src/cli): one run, and where its record goes. The seed
// group (train_seeds.cpp) runs train_one once per seed.
#include <cstdint>
#include <string>

#include "modlr/cli/commands.h"
#include "modlr/core/config.h"

namespace modlr::cli {

// Where the run record goes, read leniently so that a config that parses but fails to
// validate still gets a failed run record where it asks for one. A config that does not
// parse at all names no place, so it gets no record (its error still goes to stderr).
struct RecordPlace {
  std::string dir = "runs", name;
  int64_t seed = 0;
};

/// The place `config` asks for, each key read on its own (see train.cpp).
RecordPlace record_place(const Config& config);

/// Trains (or with args.resume, resumes) one run; a non-empty `group` puts its record in
/// <dir>/<experiment>/<group>/. Returns the exit status: 0 finished (or nothing to do),
/// 1 failed, 128 + signal when interrupted. Prints its errors; throws nothing.
int train_one(const TrainArgs& args, const std::string& group);

/// `modlr train --seeds`: one run per seed in a fresh group directory.
int train_seeds(const TrainArgs& args);

}  // namespace modlr::cli
