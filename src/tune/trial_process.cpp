// Trial runs as child processes (trial_process.h).
#include "trial_process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstring>
#include <fstream>
#include <thread>

#include "modlr/core/error.h"

namespace modlr {

pid_t start_process(const std::string& binary, const std::vector<std::string>& args, const std::string& log_path) {
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) throw_file_error(log_path, "cannot create the trial's log", errno);
  std::vector<std::string> argv_text{binary};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_text.size() + 1);
  for (auto& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log);
    throw_file_error(binary, "cannot start a trial process", errno);
  }
  if (pid == 0) {  // the child: only async-signal-safe calls until exec
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(143);  // the driver died before prctl took effect
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, STDIN_FILENO);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    ::execv(binary.c_str(), argv.data());
    const char message[] = "modlr: error: cannot execute the modlr binary for this trial\n";
    (void)!::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(127);
  }
  ::close(log);
  return pid;
}

EndedProcess wait_for_child(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) return {pid, WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status)};
    if (pid < 0 && errno != EINTR) return {};
    if (std::chrono::steady_clock::now() >= deadline) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string error_from_log(const std::string& log_path, int status) {
  std::ifstream log(log_path);
  std::string line, last, error;
  while (std::getline(log, line)) {
    if (line.rfind("modlr: error: ", 0) == 0) error = line.substr(14);
    if (!line.empty()) last = line;
  }
  if (!error.empty()) return error;
  const std::string how =
      status > 128 ? "ended by signal " + std::to_string(status - 128) : "exited with status " + std::to_string(status);
  return how + (last.empty() ? "" : " (last output: " + last + ")");
}

std::string driver_name() {
  char host[HOST_NAME_MAX + 1] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

bool driver_alive(const std::string& owner, double heartbeat_age_seconds) {
  const auto colon = owner.rfind(':');
  const std::string me = driver_name();
  if (colon != std::string::npos && owner.substr(0, colon) == me.substr(0, me.rfind(':'))) {
    const pid_t pid = static_cast<pid_t>(std::atol(owner.c_str() + colon + 1));
    return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
  }
  return heartbeat_age_seconds < 60;
}

std::string this_executable() {
  char path[PATH_MAX] = {};
  const ssize_t length = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (length <= 0) throw_file_error("/proc/self/exe", "cannot find the modlr binary", errno);
  return std::string(path, static_cast<size_t>(length));
}

}  // namespace modlr
