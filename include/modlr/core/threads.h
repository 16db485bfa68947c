#pragma once
/// CPU thread pools. libtorch 2.x from PyPI runs its matrix products on MKL and its
/// convolutions on oneDNN, both on libtorch's own OpenMP pool: at::set_num_threads governs
/// all of them, so one setting (runner.threads) is the whole story. (Debian's libtorch 1.13
/// ran OpenBLAS's separate pool, which needed a setting of its own; it is no longer supported.)
#include <string>

namespace modlr {

struct ThreadSettings {
  int intra_op = 1;  ///< at::set_num_threads: libtorch's pool (MKL, oneDNN, our kernels)
};

/// `spec` is "auto" or a positive integer (as read from runner.threads), at most
/// max_threads(). "auto" is available_cores() for every model: with MKL even the MLP's
/// small products gain from the second core (LeNet-5 epoch 1.59 s at 2 threads vs 2.45 s
/// at 1; MLP 0.39 s vs 0.44 s; bench/compare, Fashion-MNIST), divided among the ranks of a
/// data-parallel job on this host (LOCAL_WORLD_SIZE). Throws modlr::Error naming
/// `key` for anything else.
ThreadSettings resolve_threads(const std::string& spec, const std::string& key);
/// Applies `settings` to libtorch.
void apply_threads(const ThreadSettings& settings);
/// Cores this process may run on.
int available_cores();
/// The most intra-op threads a config may ask for: 4 x available_cores() (more only adds
/// contention; a typo like 100000 would spawn threads for minutes).
int max_threads();
/// The BLAS and the oneDNN version this libtorch computes with, e.g. "MKL 2024.2" and
/// "3.10.2", read from at::show_config(); "none" when absent. Recorded in every run.
std::string blas_library();
std::string onednn_version();

}  // namespace modlr
