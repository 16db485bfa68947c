#include "modlr/distributed/launch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>
#include <vector>

#include "modlr/core/error.h"

namespace modlr {
namespace {

// The workers, for the signal handler that forwards SIGINT/SIGTERM to them.
constexpr int kMaxLocalRanks = 1024;
volatile pid_t g_children[kMaxLocalRanks];
volatile sig_atomic_t g_child_count = 0;

extern "C" void forward_signal(int signal) {
  for (sig_atomic_t i = 0; i < g_child_count; ++i)
    if (g_children[i] > 0) ::kill(g_children[i], signal);
}

int parse_int(const std::string& text, const std::string& name, int low, int high) {
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value < low || value > high)
    throw Error(name + ": '" + text + "' is not a whole number in [" + std::to_string(low) + ", " +
                std::to_string(high) + "]");
  return static_cast<int>(value);
}

// This program's command line, less the launch flags (and their values).
std::vector<std::string> worker_command_line() {
  std::ifstream file("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (size_t start = 0; start < all.size();) {
    const size_t end = all.find('\0', start);
    args.push_back(all.substr(start, end - start));
    start = end == std::string::npos ? all.size() : end + 1;
  }
  static const char* const flags[] = {"--nproc", "--nnodes", "--node-rank", "--master"};
  std::vector<std::string> kept;
  for (size_t i = 0; i < args.size(); ++i) {
    bool dropped = false;
    for (const char* flag : flags) {
      if (args[i] == flag) {
        ++i;  // and its value
        dropped = true;
      } else if (args[i].rfind(std::string(flag) + "=", 0) == 0) {
        dropped = true;
      }
    }
    if (!dropped) kept.push_back(args[i]);
  }
  return kept;
}

}  // namespace

int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    throw Error(std::string("--nproc: cannot find a free local port: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

namespace {

[[noreturn]] void exec_worker(const std::vector<std::string>& args,
                              const std::vector<std::pair<std::string, std::string>>& env) {
  for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execv("/proc/self/exe", argv.data());
  std::cerr << "modlr: cannot start a worker: " << std::strerror(errno) << std::endl;
  std::_Exit(127);
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    return "was killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  }
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

int exit_code(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

}  // namespace

std::pair<std::string, int> parse_host_port(const std::string& text, const std::string& flag) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) throw Error(flag + ": '" + text + "' is not HOST:PORT");
  return {text.substr(0, colon), parse_int(text.substr(colon + 1), flag + " port", 1, 65535)};
}

int launch_workers(const LaunchOptions& options) {
  if (options.nproc < 1 || options.nproc > kMaxLocalRanks)
    throw Error("--nproc: " + std::to_string(options.nproc) + " is not in [1, " + std::to_string(kMaxLocalRanks) + "]");
  if (options.nnodes < 1) throw Error("--nnodes: must be at least 1");
  if (options.node_rank < 0 || options.node_rank >= options.nnodes)
    throw Error("--node-rank: " + std::to_string(options.node_rank) + " is not in [0, " +
                std::to_string(options.nnodes) + ")");
  if (options.nnodes > 1 && options.master.empty())
    throw Error("--master HOST:PORT is needed with --nnodes > 1 (rank 0's host, the same on every host)");
  auto [host, port] = options.master.empty() ? std::make_pair(std::string("127.0.0.1"), free_local_port())
                                             : parse_host_port(options.master, "--master");
  const auto args = worker_command_line();
  const int world = options.nnodes * options.nproc;
  std::vector<pid_t> children;
  ::signal(SIGINT, forward_signal);
  ::signal(SIGTERM, forward_signal);
  for (int local = 0; local < options.nproc; ++local) {
    const int rank = options.node_rank * options.nproc + local;
    const pid_t pid = ::fork();
    if (pid < 0) throw Error(std::string("--nproc: cannot start a worker: ") + std::strerror(errno));
    if (pid == 0)
      exec_worker(args, {{"RANK", std::to_string(rank)},
                         {"WORLD_SIZE", std::to_string(world)},
                         {"LOCAL_RANK", std::to_string(local)},
                         {"LOCAL_WORLD_SIZE", std::to_string(options.nproc)},
                         {"MASTER_ADDR", host},
                         {"MASTER_PORT", std::to_string(port)}});
    children.push_back(pid);
    g_children[local] = pid;
    g_child_count = local + 1;
  }
  int result = 0;
  int running = options.nproc;
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (running > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      if (std::chrono::steady_clock::now() > deadline)
        for (pid_t child : children) ::kill(child, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    --running;
    const auto found = std::find(children.begin(), children.end(), pid);
    const int rank = options.node_rank * options.nproc + static_cast<int>(found - children.begin());
    g_children[found - children.begin()] = 0;
    if (status == 0) continue;
    std::cerr << "modlr: rank " << rank << " " << describe_status(status) << std::endl;
    if (result == 0) result = exit_code(status);
    // The others stop by themselves once they notice; rank 0 hosts the rendezvous, so
    // without it they cannot even start, and a few seconds are enough for them to say so.
    const auto grace = std::chrono::seconds(rank == 0 ? std::min(options.grace_seconds, 10) : options.grace_seconds);
    deadline = std::min(deadline, std::chrono::steady_clock::now() + grace);
  }
  return result;
}

std::optional<WorldOptions> world_from_environment() {
  const auto variable = [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  const auto required = [&](const char* name) {
    auto value = variable(name);
    if (!value) throw Error(std::string("distributed: ") + name + " is not set (WORLD_SIZE is; torchrun sets both)");
    return *value;
  };
  const auto world_size = variable("WORLD_SIZE");
  if (!world_size) return std::nullopt;
  WorldOptions world;
  world.world_size = parse_int(*world_size, "WORLD_SIZE", 1, 1 << 20);
  world.rank = parse_int(required("RANK"), "RANK", 0, world.world_size - 1);
  world.local_rank = parse_int(variable("LOCAL_RANK").value_or("0"), "LOCAL_RANK", 0, 1 << 20);
  world.master_host = required("MASTER_ADDR");
  world.master_port = parse_int(required("MASTER_PORT"), "MASTER_PORT", 1, 65535);
  return world;
}

}  // namespace modlr
