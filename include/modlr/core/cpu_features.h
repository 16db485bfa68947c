#pragma once
/// What the CPU can run, for fast mode's hand-written kernels (compiled for AVX2+FMA in
/// their own translation units): callers check before calling them and otherwise take
/// libtorch's path.

namespace modlr {

/// True when the CPU has AVX2 and FMA (checked once, cached).
bool cpu_has_avx2_fma();

}  // namespace modlr
