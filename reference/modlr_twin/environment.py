"""Facts recorded in summary.json's "environment", as src/run/training_run.cpp records them."""
import os

import torch

from .threads import blas_library, onednn_version

VERSION = "reference-python"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line[line.find(":") + 2:].rstrip("\n")
    except OSError:
        pass
    return "unknown"


def _git_dir(start):
    """The .git of the source tree `start` (the repository root) itself; a repository the
    tree was unpacked inside is not the source's (as cmake/build_info.cmake decides)."""
    candidate = os.path.join(os.path.abspath(start), ".git")
    if os.path.isdir(candidate):
        return candidate
    if os.path.isfile(candidate):  # a worktree: "gitdir: <path>"
        with open(candidate) as f:
            return os.path.join(os.path.abspath(start), f.read().strip().split(": ", 1)[1])
    return None


def source_commit(start):
    """The commit the twin's sources are checked out at, read from .git without running git
    ("unknown" outside a checkout; unlike modlr's build stamp it does not mark "-dirty")."""
    try:
        git = _git_dir(start)
        with open(os.path.join(git, "HEAD")) as f:
            head = f.read().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        common = git
        if os.path.isfile(os.path.join(git, "commondir")):
            with open(os.path.join(git, "commondir")) as f:
                common = os.path.join(git, f.read().strip())
        for base in (git, common):
            if os.path.isfile(os.path.join(base, ref)):
                with open(os.path.join(base, ref)) as f:
                    return f.read().strip()
        with open(os.path.join(common, "packed-refs")) as f:
            for line in f:
                if line.rstrip("\n").endswith(" " + ref):
                    return line.split()[0]
    except (OSError, TypeError, IndexError):
        pass
    return "unknown"


def environment(device, start):
    return {"modlr_version": VERSION, "torch_version": torch.__version__, "device": device,
            "cpu": cpu_model(), "git_commit": source_commit(start),
            "blas": blas_library(), "onednn": onednn_version(), "mode": "strict"}
