"""Dataset (splits) and BatchLoader, as src/dataset/dataset.cpp and loader.cpp."""
import torch

from .config import ConfigError
from .data import IdxSource, split_off, take_first
from .imdb import ImdbSource

SOURCES = {"idx": IdxSource, "imdb": ImdbSource}


class BatchLoader:
    """Batches (inputs, targets); when shuffling, each epoch draws its permutation from the
    loader's own generator (seeded once), and batches are cut with index_select."""

    def __init__(self, data, batch_size, shuffle, drop_last, seed):
        self.inputs, self.targets = data
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self.generator = torch.Generator()
        self.generator.manual_seed(seed)
        self.permutation = None

    def examples(self):
        return self.inputs.size(0)

    def batches_per_epoch(self):
        n = self.examples()
        size = self.batch_size
        return n // size if self.drop_last else (n + size - 1) // size

    def start_epoch(self):
        if self.shuffle:
            self.permutation = torch.randperm(self.examples(), generator=self.generator,
                                              dtype=torch.long)
        self._next, self._batches = 0, self.batches_per_epoch()

    def _assemble(self, index):
        start = index * self.batch_size
        length = min(self.batch_size, self.examples() - start)
        if self.permutation is None or self.permutation.numel() == 0:
            return self.inputs.narrow(0, start, length), self.targets.narrow(0, start, length)
        rows = self.permutation.narrow(0, start, length)
        return self.inputs.index_select(0, rows), self.targets.index_select(0, rows)

    def next(self):
        """The next (x, y) of this epoch, or None when the epoch is exhausted."""
        if self._next >= self._batches:
            return None
        self._next += 1
        return self._assemble(self._next - 1)


class Dataset:
    """Reads the `dataset` section in Dataset's order; data is read by load()."""

    def __init__(self, section, seed):
        self.seed = seed
        name = section.get("name", str, "idx")
        if name not in SOURCES:
            section.fail("name", "the Python twin reads the %s sources, got '%s'"
                         % (", ".join(sorted(SOURCES)), name))
        self.source = SOURCES[name](section)
        self.limit = section.get_count("limit", 0, allow_zero=True)
        self.validation_fraction = section.get("validation", float, 0.0)
        if self.validation_fraction < 0 or self.validation_fraction >= 1:
            section.fail("validation", "must be a fraction in [0, 1)")
        self.batch_size = section.get_count("batch_size", 32)
        self.shuffle = section.get("shuffle", bool, True)
        self.drop_last = section.get("drop_last", bool, False)
        self.prefetch = section.get("prefetch", str, "auto")  # no numeric effect
        self.eval_batch_size = section.get_count("eval_batch_size", 1000)
        self.splits, self.files = {}, []
        self.artifacts = []  # (file name, bytes) the run record keeps, e.g. vocab.txt

    def load(self):
        train, test, self.files = self.source.load()
        self.artifacts = getattr(self.source, "artifacts", [])
        train = take_first(train, self.limit)
        if self.validation_fraction > 0:
            train, validation = split_off(train, self.validation_fraction, self.seed)
            self.splits["validation"] = validation
        self.splits["train"], self.splits["test"] = train, test
        if train[0].size(0) == 0:
            raise ConfigError("dataset: the training split is empty")
        if test[0].size(0) == 0:
            raise ConfigError("dataset: the test split is empty")

    def has_validation(self):
        return "validation" in self.splits and self.splits["validation"][0].size(0) > 0

    def loader(self, split):
        if split == "train":
            return BatchLoader(self.splits[split], self.batch_size, self.shuffle, self.drop_last,
                               self.seed)
        return BatchLoader(self.splits[split], self.eval_batch_size, False, False, self.seed)
