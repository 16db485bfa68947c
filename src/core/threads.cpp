#include "modlr/core/threads.h"

#include <sched.h>

#include <ATen/Parallel.h>
#include <ATen/Version.h>

#include <cstdlib>
#include <regex>
#include <thread>

#include "modlr/core/error.h"

namespace modlr {
namespace {

int parse_count(const std::string& spec, const std::string& key, int fallback) {
  if (spec == "auto") return fallback;
  try {
    size_t used = 0;
    const int value = std::stoi(spec, &used);
    if (used == spec.size() && value > 0 && value <= max_threads()) return value;
    if (used == spec.size() && value > max_threads())
      throw Error("config key '" + key + "': " + spec + " threads is more than " + std::to_string(max_threads()) +
                  " (4 x the " + std::to_string(available_cores()) + " available cores)");
  } catch (const std::logic_error&) {
  }
  throw Error("config key '" + key + "': expected 'auto' or a positive integer, got '" + spec + "'");
}

// The first match of `pattern`'s group 1 in libtorch's build description, or "none".
std::string from_config(const std::string& pattern) {
  static const std::string config = at::show_config();
  std::smatch match;
  if (std::regex_search(config, match, std::regex(pattern))) return match[1].str();
  return "none";
}

}  // namespace

int available_cores() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int max_threads() { return 4 * available_cores(); }

ThreadSettings resolve_threads(const std::string& spec, const std::string& key) {
  // The ranks of a data-parallel job on one host share its cores (torchrun and modlr's
  // launcher set LOCAL_WORLD_SIZE); more threads than cores only contend.
  int ranks_here = 1;
  if (const char* local = std::getenv("LOCAL_WORLD_SIZE")) ranks_here = std::max(1, std::atoi(local));
  return {parse_count(spec, key, std::max(1, available_cores() / ranks_here))};
}

void apply_threads(const ThreadSettings& settings) { at::set_num_threads(settings.intra_op); }

std::string blas_library() {
  const auto mkl = from_config("Math Kernel Library Version ([0-9.]+)");
  if (mkl != "none") return "MKL " + mkl;
  return from_config("BLAS_INFO=([a-z0-9_]+)");
}

std::string onednn_version() { return from_config("MKL-DNN v([0-9.]+)"); }

}  // namespace modlr
