"""runner.precision as src/runner/mixed_precision.cpp: autocast for forward and loss
(bf16 / fp16), and for fp16 a loss scaler with torch.amp.GradScaler's defaults and
arithmetic, written out op for op so that the twin steps exactly as modlr does (GradScaler
itself hides the per-optimizer unscale that modlr's clipping needs before the step)."""
import contextlib

import torch

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def autocast(precision, device="cpu"):
    if precision not in DTYPES:
        return contextlib.nullcontext()
    return torch.autocast(device, dtype=DTYPES[precision])


class GradScaler:
    """scale() the objective before backward, unscale() an optimizer's gradients (False:
    skip its step), update() once per training step."""

    def __init__(self, device="cpu"):
        self.scale_ = torch.full((), 65536.0, dtype=torch.float32, device=device)
        self.growth_tracker = torch.zeros((), dtype=torch.int32, device=device)
        self.found_inf = torch.zeros((), dtype=torch.float32, device=device)

    def scale(self, objective):
        return objective * self.scale_

    def unscale(self, params):
        grads = [p.grad for p in params if p.grad is not None]
        inv_scale = self.scale_.double().reciprocal().float()
        found = torch.zeros((), dtype=torch.float32, device=self.scale_.device)
        if grads:
            torch._amp_foreach_non_finite_check_and_unscale_(grads, found, inv_scale)
        self.found_inf.add_(found)
        return found.item() == 0.0

    def update(self):
        torch._amp_update_scale_(self.scale_, self.growth_tracker, self.found_inf, 2.0, 0.5, 2000)
        self.found_inf.zero_()
