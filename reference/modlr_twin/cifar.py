"""The CIFAR-10 source and the training-batch augmentation, as src/dataset/cifar_source.cpp,
src/formats/cifar.cpp and src/dataset/augment.cpp (same keys, same order, same draws)."""
import gzip
import os
import re

import torch

from .config import ConfigError
from .data import preprocess, sha256_file

RECORD = 3073  # 1 label byte + 3 x 32 x 32 pixel bytes (R, G, B planes)
DEFAULT_TRAIN = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4"]
DEFAULT_TEST = ["data_batch_5"]


def resolve_batch_file(directory, stem):
    """S.bin.gz, S.bin, S.gz or S: the first that exists."""
    if not directory:
        base = stem
    else:
        base = directory + stem if directory.endswith("/") else directory + "/" + stem
    for candidate in (base + ".bin.gz", base + ".bin", base + ".gz", base):
        if os.path.exists(candidate):
            return candidate
    raise ConfigError("data file not found: none of %s.bin.gz, %s.bin, %s.gz, %s exists"
                      % (base, base, base, base))


def read_cifar10(path):
    """(pixels uint8 [N, 3, 32, 32], labels int64 [N]) of a raw or gzipped batch file."""
    with open(path, "rb") as f:
        raw = f.read()
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    if not data:
        raise ConfigError(path + ": empty CIFAR-10 file (no records)")
    if len(data) % RECORD:
        raise ConfigError("%s: size %d bytes is not a multiple of the 3073-byte CIFAR-10 record "
                          "(%d whole records and %d bytes left over): truncated or not CIFAR-10"
                          % (path, len(data), len(data) // RECORD, len(data) % RECORD))
    records = torch.frombuffer(bytearray(data), dtype=torch.uint8).view(-1, RECORD)
    labels = records[:, 0]
    bad = (labels > 9).nonzero()
    if bad.numel():
        index = int(bad[0, 0])
        raise ConfigError("%s: record %d has label %d, expected 0..9 (label out of range)"
                          % (path, index, int(labels[index])))
    pixels = records[:, 1:].reshape(-1, 3, 32, 32).clone()
    return pixels, labels.to(torch.int64)


class Cifar10Source:
    """Reads the `dataset` keys of the cifar10 source, in Cifar10Source's order."""

    def __init__(self, c):
        self.dir = c.get("path", str)
        self.train_files = self._stems(c, "train_files", DEFAULT_TRAIN)
        self.test_files = self._stems(c, "test_files", DEFAULT_TEST)
        for stem in self.test_files:
            if stem in self.train_files:
                c.fail("test_files", "'%s' is also a training file" % stem)
        extra = c.section("extra_test_files")
        self.extra_files = []
        for name in extra.keys():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or name in ("train", "validation", "test"):
                extra.fail(name, "a split name must match [a-z][a-z0-9_]* and not be train, "
                                 "validation or test")
            self.extra_files.append((name, self._stems(extra, name, None)))
        self.scale = c.get_positive("scale", 255.0)
        self.mean = c.get("mean", [float], [])
        self.std = c.get("std", [float], [])
        if len(self.mean) != len(self.std):
            c.fail("std", "mean and std must have the same length")
        if self.mean and len(self.mean) != 3:
            c.fail("mean", "needs one value per channel (3)")
        if any(not s > 0 for s in self.std):
            c.fail("std", "every value must be > 0")
        self.decode_limits = c.read_decode_limits()
        c.read_cache()

    @staticmethod
    def _stems(c, key, fallback):
        stems = c.get(key, [str]) if fallback is None else c.get(key, [str], fallback)
        if not stems:
            c.fail(key, "needs at least one file")
        return stems

    def _read_split(self, stems, files):
        images, labels = [], []
        for stem in stems:
            path = resolve_batch_file(self.dir, stem)
            pixels, targets = read_cifar10(path)
            files.append((path, sha256_file(path)))
            images.append(pixels)
            labels.append(targets)
        return preprocess(torch.cat(images), self.scale, self.mean, self.std), torch.cat(labels)

    def load(self):
        """(train, test, files, extra_tests): extra_tests [(name, (inputs, targets))]."""
        files = []
        train = self._read_split(self.train_files, files)
        test = self._read_split(self.test_files, files)
        extra = [(name, self._read_split(stems, files)) for name, stems in self.extra_files]
        return train, test, files, extra


# ---- augmentation -----------------------------------------------------------------------

def augment_seed(run_seed):
    return (run_seed + 0x9E3779B97F4A7C15) % (1 << 64)


def read_augment(section):
    """(crop_padding, hflip), read in AugmentOptions::from_config's order."""
    return section.get_count("crop_padding", 0, allow_zero=True), section.get("hflip", bool, False)


def crop_and_flip(images, padding, offsets, flips):
    """As modlr::crop_and_flip: one gather over the zero-padded batch."""
    b, c, h, w = images.shape
    padded = torch.nn.functional.pad(images, (padding,) * 4) if padding > 0 else images.contiguous()
    padded_w = w + 2 * padding
    rows = torch.arange(h, dtype=torch.int64).view(1, h).expand(b, h)
    cols = torch.arange(w, dtype=torch.int64).view(1, w).expand(b, w)
    if flips is not None:
        cols = torch.where(flips.view(b, 1).to(torch.bool), (w - 1) - cols, cols)
    if offsets is not None:
        rows = rows + offsets[0].view(b, 1)
        cols = cols + offsets[1].view(b, 1)
    index = (rows.view(b, h, 1) * padded_w + cols.view(b, 1, w)).view(b, 1, h * w)
    return padded.reshape(b, c, -1).gather(2, index.expand(b, c, h * w)).view(b, c, h, w)


class BatchAugmenter:
    """Draws per batch offsets = randint(0, 2P+1, (2, B)) then flips = randint(0, 2, (B,))
    from its own generator seeded with augment_seed(run seed)."""

    def __init__(self, padding, hflip, seed):
        self.padding, self.hflip = padding, hflip
        self.generator = torch.Generator()
        self.generator.manual_seed(augment_seed(seed))

    def __call__(self, images):
        b = images.size(0)
        offsets = flips = None
        if self.padding > 0:
            offsets = torch.randint(0, 2 * self.padding + 1, (2, b), generator=self.generator,
                                    dtype=torch.int64)
        if self.hflip:
            flips = torch.randint(0, 2, (b,), generator=self.generator, dtype=torch.int64)
        return crop_and_flip(images, self.padding, offsets, flips)
