"""User hooks (runner.hooks), as src/runner/sample_grid_hook.cpp, and the PNG encoder of
src/formats/png.cpp: the same grid, the same bytes (filter 0 rows, zlib level 6)."""
import os
import struct
import zlib

import torch

from .models import conditional_input

BORDER, BORDER_VALUE = 2, 255


def encode_png(pixels, width, height, channels):
    """PNG bytes of row-major 8-bit `pixels` (bytes), channels 1, 3 or 4."""
    color = {1: 0, 3: 2, 4: 6}[channels]
    stride = width * channels
    raw = b"".join(b"\0" + pixels[y * stride:(y + 1) * stride] for y in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))

    header = struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def image_grid(images, rows):
    """(pixels, width, height, channels) of images [N, C, H, W] in [-1, 1], as image_grid."""
    n, c, h, w = images.shape
    columns = (n + rows - 1) // rows
    pixels = (images.detach().to(torch.float32).add(1.0).mul(127.5).round().clamp(0, 255)
              .to(torch.uint8).permute(0, 2, 3, 1).contiguous())
    width, height = columns * (w + BORDER) + BORDER, rows * (h + BORDER) + BORDER
    grid = torch.full((height, width, c), BORDER_VALUE, dtype=torch.uint8)
    for i in range(n):
        top, left = (i // columns) * (h + BORDER) + BORDER, (i % columns) * (w + BORDER) + BORDER
        grid[top:top + h, left:left + w] = pixels[i]
    return bytes(grid.reshape(-1).tolist()), width, height, c


def _write_atomic(path, data):
    temporary = "%s.tmp.%d" % (path, os.getpid())
    with open(temporary, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


class SampleGridHook:
    """Fixed noise from its own generator seeded with the run seed, drawn at fit start; after
    every `every` epochs (and the last) the model's samples in evaluation mode as
    <run dir>/samples/epoch-NNNN.png (rows x rows; K x rows, a row per class, for a generator
    conditioned on K classes). Draws nothing from the global generator."""

    def __init__(self, section, seed):
        self.model = section.get("model", str, "generator")
        self.rows = section.get_count("rows", 8)
        if self.rows > 32:
            section.fail("rows", "at most 32 (a grid of 1024 samples)")
        self.every = section.get_count("every", 1)
        self.seed = seed
        self.noise, self.grid_rows = None, self.rows

    def fit_start(self, runner):
        model = runner.models.get(self.model)
        shape = list(getattr(model, "input_shape", []))
        if not shape:
            raise ValueError("sample_grid: model '%s' declares no input shape (not a generator?)"
                             % self.model)
        # A generator conditioned on K classes gets a row per class: noise [K * rows, latent],
        # then row k's samples asked for class k (the same noise in every row's column).
        classes = getattr(model, "classes", 0)
        self.grid_rows = classes if classes > 0 else self.rows
        shape[-1] -= classes
        generator = torch.Generator()
        generator.manual_seed(self.seed)
        self.noise = torch.randn([self.grid_rows * self.rows] + shape, generator=generator)
        if classes > 0:
            self.noise = conditional_input(self.noise, torch.arange(classes).repeat_interleave(self.rows), classes)

    def epoch_end(self, runner):
        if runner.epoch % self.every != 0 and runner.epoch != runner.epochs:
            return
        if runner.record is None:
            return
        model = runner.models.get(self.model)
        was_training = model.training
        model.train(False)
        with torch.no_grad():
            images = model(self.noise)
        model.train(was_training)
        directory = runner.record.dir + "/samples"
        os.makedirs(directory, exist_ok=True)
        pixels, width, height, channels = image_grid(images, self.grid_rows)
        _write_atomic("%s/epoch-%04d.png" % (directory, runner.epoch),
                      encode_png(pixels, width, height, channels))


HOOKS = {"sample_grid": SampleGridHook}


BUILTIN_HOOKS = ["timing", "progress", "validation_schedule", "tracking", "interrupt", "checkpoint"]


def build_hooks(runner, seed):
    """runner.builtin_hooks (the twin runs all of them, as its loop) and runner.hooks, read
    as src/runner/experiment.cpp reads them."""
    if runner.get("builtin_hooks", [str], BUILTIN_HOOKS) != BUILTIN_HOOKS:
        runner.fail("builtin_hooks", "the Python twin runs every built-in hook")
    if not runner.has("hooks"):
        runner.get("hooks", [str], [])  # records the default, an empty list
        return []
    hooks = []
    for section in runner.list_sections("hooks"):
        name = section.get("name", str)
        if name not in HOOKS or section.has("when"):
            section.fail("name", "hook '%s' (or its `when`) is not supported by the Python twin" % name)
        hooks.append(HOOKS[name](section, seed))
    return hooks
