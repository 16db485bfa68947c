#pragma once
/// CPU thread pools. Debian's libtorch runs matrix products on OpenBLAS's own pool, which
/// torch::set_num_threads does not govern, so modlr sets both: two intra-op threads plus
/// two OpenBLAS threads on two cores oversubscribe and run several times slower.
#include <string>

namespace modlr {

struct ThreadSettings {
  int intra_op = 1;  ///< torch::set_num_threads
  int blas = 1;      ///< openblas_set_num_threads (ignored if the BLAS is not OpenBLAS)
};

/// `spec` is "auto" or a positive integer (as read from runner.threads); `blas_spec` is
/// "auto" (1: OpenBLAS threads only compete with torch's pool) or a positive integer.
/// `auto_intra_op` is what "auto" means for this workload (see Experiment).
/// Throws modlr::Error naming `key` for anything else.
ThreadSettings resolve_threads(const std::string& spec, const std::string& blas_spec,
                               const std::string& key, int auto_intra_op);
/// Applies `settings` to libtorch and OpenBLAS.
void apply_threads(const ThreadSettings& settings);
/// Cores this process may run on.
int available_cores();
/// True when OpenBLAS's thread control was found in the process.
bool openblas_present();

}  // namespace modlr
