"""The parallel_text data source, as src/dataset/parallel_text_source.cpp and
src/formats/parallel_text.cpp: line-aligned <split>.<language>[.gz] files, one vocabulary
per language built from the training split (the first `limit` pairs), every sentence
encoded as <bos> ids <eos> and right-padded with 0 to its split's longest.

Splits are (source ids [N, S], target ids [N, T], {"source_lengths", "target_lengths"}),
the lengths counting <bos> and <eos>. vocab.<language>.txt go to the run record."""
import collections
import gzip

import torch

from .config import ConfigError
from .data import resolve_data_file, sha256_file
from .imdb import tokenize_with

SPECIALS = [b"<pad>", b"<unk>", b"<bos>", b"<eos>"]  # ids 0..3 (TranslationTokens)
BOS, EOS = 2, 3


def parse_text_lines(data, name, allow_empty_lines):
    """formats::parse_text_lines: lines split at \\n, one trailing \\r dropped, each valid
    UTF-8 and (unless allowed) not blank; a final \\n ends the last line."""
    lines, at = [], 0
    while at < len(data):
        newline = data.find(b"\n", at)
        end = len(data) if newline < 0 else newline
        line = data[at:end]
        if line.endswith(b"\r"):
            line = line[:-1]
        where = "%s: line %d" % (name, len(lines) + 1)
        try:
            line.decode("utf-8")  # Python's strict decoder accepts what invalid_utf8_offset does
        except UnicodeDecodeError as e:
            raise ConfigError("%s: not UTF-8 (invalid byte at column %d)" % (where, e.start + 1))
        if not allow_empty_lines and not line.strip(b" \t"):
            raise ConfigError(where + ": empty line (every line must hold a sentence; "
                              "dataset.allow_empty_lines: true keeps them)")
        lines.append(line)
        at = end + 1
    return lines


def read_text_file(path):
    with open(path, "rb") as f:
        raw = f.read()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def build_vocabulary(counts, max_size, min_freq):
    """Vocabulary::build with the specials <bos>, <eos>: count desc, then bytes asc."""
    kept = sorted((kv for kv in counts.items() if kv[1] >= min_freq), key=lambda kv: (-kv[1], kv[0]))
    return SPECIALS + [word for word, _ in kept[:max(max_size - len(SPECIALS), 0)]]


class ParallelTextSource:
    """Reads the `dataset` keys of the parallel_text source, in ParallelTextOptions' order."""

    def __init__(self, c):
        self.path = c.get("path", str)
        self.source_language = c.get("source_language", str)
        self.target_language = c.get("target_language", str)
        self.train = c.get("train", str, "train")
        self.test = c.get("test", str)
        self.validation_split = c.get("validation_split", str, "")
        self.extra_test_names = c.get("extra_tests", [str], [])
        self.lowercase = c.get_choice("lowercase", "latin", ["ascii", "latin", "none"])
        self.max_size = c.get_count("max_size", 10000)
        self.min_freq = c.get_count("min_freq", 2)
        self.max_length = c.get_count("max_length", 100)
        self.allow_empty_lines = c.get("allow_empty_lines", bool, False)
        self.vocabulary_limit = c.get_count("limit", 0, allow_zero=True)
        self.decode_limits = c.read_decode_limits()
        self._check(c)
        self.artifacts, self.validation = [], None

    def _check(self, c):
        """check_options, after every key is read."""
        if not self.path:
            c.fail("path", "names no folder")
        if not self.source_language:
            c.fail("source_language", "is empty")
        if not self.target_language or self.target_language == self.source_language:
            c.fail("target_language", "must name another language than source_language")
        if not self.train:
            c.fail("train", "names no split")
        if not self.test:
            c.fail("test", "names no split")
        if self.max_size < 5:
            c.fail("max_size", "must be >= 5 (4 special tokens and a word)")
        if self.max_length < 3:
            c.fail("max_length", "must be >= 3 (<bos>, a token, <eos>)")
        self._max_length_key = c.path("max_length")

    def _tokens(self, line):
        return tokenize_with(line, False, self.lowercase)

    def _read(self, stem, files):
        """Both sides of split `stem`: [(file, lines)] for source then target."""
        sides = []
        for language in (self.source_language, self.target_language):
            path = resolve_data_file(self.path, stem + "." + language)
            sides.append((path, parse_text_lines(read_text_file(path), path, self.allow_empty_lines)))
        (source_file, source), (target_file, target) = sides
        if len(source) != len(target):
            raise ConfigError("%s has %d lines but %s has %d: line i of one must translate line i of the other"
                              % (source_file, len(source), target_file, len(target)))
        files += [(source_file, sha256_file(source_file)), (target_file, sha256_file(target_file))]
        return sides

    def _vocabulary(self, lines):
        count = len(lines) if self.vocabulary_limit <= 0 else min(len(lines), self.vocabulary_limit)
        counts = collections.Counter()
        for line in lines[:count]:
            counts.update(self._tokens(line))
        return build_vocabulary(counts, self.max_size, self.min_freq)

    def _encode_side(self, side, vocabulary):
        """ids [N, L] (<bos> ids <eos>, right-padded with 0) and lengths [N]."""
        path, lines = side
        ids = {word: i for i, word in enumerate(vocabulary)}
        rows = []
        for i, line in enumerate(lines):
            tokens = self._tokens(line)
            if len(tokens) + 2 > self.max_length:
                raise ConfigError("%s: line %d: %d tokens with <bos> and <eos>, more than %s = %d"
                                  % (path, i + 1, len(tokens) + 2, self._max_length_key, self.max_length))
            rows.append([BOS] + [ids.get(token, 1) for token in tokens] + [EOS])
        longest = max((len(row) for row in rows), default=0)
        padded = [row + [0] * (longest - len(row)) for row in rows]
        return (torch.tensor(padded, dtype=torch.int64).view(len(rows), longest),
                torch.tensor([len(row) for row in rows], dtype=torch.int64))

    def _encode(self, split):
        source, source_lengths = self._encode_side(split[0], self.vocabularies[0])
        target, target_lengths = self._encode_side(split[1], self.vocabularies[1])
        return source, target, {"source_lengths": source_lengths, "target_lengths": target_lengths}

    def load(self):
        """(train, test, files, extra_tests) as Cifar10Source.load; the validation split read
        from files (validation_split) goes to self.validation, the vocabularies to artifacts."""
        files = []
        train = self._read(self.train, files)
        self.vocabularies = [self._vocabulary(side[1]) for side in train]
        encoded_train = self._encode(train)
        test = self._encode(self._read(self.test, files))
        if self.validation_split:
            self.validation = self._encode(self._read(self.validation_split, files))
        extra = [(stem, self._encode(self._read(stem, files))) for stem in self.extra_test_names]
        self.artifacts = [("vocab.%s.txt" % language, b"".join(word + b"\n" for word in vocabulary))
                          for language, vocabulary in zip((self.source_language, self.target_language),
                                                          self.vocabularies)]
        return encoded_train, test, files, extra
