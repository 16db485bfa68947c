"""modlr_twin: the PyTorch (Python) twin of `modlr train` (IDX, CIFAR-10, CSV, IMDb, Multi30k).

Modules mirror modlr's sources: config (core/config.cpp), threads (core/threads.cpp),
data + loader (dataset/), models (model/), optim (loss/, optimizer/), metrics + suite
(metrics/), runner (runner/), record (tracking/), experiment (runner/experiment.cpp).
"""
