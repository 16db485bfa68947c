"""modlr_twin: the PyTorch (Python) twin of `modlr train` for the IDX workloads.

Modules mirror modlr's sources: config (core/config.cpp), threads (core/threads.cpp),
data + loader (dataset/), models (model/), optim (loss/, optimizer/), metrics + suite
(metrics/), runner (runner/), record (tracking/), experiment (runner/experiment.cpp).
"""
