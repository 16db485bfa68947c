#pragma once
/// What the CPU can run, for fast mode's hand-written kernels (compiled for AVX2+FMA in
/// their own translation units): callers check before calling them and otherwise take
/// libtorch's path.

namespace modlr {

/// True when the CPU has AVX2 and FMA and the environment variable MODLR_DISABLE_AVX2 is
/// unset or 0 (checked once, cached). The variable lets the tests run the portable paths.
bool cpu_has_avx2_fma();

}  // namespace modlr
