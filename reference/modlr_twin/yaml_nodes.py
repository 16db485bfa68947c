"""A small YAML node tree that behaves like yaml-cpp 0.7's, so the twin records the same
resolved config.yaml as modlr.

Scalars keep their source text (yaml-cpp never re-formats a loaded "0.2860"), sequences and
mappings keep their block/flow style, mappings keep insertion order. `emit()` writes a tree
the way yaml-cpp's Emitter does for the shapes modlr configs have.
"""
import re

import yaml

NULL_TEXTS = ("", "~", "null", "Null", "NULL")


class Scalar:
    def __init__(self, text):
        self.text = text


class Null:
    pass


class Seq:
    def __init__(self, items=None, flow=False):
        self.items = items if items is not None else []
        self.flow = flow


class Map:
    def __init__(self, pairs=None, flow=False):
        self.pairs = pairs if pairs is not None else []  # [(key text, node)]
        self.flow = flow

    def get(self, key):
        for name, node in self.pairs:
            if name == key:
                return node
        return None

    def set(self, key, node):
        """Replaces the value in place, or appends (yaml-cpp keeps first-insertion order)."""
        for i, (name, _) in enumerate(self.pairs):
            if name == key:
                self.pairs[i] = (key, node)
                return
        self.pairs.append((key, node))


def is_null(node):
    return node is None or isinstance(node, Null)


def _convert(node):
    if node is None:
        return Null()
    if isinstance(node, yaml.ScalarNode):
        if node.style is None and node.value in NULL_TEXTS:
            return Null()
        return Scalar(node.value)
    if isinstance(node, yaml.SequenceNode):
        return Seq([_convert(item) for item in node.value], bool(node.flow_style))
    pairs = [(key.value, _convert(value)) for key, value in node.value]
    return Map(pairs, bool(node.flow_style))


def load(text):
    """Parses YAML text into the node tree (empty text gives Null)."""
    return _convert(yaml.compose(text, Loader=yaml.SafeLoader))


def encode(value):
    """A node for a C++ fallback value, encoded like yaml-cpp's convert<T>::encode."""
    if isinstance(value, bool):
        return Scalar("true" if value else "false")
    if isinstance(value, int):
        return Scalar(str(value))
    if isinstance(value, float):
        return Scalar("%.17g" % value)
    if isinstance(value, (list, tuple)):
        return Seq([encode(item) for item in value])
    return Scalar(str(value))


# ---- emitting ---------------------------------------------------------------------------

_PLAIN_BLOCK_START = re.compile(r"^([^\-?:,\[\]{}#&*!|>'\"%@`\s]|[\-?:][^\s])")
_PLAIN_FLOW_START = re.compile(r"^([^\-?:,\[\]{}#&*!|>'\"%@`\s]|[\-?:][^\s,\[\]{}])")


def _plain_ok(text, flow):
    if text in NULL_TEXTS or text.endswith(" "):
        return False
    if not (_PLAIN_FLOW_START if flow else _PLAIN_BLOCK_START).match(text):
        return False
    if ": " in text or " #" in text or text.endswith(":") or "\n" in text or "\t" in text:
        return False
    return not (flow and re.search(r"[,\[\]{}]|:[,\[\]{}]", text))


def _scalar_text(text, flow):
    if _plain_ok(text, flow):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped + '"'


def _flow(node):
    if isinstance(node, Scalar):
        return _scalar_text(node.text, True)
    if isinstance(node, Seq):
        return "[" + ", ".join(_flow(item) for item in node.items) + "]"
    if isinstance(node, Map):
        return "{" + ", ".join(_scalar_text(k, True) + ": " + _flow(v) for k, v in node.pairs) + "}"
    return "~"


def _inline(node):
    """Text on the key's own line, or None when the value goes on following lines."""
    if isinstance(node, Scalar):
        return _scalar_text(node.text, False)
    # Empty ones in flow style, as modlr's Config::dump writes them ("hooks: []").
    if isinstance(node, Seq) and (node.flow or not node.items):
        return _flow(node)
    if isinstance(node, Map) and (node.flow or not node.pairs):
        return _flow(node)
    if isinstance(node, (Seq, Map)):
        return None
    return "~"


def _block_lines(node, indent):
    pad = " " * indent
    if isinstance(node, Map) and node.pairs:
        lines = []
        for key, value in node.pairs:
            head = pad + _scalar_text(key, False) + ":"
            lines += _child_lines(head, value, indent)
        return lines
    if isinstance(node, Seq) and node.items:
        lines = []
        for item in node.items:
            inner = _block_lines(item, indent + 2) if _inline(item) is None else []
            if inner:
                lines.append(pad + "- " + inner[0][indent + 2:])
                lines += inner[1:]
            else:
                lines.append(pad + "- " + _inline(item))
        return lines
    empty = {Seq: "[]", Map: "{}"}.get(type(node))
    return [pad + (empty if empty else _inline(node))]


def _child_lines(head, value, indent):
    text = _inline(value)
    if text is not None:
        return [head + " " + text]
    return [head] + _block_lines(value, indent + 2)


def emit(node):
    """The document as yaml-cpp's Emitter writes it (no trailing newline)."""
    return "\n".join(_block_lines(node, 0))
