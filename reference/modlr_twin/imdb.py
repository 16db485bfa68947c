"""The imdb data source, as src/dataset/imdb_reader.cpp, imdb_source.cpp and text.cpp.

The archive is read with Python's tarfile (an independent check of modlr's own tar
parser); tokenizer, vocabulary and encoding follow include/modlr/dataset/text.h exactly:
reviews are bytes, "<br />" -> " ", ASCII lower-casing (bytes.lower()), then one regex.
Inputs become int64 ids [N, max_length] (right-padded with 0), targets int64 (pos = 1)."""
import collections
import hashlib
import os
import re
import stat
import tarfile

import torch

from .config import ConfigError
from .data import sha256_file

TOKEN = re.compile(rb"[a-z0-9\x80-\xff]+(?:'[a-z0-9\x80-\xff]+)*|[!-/:-@\[-`{-~]")
FILE_NAME = re.compile(r"([0-9]{1,18})_([0-9]{1,2})\.txt", re.ASCII)
LABELS = ("neg", "pos")  # index = label


# lowercase: none keeps A-Z, which then are word bytes too (TokenizerOptions in text.h).
CASED_TOKEN = re.compile(rb"[A-Za-z0-9\x80-\xff]+(?:'[A-Za-z0-9\x80-\xff]+)*|[!-/:-@\[-`{-~]")
# lowercase: latin also lowers U+00C0-U+00DE but U+00D7, as UTF-8 0xC3 0x80-0x9E -> 0xC3 +0x20.
LATIN_CAPITAL = re.compile(rb"\xc3([\x80-\x96\x98-\x9e])")


def tokenize(text):
    return TOKEN.findall(text.replace(b"<br />", b" ").lower())


def tokenize_with(text, html_breaks, lowercase):
    """text.h's tokenize(text, TokenizerOptions): steps 1 and 2 chosen (lowercase: ascii,
    latin or none). The defaults (True, "ascii") are tokenize()."""
    if html_breaks:
        text = text.replace(b"<br />", b" ")
    if lowercase == "none":
        return CASED_TOKEN.findall(text)
    text = text.lower()
    if lowercase == "latin":
        text = LATIN_CAPITAL.sub(lambda m: b"\xc3" + bytes([m.group(1)[0] + 0x20]), text)
    return TOKEN.findall(text)


def build_vocabulary(counts, max_size, min_freq):
    """[b"<pad>", b"<unk>", words...]: count >= min_freq, count desc then bytes asc."""
    kept = sorted((kv for kv in counts.items() if kv[1] >= min_freq), key=lambda kv: (-kv[1], kv[0]))
    return [b"<pad>", b"<unk>"] + [word for word, _ in kept[:max(max_size - 2, 0)]]


def encode(tokens, ids, max_length, keep):
    chosen = tokens[:max_length] if keep == "first" else tokens[max(len(tokens) - max_length, 0):]
    row = [ids.get(token, 1) for token in chosen]
    return row + [0] * (max_length - len(row))


class Review:
    def __init__(self, name, split, label, file_name, text, where):
        match = FILE_NAME.fullmatch(file_name)
        if not match or not 1 <= int(match.group(2)) <= 10:
            raise ConfigError(where + ": review file name is not <id>_<rating>.txt with a rating in 1..10")
        if not text:
            raise ConfigError(where + ": empty review file")
        try:
            text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ConfigError("%s: unreadable text encoding: invalid UTF-8 at byte %d" % (where, e.start))
        self.name, self.split, self.label, self.text = name, split, label, text
        self.id, self.rating = int(match.group(1)), int(match.group(2))


def review_path(relative):
    """(split, label, file name) of "train/pos/0_9.txt", else None."""
    parts = relative.split("/")
    if len(parts) != 3 or parts[0] not in ("train", "test") or parts[1] not in LABELS or not parts[2]:
        return None
    return parts[0], LABELS.index(parts[1]), parts[2]


def finish(reviews, source, root):
    """{split: reviews sorted by (id, label)}; duplicates and empty folders are errors."""
    splits = {"train": [], "test": []}
    for review in reviews:
        splits[review.split].append(review)
    for name, split in splits.items():
        split.sort(key=lambda r: (r.id, r.label))
        for a, b in zip(split, split[1:]):
            if (a.id, a.label) == (b.id, b.label):
                raise ConfigError("%s: two reviews with id %d: %s and %s" % (source, b.id, a.name, b.name))
        for label in (0, 1):
            if not any(r.label == label for r in split):
                raise ConfigError("%s: no reviews found in %s%s/%s/ (expected aclImdb/{train,test}/"
                                  "{pos,neg}/<id>_<rating>.txt)" % (source, root, name, LABELS[label]))
    return splits


def read_archive(path):
    reviews = []
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            relative = member.name[2:] if member.name.startswith("./") else member.name
            if not relative.startswith("aclImdb/"):
                continue
            found = review_path(relative[len("aclImdb/"):])
            if found is None:
                continue
            where = "%s: member '%s'" % (path, member.name)
            if not member.isfile():
                raise ConfigError(where + ": not a regular file")
            reviews.append(Review(relative[len("aclImdb/"):], found[0], found[1], found[2],
                                  archive.extractfile(member).read(), where))
    return finish(reviews, path, "aclImdb/")


def read_directory(path):
    root = path if path.endswith("/") else path + "/"
    if not os.path.isdir(root + "train") and os.path.isdir(root + "aclImdb/train"):
        root += "aclImdb/"
    reviews = []
    for split in ("train", "test"):
        for label, folder_name in enumerate(LABELS):
            folder = root + split + "/" + folder_name
            if not os.path.isdir(folder):
                raise ConfigError(folder + ": missing folder (expected an aclImdb directory with "
                                  "{train,test}/{pos,neg}/)")
            for entry in os.scandir(folder):
                if entry.is_dir():
                    continue
                if not entry.is_file():
                    raise ConfigError(entry.path + ": not a regular file")
                with open(entry.path, "rb") as f:
                    text = f.read()
                reviews.append(Review("%s/%s/%s" % (split, folder_name, entry.name), split, label,
                                      entry.name, text, entry.path))
    splits = finish(reviews, path, root)
    manifest = hashlib.sha256()
    for split in ("train", "test"):
        for review in splits[split]:
            manifest.update(("%s  %s\n" % (hashlib.sha256(review.text).hexdigest(), review.name)).encode())
    return splits, root, manifest.hexdigest()


def read(path):
    """({split: [Review]}, source, sha256) from an archive or an aclImdb directory."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        raise ConfigError("%s: cannot open the IMDb data: %s (expected the aclImdb .tar.gz archive or an "
                          "unpacked aclImdb directory)" % (path, e.strerror))
    if stat.S_ISDIR(mode):
        return read_directory(path)
    try:
        return read_archive(path), path, sha256_file(path)
    except (tarfile.TarError, EOFError, OSError) as e:
        raise ConfigError("%s: corrupt or truncated archive: %s" % (path, e))


class ImdbSource:
    """Reads the `dataset` keys of the imdb source, in ImdbSource's order."""

    def __init__(self, c):
        self.path = c.get("path", str)
        self.max_size = c.get_count("max_size", 20000)
        self.min_freq = c.get_count("min_freq", 1)
        self.max_length = c.get_count("max_length", 400)
        self.keep = c.get_choice("keep", "first", ["first", "last"])
        self.limit = c.get_count("limit", 0, allow_zero=True)
        self.decode_limits = c.read_decode_limits()
        c.read_cache()
        if self.max_size < 2:
            c.fail("max_size", "must be >= 2 (<pad> and <unk> are entries), got %d" % self.max_size)
        self.artifacts = []

    def _encode(self, reviews, ids, source):
        rows = []
        for review in reviews:
            tokens = tokenize(review.text)
            if not tokens:
                raise ConfigError("%s: review %s has no tokens (only spaces and <br />)" % (source, review.name))
            rows.append(encode(tokens, ids, self.max_length, self.keep))
        return (torch.tensor(rows, dtype=torch.int64).view(len(rows), self.max_length),
                torch.tensor([r.label for r in reviews], dtype=torch.int64))

    def load(self):
        """(train, test, files) as IdxSource.load; the vocabulary goes to self.artifacts."""
        splits, source, sha256 = read(self.path)
        train = splits["train"][:self.limit] if self.limit > 0 else splits["train"]
        counts = collections.Counter()
        for review in train:
            counts.update(tokenize(review.text))
        vocabulary = build_vocabulary(counts, self.max_size, self.min_freq)
        ids = {word: i for i, word in enumerate(vocabulary)}
        self.artifacts = [("vocab.txt", b"".join(word + b"\n" for word in vocabulary))]
        return (self._encode(train, ids, source), self._encode(splits["test"], ids, source),
                [(source, sha256)])
