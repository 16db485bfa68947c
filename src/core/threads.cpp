#include "modlr/core/threads.h"

#include <dlfcn.h>
#include <sched.h>

#include <ATen/Parallel.h>

#include <thread>

#include "modlr/core/error.h"

namespace modlr {
namespace {

using SetThreads = void (*)(int);

// Looked up at run time so modlr links against any BLAS, not only OpenBLAS.
SetThreads openblas_setter() {
  static SetThreads setter =
      reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  return setter;
}

int parse_count(const std::string& spec, const std::string& key, int fallback) {
  if (spec == "auto") return fallback;
  try {
    size_t used = 0;
    const int value = std::stoi(spec, &used);
    if (used == spec.size() && value > 0) return value;
  } catch (const std::exception&) {
  }
  throw Error("config key '" + key + "': expected 'auto' or a positive integer, got '" + spec + "'");
}

}  // namespace

int available_cores() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

bool openblas_present() { return openblas_setter() != nullptr; }

ThreadSettings resolve_threads(const std::string& spec, const std::string& blas_spec,
                               const std::string& key, int auto_intra_op) {
  ThreadSettings settings;
  settings.intra_op = parse_count(spec, key, auto_intra_op);
  settings.blas = parse_count(blas_spec, key.substr(0, key.rfind('.') + 1) + "blas_threads", 1);
  return settings;
}

void apply_threads(const ThreadSettings& settings) {
  at::set_num_threads(settings.intra_op);
  if (auto setter = openblas_setter()) setter(settings.blas);
}

}  // namespace modlr
