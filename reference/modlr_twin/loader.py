"""Dataset (splits) and BatchLoader, as src/dataset/dataset.cpp and loader.cpp."""
import torch

from .cifar import BatchAugmenter, Cifar10Source, read_augment
from .config import ConfigError
from .data import IdxSource, split_off, take_first
from .imdb import ImdbSource
from .parallel_text import ParallelTextSource
from .tabular import CsvSource


SOURCES = {"idx": IdxSource, "cifar10": Cifar10Source, "csv": CsvSource, "imdb": ImdbSource,
           "parallel_text": ParallelTextSource}


class BatchLoader:
    """Batches (inputs, targets); when shuffling, each epoch draws its permutation from the
    loader's own generator (seeded once), and batches are cut with index_select. `data` may
    carry a third element, the source's fields {name: int64 [N]}, which `bucket` (a
    (field name, pool) pair, training only) reads for length bucketing."""

    def __init__(self, data, batch_size, shuffle, drop_last, seed, augment=None, bucket=None):
        self.inputs, self.targets = data[0], data[1]
        self.fields = data[2] if len(data) > 2 else {}
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self.bucket = bucket if bucket and bucket[0] else None
        if self.bucket:
            field = self.fields.get(self.bucket[0])
            if field is None or field.dim() != 1 or field.dtype != torch.int64:
                raise ConfigError("bucket_by '%s': the data source delivers no int64 [N] field of that name"
                                  % self.bucket[0])
        self.generator = torch.Generator()
        self.generator.manual_seed(seed)
        self.permutation = None
        # (crop_padding, hflip) when augmenting: applied in next(), as modlr's BatchLoader
        self.augmenter = BatchAugmenter(*augment, seed) if augment and (augment[0] > 0 or augment[1]) else None

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
            if self.bucket:
                self.permutation = self._bucketed(self.permutation)
        self._next, self._batches = 0, self.batches_per_epoch()

    def _bucketed(self, permutation):
        """BatchLoader::bucketed: pools of bucket_pool batches of the permutation, each sorted
        by length (stable, shortest first), then the full batches in an order drawn from the
        same generator, the partial batch last."""
        n, size = permutation.numel(), self.batch_size
        pool = size * self.bucket[1]
        lengths = self.fields[self.bucket[0]]
        pools = []
        for start in range(0, n, pool):
            rows = permutation.narrow(0, start, min(pool, n - start))
            order = lengths.index_select(0, rows).sort(stable=True, dim=0, descending=False)[1]
            pools.append(rows.index_select(0, order))
        by_length = torch.cat(pools)
        full = n // size
        order = torch.randperm(full, generator=self.generator, dtype=torch.long).tolist()
        batches = [by_length.narrow(0, b * size, size) for b in order]
        if n > full * size:
            batches.append(by_length.narrow(0, full * size, n - full * size))
        return torch.cat(batches) if batches else by_length

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
        x, y = self._assemble(self._next - 1)
        return (self.augmenter(x), y) if self.augmenter else (x, y)


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
        self.bucket_by = section.get("bucket_by", str, "")
        self.bucket_pool = section.get_count("bucket_pool", 100)
        self.prefetch = section.get_count("prefetch", 0, allow_zero=True)  # no numeric effect
        self.eval_batch_size = section.get_count("eval_batch_size", 1000)
        self.augment = read_augment(section.section("augment")) if section.has("augment") else None
        # Where the splits live (modlr's dataset.device); the twin runs on the CPU.
        self.device = section.get_choice("device", "auto", ["auto", "cpu", "cuda"])
        if self.device == "cuda":
            section.fail("device", "cuda needs runner.device: cuda (the Python twin runs on the CPU only)")
        self.splits, self.files, self.extra_tests = {}, [], []
        self.artifacts = []  # (file name, bytes) the run record keeps, e.g. vocab.txt

    def load(self):
        train, test, self.files, *extra = self.source.load()
        self.extra_tests = extra[0] if extra else []  # [(name, (inputs, targets))]
        self.artifacts = getattr(self.source, "artifacts", [])
        train, validation = take_first(train, self.limit), getattr(self.source, "validation", None)
        if validation is not None and validation[0].size(0) > 0:  # the source's own split
            if self.validation_fraction > 0:
                raise ConfigError("dataset: config key 'dataset.validation': must be 0: the source reads "
                                  "its own validation split (validation_path)")
        elif self.validation_fraction > 0:
            train, validation = split_off(train, self.validation_fraction, self.seed)
        if train[0].size(0) == 0:
            raise ConfigError("dataset: the training split is empty")
        if test[0].size(0) == 0:
            raise ConfigError("dataset: the test split is empty")
        self._check_extra_tests()
        if hasattr(self.source, "fit_on_train"):  # as DataSource::fit_on_train
            train, validation, test = self.source.fit_on_train(train, validation, test)
        if validation is not None:
            self.splits["validation"] = validation
        self.splits["train"], self.splits["test"] = train, test
        if self.augment and (self.augment[0] > 0 or self.augment[1]) and train[0].dim() != 4:
            raise ConfigError("dataset.augment: needs image inputs [N, C, H, W], but this source "
                              "gives %d-dimensional inputs" % train[0].dim())
        fields = train[2] if len(train) > 2 else {}
        if self.bucket_by and self.bucket_by not in fields:
            raise ConfigError("dataset: config key 'dataset.bucket_by': names no field of this data source "
                              "(fields: %s)" % (", ".join(sorted(fields)) or "none"))

    def _check_extra_tests(self):
        """Distinct names, none a main split, none empty (Dataset::check_extra_tests)."""
        seen = ["train", "validation", "test"]
        for name, data in self.extra_tests:
            if name in seen:
                raise ConfigError("dataset: extra test split name '%s' is used twice or names a main split" % name)
            seen.append(name)
            if data[0].size(0) == 0:
                raise ConfigError("dataset: the extra test split '%s' is empty" % name)

    def has_validation(self):
        return "validation" in self.splits and self.splits["validation"][0].size(0) > 0

    def loader(self, split):
        if split == "train":
            return BatchLoader(self.splits[split], self.batch_size, self.shuffle, self.drop_last,
                               self.seed, self.augment, (self.bucket_by, self.bucket_pool))
        return BatchLoader(self.splits[split], self.eval_batch_size, False, False, self.seed)

    def extra_test_loader(self, name):
        data = dict(self.extra_tests)[name]
        return BatchLoader(data, self.eval_batch_size, False, False, self.seed)
