"""The IDX dataset and its loaders, as src/dataset/*.cpp and src/formats/idx.cpp.

Images become float32 [N, 1, H, W] (divided by `scale`, then normalised by mean/std, in
that order, in float32); labels int64. The training loader shuffles with its own generator
seeded once with the run seed; no global RNG is touched."""
import gzip
import hashlib
import math
import os

import torch

from .config import ConfigError

DEFAULT_STEMS = (("train_images", "train-images-idx3-ubyte"),
                 ("train_labels", "train-labels-idx1-ubyte"),
                 ("test_images", "t10k-images-idx3-ubyte"),
                 ("test_labels", "t10k-labels-idx1-ubyte"))


def resolve_data_file(directory, stem):
    if not directory:
        base = stem
    else:
        base = directory + stem if directory.endswith("/") else directory + "/" + stem
    for candidate in (base + ".gz", base):
        if os.path.exists(candidate):
            return candidate
    raise ConfigError("data file not found: neither %s.gz nor %s exists" % (base, base))


def read_idx(path):
    """(dims, bytes) of an unsigned-byte IDX file, gzipped or raw (decided by its magic)."""
    with open(path, "rb") as f:
        raw = f.read()
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08 or not 1 <= data[3] <= 4:
        raise ConfigError(path + ": not an unsigned-byte IDX file")
    ndims = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndims)]
    header = 4 + 4 * ndims
    if len(data) - header != math.prod(dims):
        raise ConfigError(path + ": IDX header and data length disagree")
    return dims, data[header:]


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def preprocess(images, scale, mean, std):
    """images: uint8 [N, C, H, W] -> float32, exactly as ImagePreprocess::apply."""
    x = images.to(torch.float32).div_(scale)
    if not mean:
        return x
    channels = len(mean)

    def as_tensor(values):
        return torch.tensor(values, dtype=torch.float64).to(torch.float32).view(1, channels, 1, 1)

    return x.sub_(as_tensor(mean)).div_(as_tensor(std))


class IdxSource:
    """Reads the `dataset` keys of the idx source, in IdxSource's order."""

    def __init__(self, c):
        self.dir = c.get("path", str)
        self.classes = c.get_count("classes", 10)
        self.stems = [c.get(key, str, default) for key, default in DEFAULT_STEMS]
        self.scale = c.get_positive("scale", 255.0)
        self.mean = c.get("mean", [float], [])
        self.std = c.get("std", [float], [])
        self.decode_limits = c.read_decode_limits()
        c.read_cache()
        if len(self.mean) != len(self.std):
            c.fail("std", "mean and std must have the same length")
        if self.mean and len(self.mean) != 1:
            c.fail("mean", "needs one value per channel (1)")
        if any(not s > 0 for s in self.std):
            c.fail("std", "every value must be > 0")

    def _read_split(self, images_stem, labels_stem, files):
        images_path = resolve_data_file(self.dir, images_stem)
        labels_path = resolve_data_file(self.dir, labels_stem)
        dims, pixels = read_idx(images_path)
        label_dims, labels = read_idx(labels_path)
        if len(dims) != 3 or len(label_dims) != 1 or dims[0] != label_dims[0]:
            raise ConfigError("%s / %s: not a matching image/label pair"
                              % (images_path, labels_path))
        if labels and max(labels) >= self.classes:
            raise ConfigError(labels_path + ": label out of range (num_classes %d)" % self.classes)
        files += [(images_path, sha256_file(images_path)), (labels_path, sha256_file(labels_path))]
        images = torch.frombuffer(bytearray(pixels), dtype=torch.uint8)
        images = images.view(dims[0], 1, dims[1], dims[2])
        targets = torch.frombuffer(bytearray(labels), dtype=torch.uint8).to(torch.int64)
        return preprocess(images, self.scale, self.mean, self.std), targets

    def load(self):
        """(train, test, files): train/test are (inputs, targets); files [(path, sha256)]."""
        files = []
        train = self._read_split(self.stems[0], self.stems[1], files)
        test = self._read_split(self.stems[2], self.stems[3], files)
        return train, test, files


def llround(x):
    """C's llround (halves away from zero) for x >= 0."""
    floor = math.floor(x)
    return int(floor) + (1 if x - floor >= 0.5 else 0)


def select_rows(data, rows):
    """(inputs, targets[, fields]) with rows `rows` of each tensor (fields: {name: [N]})."""
    out = (data[0].index_select(0, rows), data[1].index_select(0, rows))
    if len(data) > 2:
        out += ({name: field.index_select(0, rows) for name, field in data[2].items()},)
    return out


def split_off(data, fraction, seed):
    """(kept, held_out): round(fraction * n) rows chosen by a seeded permutation, in order."""
    n = data[0].size(0)
    held = llround(fraction * n)
    permutation = torch.randperm(n, generator=torch.Generator().manual_seed(seed), dtype=torch.long)
    held_rows = permutation.narrow(0, 0, held).sort()[0]
    kept_rows = permutation.narrow(0, held, n - held).sort()[0]
    return select_rows(data, kept_rows), select_rows(data, held_rows)


def take_first(data, limit):
    """The first `limit` rows (0: all), fields included, as modlr's take_first."""
    if limit <= 0 or limit >= data[0].size(0):
        return data
    out = (data[0].narrow(0, 0, limit), data[1].narrow(0, 0, limit))
    if len(data) > 2:
        out += ({name: field.narrow(0, 0, limit) for name, field in data[2].items()},)
    return out
