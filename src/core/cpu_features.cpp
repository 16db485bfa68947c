#include "modlr/core/cpu_features.h"

#include <cstdlib>
#include <string>

namespace modlr {

bool cpu_has_avx2_fma() {
  static const bool supported = [] {
    const char* disabled = std::getenv("MODLR_DISABLE_AVX2");
    if (disabled && std::string(disabled) != "0") return false;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return supported;
}

}  // namespace modlr
