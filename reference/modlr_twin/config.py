"""The experiment config, read like modlr::Config (src/core/config.cpp).

Typed accessors decode scalars as yaml-cpp does, record every key they read, and write
fallbacks back into the document, so `dump()` yields the same resolved config.yaml as modlr
when keys are read in modlr's order (see experiment.py).
"""
import copy
import math
import os
import re

from . import yaml_nodes as yn


class ConfigError(Exception):
    pass


_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
_SPECIAL = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
_TRUE = ("y", "yes", "true", "on")
_FALSE = ("n", "no", "false", "off")
TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _flexible_case(text):
    return text in (text.lower(), text.upper(), text[:1].upper() + text[1:].lower())


def _decode_int(text):
    body = text.rstrip()
    sign, digits = (body[0], body[1:]) if body[:1] in "+-" else ("", body)
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", digits):
        value = int(digits, 16)
    elif re.fullmatch(r"0[0-7]*", digits):
        value = int(digits, 8)
    elif re.fullmatch(r"[1-9][0-9]*", digits):
        value = int(digits)
    else:
        return None
    return -value if sign == "-" else value


def decode(node, kind):
    """The value of a scalar node as `kind` (bool, int, float, str), or None if it is not one."""
    if not isinstance(node, yn.Scalar):
        return None
    text = node.text
    if kind is str:
        return text
    if kind is bool:
        if not _flexible_case(text):
            return None
        return True if text.lower() in _TRUE else False if text.lower() in _FALSE else None
    if kind is int:
        return _decode_int(text)
    if text.lower() in _SPECIAL and _flexible_case(text[1:] if text[:1] in "+-" else text):
        return _SPECIAL[text.lower()]
    return float(text) if _FLOAT.match(text) else None


def _describe(node):
    if isinstance(node, yn.Scalar):
        return "'" + node.text + "'"
    return {yn.Seq: "a list", yn.Map: "a section"}.get(type(node), "nothing")


def _join(parts):
    out = ""
    for part in parts:
        out += ("." if out and not part.startswith("[") else "") + part
    return out


def _apply_override(document, assignment):
    key, equals, text = assignment.partition("=")
    if not equals or not key:
        raise ConfigError("--set '%s': expected section.key=value" % assignment)
    try:
        value = yn.load(text)
    except Exception as e:  # yaml.YAMLError and friends
        raise ConfigError("--set '%s': value is not valid YAML: %s" % (assignment, e))
    parts = key.split(".")
    if any(not p for p in parts):
        raise ConfigError("--set '%s': empty key component" % assignment)
    node = document
    for part in parts[:-1]:
        item = re.fullmatch(r"([^\[\]]+)\[([0-9]{1,6})\]", part)
        if item:  # key[i]: item i of a list of sections, as src/core/config.cpp reads it
            items = node.get(item.group(1))
            index = int(item.group(2))
            if not isinstance(items, yn.Seq) or index >= len(items.items):
                raise ConfigError("--set '%s': '%s' has no item %s" % (assignment, item.group(1), item.group(2)))
            if not isinstance(items.items[index], yn.Map):
                raise ConfigError("--set '%s': item %s of '%s' is not a section"
                                  % (assignment, item.group(2), item.group(1)))
            node = items.items[index]
            continue
        child = node.get(part)
        if not yn.is_null(child) and not isinstance(child, yn.Map):
            raise ConfigError("--set '%s': '%s' is not a section" % (assignment, part))
        if yn.is_null(child):
            child = yn.Map()
            node.set(part, child)
        node = child
    node.set(parts[-1], value)


def _read_document(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        raise ConfigError(path + ": cannot open config file")
    try:
        document = yn.load(text)
    except Exception as e:
        raise ConfigError("%s: invalid YAML: %s" % (path, e))
    if isinstance(document, yn.Null):
        document = yn.Map()
    if not isinstance(document, yn.Map):
        raise ConfigError(path + ": top level must be a mapping")
    return document


def _merged(base, over):
    """`over` laid onto `base` as src/core/config_bases.cpp does: mappings key by key (the
    base's order, new keys after), anything else replaced whole."""
    if not isinstance(base, yn.Map) or not isinstance(over, yn.Map):
        return copy.deepcopy(over)
    out = copy.deepcopy(base)
    for key, node in over.pairs:
        current = out.get(key)
        out.set(key, _merged(current, node) if current is not None else copy.deepcopy(node))
    return out


def _load_with_bases(path, chain, seen):
    """A config file with its `base` chain resolved (the twin's reading of the same files)."""
    document = _read_document(path)
    base = document.get("base")
    if base is None:
        return document
    if not isinstance(base, yn.Scalar) or not base.text:
        raise ConfigError("%s: config key 'base': must name a config file" % path)
    base_path = os.path.normpath(os.path.join(os.path.dirname(path), base.text))
    identity = os.path.realpath(base_path)
    chain = chain + [path]
    if identity in seen:
        raise ConfigError("%s: config key 'base': extends itself: %s" % (path, " -> ".join(chain + [base_path])))
    if len(chain) > 16:
        raise ConfigError("%s: config key 'base': more than 16 bases in a chain" % path)
    base_document = _load_with_bases(base_path, chain, seen + [identity])
    document.pairs = [(k, v) for k, v in document.pairs if k != "base"]
    return _merged(base_document, document)


class Config:
    """One section of the document (the root has path [])."""

    def __init__(self, root, path, source, used):
        self._root, self._path, self._source, self._used = root, path, source, used

    @staticmethod
    def load(path, overrides=()):
        document = _load_with_bases(path, [], [os.path.realpath(path)])
        for assignment in overrides:
            _apply_override(document, assignment)
        return Config(document, [], path, set())

    @property
    def source(self):
        return self._source

    def _node(self):
        node = self._root
        for part in self._path:
            if isinstance(node, yn.Map):
                node = node.get(part)
            elif isinstance(node, yn.Seq) and part.startswith("["):
                node = node.items[int(part[1:-1])]
            else:
                return None
        return node

    def path(self, key=""):
        return _join(self._path + ([key] if key else []))

    def fail(self, key, what):
        raise ConfigError("%s: config key '%s': %s" % (self._source, self.path(key), what))

    def has(self, key):
        node = self._node()
        return isinstance(node, yn.Map) and not yn.is_null(node.get(key))

    def mark_used(self, key):
        self._used.add(self.path(key))

    def get(self, key, kind, *fallback):
        """Required (no fallback) or optional value; kind is bool/int/float/str or [kind]."""
        if not self.has(key):
            if not fallback:
                self.fail(key, "is required (%s)" % self._type_name(kind))
            self.mark_used(key)
            node = self._node()
            if isinstance(node, yn.Map):
                node.set(key, yn.encode(fallback[0]))
            return fallback[0]
        self.mark_used(key)
        node = self._node().get(key)
        value = self._convert(node, kind)
        if value is None:
            self.fail(key, "expected %s, got %s" % (self._type_name(kind), _describe(node)))
        return value

    @staticmethod
    def _type_name(kind):
        if isinstance(kind, list):
            names = {int: "a list of integers", float: "a list of numbers"}
            return names.get(kind[0], "a list of strings")
        return TYPE_NAMES[kind]

    @staticmethod
    def _convert(node, kind):
        if not isinstance(kind, list):
            return decode(node, kind)
        if not isinstance(node, yn.Seq):
            return None
        values = [decode(item, kind[0]) for item in node.items]
        return None if any(v is None for v in values) else values

    def get_count(self, key, fallback, allow_zero=False):
        value = self.get(key, int, fallback)
        if value < 0 or (value == 0 and not allow_zero):
            self.fail(key, "must be %s, got %d" % (">= 0" if allow_zero else "> 0", value))
        return value

    def read_decode_limits(self):
        """dataset.max_decompressed_mib and max_compression_ratio, read (and so recorded) as
        modlr's decode_limits() does; the twin's gzip reads are trusted test data."""
        mib = self.get_count("max_decompressed_mib", 4096)
        ratio = self.get_positive("max_compression_ratio", 200.0)
        if ratio < 1:
            self.fail("max_compression_ratio", "must be >= 1")
        return mib, ratio

    def read_cache(self):
        """dataset.cache (and unpack_dir when not memory), read as modlr's sources read them.
        The twin reads every data set into memory: modlr's per-batch reading gives the same
        values, so the keys only need recording."""
        cache = self.get("cache", str, "memory")
        if cache != "memory":
            xdg, home = os.environ.get("XDG_CACHE_HOME"), os.environ.get("HOME")
            default = xdg + "/modlr/unpacked" if xdg else (home + "/.cache/modlr/unpacked" if home else "")
            self.get("unpack_dir", str, default)
        return cache

    def get_positive(self, key, fallback, allow_zero=False):
        value = self.get(key, float, fallback)
        if not (value > 0 or (allow_zero and value == 0)):
            self.fail(key, "must be %s, got %f" % (">= 0" if allow_zero else "> 0", value))
        return value

    def get_choice(self, key, fallback, choices):
        value = self.get(key, str, fallback)
        if value not in choices:
            self.fail(key, "must be one of %s, got '%s'" % (", ".join(choices), value))
        return value

    def section(self, key):
        node = self._node()
        if not isinstance(node, yn.Map):
            self.fail("", "expected a section")
        child = node.get(key)
        if yn.is_null(child):
            node.set(key, yn.Map())
        elif not isinstance(child, yn.Map):
            self.fail(key, "expected a section, got " + _describe(child))
        self.mark_used(key)
        return Config(self._root, self._path + [key], self._source, self._used)

    def is_list(self, key):
        node = self._node()
        return isinstance(node, yn.Map) and isinstance(node.get(key), yn.Seq)

    def list_sections(self, key):
        node = self._node().get(key)
        if not isinstance(node, yn.Seq):
            self.fail(key, "expected a list of sections, got " + _describe(node))
        self.mark_used(key)
        out = []
        for i, item in enumerate(node.items):
            if not isinstance(item, yn.Map):
                self.fail(key, "item %d is not a section" % i)
            parts = self._path + [key, "[%d]" % i]
            self._used.add(_join(parts))
            out.append(Config(self._root, parts, self._source, self._used))
        return out

    def keys(self):
        node = self._node()
        return [k for k, _ in node.pairs] if isinstance(node, yn.Map) else []

    def check_no_unknown_keys(self):
        unknown = _find_unknown(self._root, [], self._used)
        if unknown:
            best = _suggest(unknown[-1], _join(unknown[:-1]), self._used)
            raise ConfigError("%s: unknown config key '%s'%s" % (
                self._source, _join(unknown), " (did you mean '%s'?)" % best if best else ""))

    def dump(self):
        return yn.emit(self._root) + "\n"


def _find_unknown(node, parts, used):
    if isinstance(node, yn.Map):
        for key, value in node.pairs:
            child = parts + [key]
            if _join(child) not in used:
                return child
            found = _find_unknown(value, child, used)
            if found:
                return found
    elif isinstance(node, yn.Seq):
        for i, item in enumerate(node.items):
            child = parts + ["[%d]" % i]
            if _join(child) in used:
                found = _find_unknown(item, child, used)
                if found:
                    return found
    return None


def _edit_distance(a, b):
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        diagonal, row[0] = row[0], i
        for j in range(1, len(b) + 1):
            above = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1]))
            diagonal = above
    return row[len(b)]


def _suggest(name, prefix, used):
    """The closest read key next to an unknown one (edit distance < 3), as modlr suggests."""
    best, best_distance = "", 3
    for key in sorted(used):
        if not key.startswith(prefix) or (prefix and len(key) <= len(prefix)):
            continue
        rest = key[len(prefix) + 1:] if prefix else key
        if "." in rest or "[" in rest:
            continue
        distance = _edit_distance(name, rest)
        if distance < best_distance:
            best, best_distance = rest, distance
    return best


def config_stem(path):
    """The experiment name a config implies: its file name without the extension."""
    name = os.path.basename(path)
    dot = name.rfind(".")
    return name if dot <= 0 else name[:dot]
