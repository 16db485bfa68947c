"""The judge of generated images, as src/loss/judge.cpp (include/modlr/loss/judge.h): a
classifier modlr trained (its config's `model` and `dataset` sections), frozen, that names
the class of the images a conditional generator drew (the `acgan` loss's judge_accuracy)."""
import hashlib

import torch

from .config import Config
from .data import preprocess
from .models import build_model
from . import safetensors


def _load_archive(model, path):
    """A modlr .pt checkpoint of one model ("model"), read only when `<path>.sha256` matches,
    as load_checkpoint (formats/checksummed.h)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        with open(path + ".sha256") as f:
            recorded = f.read().strip()
    except OSError:
        raise ValueError("%s: .pt files are read only as modlr's own checkpoints (no matching %s.sha256)"
                         % (path, path))
    if hashlib.sha256(data).hexdigest() != recorded:
        raise ValueError("%s: .pt files are read only as modlr's own checkpoints (checksum mismatch)" % path)
    stored = dict(getattr(torch.jit.load(path), "model"))
    expected = dict(model.named_parameters())
    expected.update(dict(model.named_buffers()))
    for name, target in expected.items():
        if name not in stored or stored[name].shape != target.shape or stored[name].dtype != target.dtype:
            raise ValueError("%s: tensor '%s' is missing or mis-shaped" % (path, name))
    for name in stored:
        if name not in expected:
            raise ValueError("%s: unexpected tensor '%s'" % (path, name))
    with torch.no_grad():
        for name, target in expected.items():
            target.copy_(stored[name])


class Judge:
    def __init__(self, config_path, checkpoint):
        self.config_path = config_path
        config = Config.load(config_path)
        data = config.section("dataset")
        self.channels = 1
        if data.has("mean") and data.is_list("mean"):
            self.channels = len(data.get("mean", [float]))
        # ImagePreprocess::from_config(data, channels): scale, then mean and std.
        self.scale = data.get_positive("scale", 255.0)
        self.mean = data.get("mean", [float], [])
        self.std = data.get("std", [float], [])
        if len(self.mean) != len(self.std):
            data.fail("std", "mean and std must have the same length")
        if self.mean and len(self.mean) != self.channels:
            data.fail("mean", "needs one value per channel (%d)" % self.channels)
        if any(not s > 0 for s in self.std):
            data.fail("std", "every value must be > 0")
        # Building draws initial weights from the global generator; the checkpoint replaces
        # them, so the draws are taken back (a run with a judge draws as one without).
        state = torch.get_rng_state()
        self.model = build_model(config.section("model"))
        torch.set_rng_state(state)
        if checkpoint.endswith(".safetensors"):
            safetensors.load_into(self.model, checkpoint)
        else:
            _load_archive(self.model, checkpoint)
        self.model.train(False)

    def classify(self, images):
        """int64 [N]: the judge's class of each image [N, C, H, W] in [-1, 1], seen as the
        8-bit pixels of the sample grid, then through the judge's own preprocessing."""
        if images.dim() != 4 or images.size(1) != self.channels:
            raise ValueError("judge %s: expected generated images [N, %d, H, W], got %s"
                             % (self.config_path, self.channels, list(images.shape)))
        with torch.no_grad():
            pixels = (images.detach().to(torch.float32).add(1.0).mul(127.5).round().clamp(0, 255)
                      .to(torch.uint8))
            return self.model(preprocess(pixels, self.scale, self.mean, self.std)).argmax(1)
