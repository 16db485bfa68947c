"""The CSV data source, as src/formats/csv.cpp and src/dataset/csv_source.cpp.

The file is read with Python's csv module (strict=True), which agrees with modlr's parser
on every file both accept. Numbers are parsed by float() after the same syntax check as
formats::parse_number (both round correctly). Imputation and standardisation statistics are
computed in Python floats (IEEE double) in row order, exactly as the C++ loops, and the
results are rounded to float32 once, so the inputs are bitwise equal to modlr's."""
import csv
import gzip
import io
import math
import re

import torch

from .config import ConfigError
from .data import sha256_file, split_off

_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def parse_number(cell):
    """float(cell) for a cell of formats::parse_number's syntax that is finite, else None."""
    if not _NUMBER.fullmatch(cell):
        return None
    value = float(cell)
    return value if math.isfinite(value) else None


def read_text(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise ConfigError("%s: cannot read: %s" % (path, e.strerror))
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError("%s: not UTF-8 text (byte %d)" % (path, e.start))
    return text[1:] if text.startswith("\ufeff") else text


def read_csv(path):
    """(header, header_line, rows, lines) as formats::read_csv: lines[i] is row i's first line."""
    reader = csv.reader(io.StringIO(read_text(path), newline=""), strict=True)
    records, previous_end = [], 0
    try:
        for fields in reader:
            if fields:  # [] is a blank line, skipped
                records.append((fields, previous_end + 1))
            previous_end = reader.line_num
    except csv.Error as e:
        raise ConfigError("%s: line %d: %s" % (path, reader.line_num, e))
    if not records:
        raise ConfigError(path + ": empty file (no header row)")
    (header, header_line), rows = records[0], records[1:]
    for i, name in enumerate(header):
        if name in header[:i]:
            raise ConfigError("%s: line %d: column name '%s' appears twice in the header"
                              % (path, header_line, name))
    for fields, line in rows:
        if len(fields) != len(header):
            raise ConfigError("%s: line %d: %d fields, but the header has %d columns"
                              % (path, line, len(fields), len(header)))
    return header, header_line, [r for r, _ in rows], [line for _, line in rows]


def mean_of(values):
    total = 0.0
    for v in values:
        total += v
    return total / len(values)


def median_of(values):
    values = sorted(values)
    half = len(values) // 2
    return values[half] if len(values) % 2 else (values[half - 1] + values[half]) / 2


def std_of(values, mean):
    total = 0.0
    for v in values:
        total += (v - mean) * (v - mean)
    deviation = math.sqrt(total / len(values))
    return deviation if deviation > 0 else 1.0


class CsvSource:
    """Reads the `dataset` keys of the csv source, in CsvSource's order."""

    def __init__(self, c):
        self.config = c
        self.path = c.get("path", str)
        self.target = c.get("target", str)
        self.features = c.get("features", [str], [])
        self.categorical = c.get("categorical", [str], [])
        self.missing = c.get_choice("missing", "error", ["error", "mean", "median", "drop"])
        self.test_fraction = c.get("test_fraction", float, 0.2)
        self.split_seed = c.get_count("split_seed", 0, allow_zero=True)
        self.standardize = c.get("standardize", bool, False)
        self.target_scale = c.get_positive("target_scale", 1.0)
        self.max_categories = c.get_count("max_categories", 1000)
        self.decode_limits = c.read_decode_limits()
        c.read_cache()
        if not 0 < self.test_fraction < 1:
            c.fail("test_fraction", "must be a fraction in (0, 1)")
        for key, values in (("features", self.features), ("categorical", self.categorical)):
            for i, value in enumerate(values):
                if value in values[:i]:
                    c.fail(key, "lists '%s' twice" % value)
        if self.target in self.features:
            c.fail("features", "lists the target '%s'" % self.target)
        for name in self.categorical:
            if name == self.target:
                c.fail("categorical", "lists the target '%s'" % self.target)
            if self.features and name not in self.features:
                c.fail("categorical", "'%s' is not one of dataset.features" % name)
        self.numeric = []

    def _find_column(self, header, header_line, name, key):
        if name in header:
            return header.index(name)
        raise ConfigError("%s: line %d: no column '%s' (named by %s); the header has: %s"
                          % (self.path, header_line, name, self.config.path(key),
                             ", ".join("'%s'" % h for h in header)))

    def _resolve_features(self, header, header_line, rows):
        """[(column, categories or None)] in input order."""
        names = self.features or [h for h in header if h != self.target]
        features = []
        for name in names:
            column = self._find_column(header, header_line, name, "features")
            categories = None
            if name in self.categorical:
                categories = sorted({row[column] for row in rows if row[column]},
                                    key=lambda s: s.encode("utf-8"))
                if len(categories) > self.max_categories:
                    raise ConfigError("%s: categorical column '%s' has %d distinct values, more than "
                                     "dataset.max_categories = %d" % (self.path, name, len(categories),
                                                                      self.max_categories))
            features.append((column, categories))
        for name in self.categorical:
            if name not in names:
                self._find_column(header, header_line, name, "categorical")
        return features

    def _cell_error(self, line, column_name, what):
        return ConfigError("%s: line %d, column '%s': %s" % (self.path, line, column_name, what))

    def _number(self, cell, line, column_name):
        value = parse_number(cell)
        if value is None:
            raise self._cell_error(line, column_name, "not a number: '%s'" % cell[:40])
        return value

    def _read_row(self, row, line, header, features, target):
        """(inputs, target) of one row, or None when `missing: drop` leaves it out."""
        missing = False

        def on_missing(column, imputable):
            if self.missing == "error":
                raise self._cell_error(line, header[column],
                                       "empty cell (a missing value; dataset.missing is 'error')")
            if self.missing != "drop" and not imputable:
                raise self._cell_error(line, header[column], "empty cell: dataset.missing '%s' fills "
                                       "numeric features only (use 'drop' for this column)" % self.missing)
            return True

        x = []
        for column, categories in features:
            cell = row[column]
            if categories is not None:
                if not cell:
                    missing = on_missing(column, False)
                x += [1.0 if cell == category else 0.0 for category in categories]
            elif not cell:
                missing = on_missing(column, True)
                x.append(math.nan)
            else:
                x.append(self._number(cell, line, header[column]))
        y = None
        if not row[target]:
            missing = on_missing(target, False)
        else:
            y = self._number(row[target], line, header[target]) / self.target_scale
        return None if missing and self.missing == "drop" else (x, y)

    def load(self):
        """(train, test, files) as CsvSource::load: float64 inputs (NaN still to impute)."""
        header, header_line, rows, lines = read_csv(self.path)
        if not rows:
            raise ConfigError(self.path + ": a header but no data rows")
        target = self._find_column(header, header_line, self.target, "target")
        features = self._resolve_features(header, header_line, rows)
        self.numeric = []
        for _, categories in features:
            self.numeric += [True] if categories is None else [False] * len(categories)
        x, y = [], []
        for row, line in zip(rows, lines):
            read = self._read_row(row, line, header, features, target)
            if read is not None:
                x += read[0]
                y.append(read[1])
        if not y:
            raise ConfigError(self.path + ": no rows left after dropping those with missing values")
        n = len(y)
        data = (torch.tensor(x, dtype=torch.float64).view(n, len(self.numeric)),
                torch.tensor(y, dtype=torch.float64).to(torch.float32).view(n, 1))
        train, test = split_off(data, self.test_fraction, self.split_seed)
        return train, test, [(self.path, sha256_file(self.path))]

    def fit_on_train(self, train, validation, test):
        """Imputation and standardisation fitted on `train`, applied to every split (validation
        may be None); inputs become float32."""
        splits = [s for s in (train, validation, test)]
        rows = [s[0].tolist() if s is not None else None for s in splits]
        for j, numeric in enumerate(self.numeric):
            if not numeric:
                continue
            values = [row[j] for row in rows[0]]
            if self.missing in ("mean", "median"):
                present = [v for v in values if not math.isnan(v)]
                if not present:
                    raise ConfigError("%s: a numeric column has no value in the training split "
                                      "to impute from" % self.path)
                fill = mean_of(present) if self.missing == "mean" else median_of(present)
                self._map_column(rows, j, lambda v: fill if math.isnan(v) else v)
                values = [fill if math.isnan(v) else v for v in values]
            if self.standardize:
                mean = mean_of(values)
                deviation = std_of(values, mean)
                self._map_column(rows, j, lambda v: (v - mean) / deviation)
        out = []
        for split, split_rows in zip(splits, rows):
            if split is None:
                out.append(None)
                continue
            inputs = torch.tensor(split_rows, dtype=torch.float64).view(split[0].shape)
            out.append((inputs.to(torch.float32), split[1]))
        return tuple(out)

    @staticmethod
    def _map_column(rows, j, f):
        for split_rows in rows:
            if split_rows is not None:
                for row in split_rows:
                    row[j] = f(row[j])
