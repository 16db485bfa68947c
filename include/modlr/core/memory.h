#pragma once
/// Process-wide allocator settings for training.

namespace modlr {

/// Keeps memory that tensors free in the process's heap instead of handing it back to the
/// operating system. libtorch's CPU allocator has no cache: without this, glibc returns a
/// step's large activations (> 128 KiB) to the kernel and the next step faults in fresh,
/// zero-filled pages (~290 page faults per LeNet-5 step, ~5% of its time). Changes no
/// result. glibc only (elsewhere a no-op); programs call it once at start-up (the `modlr`
/// CLI and the bench programs do).
void keep_freed_memory();

}  // namespace modlr
