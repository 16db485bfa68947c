"""Thread settings, as src/core/threads.cpp: runner.threads (auto = available cores) and
runner.blas_threads (auto = 1), applied with torch.set_num_threads and OpenBLAS's
openblas_set_num_threads."""
import ctypes
import os

import torch

from .config import ConfigError


def available_cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def parse_count(spec, key, fallback):
    if spec == "auto":
        return fallback
    try:
        value = int(spec, 10)
        if value > 0 and spec.strip() == spec:
            return value
    except ValueError:
        pass
    raise ConfigError("config key '%s': expected 'auto' or a positive integer, got '%s'"
                      % (key, spec))


def resolve_threads(spec, blas_spec, key, auto_intra_op):
    """(intra_op, blas) thread counts; `auto_intra_op` is what "auto" means here."""
    blas_key = key[: key.rfind(".") + 1] + "blas_threads"
    return parse_count(spec, key, auto_intra_op), parse_count(blas_spec, blas_key, 1)


def _loaded_blas_libraries():
    """Paths of the BLAS libraries this process has mapped (torch loads OpenBLAS)."""
    paths = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path)
            if ("openblas" in name or name.startswith("libblas.so")) and path not in paths:
                paths.append(path)
    return paths


def openblas_setters():
    """openblas_set_num_threads of every loaded library that exports it."""
    setters = []
    for path in _loaded_blas_libraries():
        try:
            setters.append(ctypes.CDLL(path).openblas_set_num_threads)
        except (OSError, AttributeError):
            continue
    return setters


def apply_threads(intra_op, blas):
    torch.set_num_threads(intra_op)
    for setter in openblas_setters():
        setter.argtypes = [ctypes.c_int]
        setter(blas)
