#pragma once
/// Ctrl-C and SIGTERM as a process-wide stop request, honoured in every phase of a run.
///
/// install_stop_handlers() makes the first SIGINT/SIGTERM record its number (a second one
/// ends the process at once, as the default action). Work then stops at the next point
/// that polls: the runner between training batches (a clean stop: checkpoint, "interrupted"
/// record), everything else through throw_if_stop_requested() (decompressing and parsing
/// data, evaluation batches, between the CLI's phases), which throws Interrupted. No torch
/// here; everything is thread-safe and request_stop() is async-signal-safe.
#include <string>

#include "modlr/core/error.h"

namespace modlr {

/// A stop request reached a poll point. The CLI records the run as interrupted and exits
/// with 128 + signal().
class Interrupted : public Error {
 public:
  explicit Interrupted(int signal);
  int signal() const { return signal_; }

 private:
  int signal_;
};

/// SIGINT and SIGTERM request a stop; SIGXFSZ is ignored (a write past a file-size limit
/// fails with EFBIG and is reported, instead of killing the process).
void install_stop_handlers();
/// Records `signal` as the stop request (the first one wins). Async-signal-safe.
void request_stop(int signal);
/// The signal that requested a stop, or 0 when none did.
int stop_signal();
/// Throws Interrupted when a stop was requested.
void throw_if_stop_requested();

/// Test support for "interrupted, killed or failing in every phase": when the environment
/// variable MODLR_TEST_FAULT is "<point>:<n>:<KILL|TERM|INT|THROW>", the n-th call of
/// signal_point(<point>) raises that signal in this process (THROW: throws modlr::Error
/// "fault injected at <point>"). Points are the runner's event names (fit_start, batch_end,
/// epoch_complete, evaluation_start, ...), "evaluation_batch", and the CLI's phases
/// "built", "loaded", "weights_saved", "tested", "summary_written". Without the variable
/// this does nothing. A malformed value is an error naming the variable. With
/// MODLR_TEST_FAULT_RANK=r set, only rank r of a data-parallel run (RANK) takes the fault.
void signal_point(const char* point);
/// True when MODLR_TEST_FAULT is set (the CLI then adds a hook that calls signal_point for
/// every runner event).
bool signal_points_enabled();

}  // namespace modlr
