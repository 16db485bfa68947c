#pragma once
// Trial runs as child processes of the study's driver (private to src/tune).
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace modlr {

/// Starts `binary args...` with stdout and stderr appended to `log_path` and stdin from
/// /dev/null; the child gets SIGTERM if the driver dies (so a killed study leaves no trial
/// running). Throws modlr::Error naming the log or the binary.
pid_t start_process(const std::string& binary, const std::vector<std::string>& args, const std::string& log_path);

/// A child that ended: its pid and exit status (128 + signal when a signal ended it).
struct EndedProcess {
  pid_t pid = 0;
  int status = 0;
};
/// Waits up to `timeout_ms` for any child to end; pid 0 when none did.
EndedProcess wait_for_child(int timeout_ms);

/// The one-line error a failed `modlr` run printed ("modlr: error: ..." in its log), or
/// the log's last line, or a description of `status`.
std::string error_from_log(const std::string& log_path, int status);

/// This driver's name in the store: "<host>:<pid>".
std::string driver_name();
/// Whether the driver named `owner` is alive: on this host, its process exists; elsewhere,
/// its heartbeat is under a minute old.
bool driver_alive(const std::string& owner, double heartbeat_age_seconds);

/// The `modlr` executable of this process (/proc/self/exe).
std::string this_executable();

}  // namespace modlr
