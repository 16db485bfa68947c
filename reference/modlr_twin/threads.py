"""Thread settings, as src/core/threads.cpp: runner.threads (auto = available cores, at
most 4 x the available cores), applied with torch.set_num_threads, which governs MKL and
oneDNN too."""
import os
import re

import torch

from .config import ConfigError


def available_cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def max_threads():
    return 4 * available_cores()


def parse_count(spec, key, fallback):
    if spec == "auto":
        return fallback
    try:
        value = int(spec, 10)
        if value > max_threads() and spec.strip() == spec:
            raise ConfigError("config key '%s': %s threads is more than %d (4 x the %d available cores)"
                              % (key, spec, max_threads(), available_cores()))
        if value > 0 and spec.strip() == spec:
            return value
    except ValueError:
        pass
    raise ConfigError("config key '%s': expected 'auto' or a positive integer, got '%s'"
                      % (key, spec))


def resolve_threads(spec, key):
    """The intra-op thread count; "auto" is every available core, as modlr::resolve_threads."""
    return parse_count(spec, key, available_cores())


def apply_threads(intra_op):
    torch.set_num_threads(intra_op)


def _from_config(pattern):
    match = re.search(pattern, torch.__config__.show())
    return match.group(1) if match else "none"


def blas_library():
    """As modlr::blas_library: "MKL <version>", else torch's BLAS_INFO, else "none"."""
    mkl = _from_config(r"Math Kernel Library Version ([0-9.]+)")
    return "MKL " + mkl if mkl != "none" else _from_config(r"BLAS_INFO=([a-z0-9_]+)")


def onednn_version():
    return _from_config(r"MKL-DNN v([0-9.]+)")
