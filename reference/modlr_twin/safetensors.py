"""The safetensors format, read and written here (Python's safetensors package is not
available), as src/formats/safetensors.cpp: an 8-byte little-endian header length, a JSON
header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}} padded with spaces
to 8-byte alignment, then the tensors' raw little-endian bytes in name order.

The reader checks what modlr's reader checks, so a file one side refuses the other refuses."""
import json
import os
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16,
          "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32, "I16": torch.int16,
          "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}
NAMES = {dtype: name for name, dtype in DTYPES.items()}
MAX_HEADER = 100_000_000

assert sys.byteorder == "little", "safetensors I/O assumes a little-endian host"


class SafetensorsError(ValueError):
    pass


def encode(tensors, metadata=None):
    """bytes of a safetensors file holding {name: tensor} (and string metadata)."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = dict(metadata)
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").contiguous()
        data = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def save(tensors, path, metadata=None):
    """Writes {name: tensor} to `path` atomically (temporary file, then rename)."""
    temporary = "%s.tmp.%d" % (path, os.getpid())
    with open(temporary, "wb") as f:
        f.write(encode(tensors, metadata))
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def _entry(source, name, value, data_size):
    where = "%s: invalid safetensors file: tensor '%s'" % (source, name)
    if not isinstance(value, dict) or set(value) != {"dtype", "shape", "data_offsets"}:
        raise SafetensorsError(where + ": entry must be {dtype, shape, data_offsets}")
    dtype, shape, offsets = value["dtype"], value["shape"], value["data_offsets"]
    if dtype not in DTYPES:
        raise SafetensorsError(where + ": unknown dtype '%s'" % dtype)
    if not isinstance(shape, list) or any(not isinstance(d, int) or d < 0 for d in shape):
        raise SafetensorsError(where + ": invalid shape %r" % (shape,))
    if (not isinstance(offsets, list) or len(offsets) != 2
            or any(not isinstance(o, int) or o < 0 for o in offsets) or offsets[0] > offsets[1]):
        raise SafetensorsError(where + ": invalid data_offsets %r" % (offsets,))
    count = torch.tensor([], dtype=DTYPES[dtype]).element_size()
    for d in shape:
        count *= d
    if count != offsets[1] - offsets[0]:
        raise SafetensorsError(where + ": dtype and shape need %d bytes, data_offsets span %d"
                               % (count, offsets[1] - offsets[0]))
    if offsets[1] > data_size:
        raise SafetensorsError(where + ": data_offsets lie outside the data section")
    return dtype, shape, offsets


def _pairs_no_duplicates(source):
    def hook(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise SafetensorsError("%s: invalid safetensors file: duplicate names" % source)
        return dict(pairs)
    return hook


def load(path):
    """{name: tensor} of a safetensors file, validated like modlr's reader."""
    with open(path, "rb") as f:
        raw = f.read()
    bad = "%s: invalid safetensors file: " % path
    if len(raw) < 8:
        raise SafetensorsError(bad + "truncated: %d bytes" % len(raw))
    (n,) = struct.unpack("<Q", raw[:8])
    if n == 0 or n > MAX_HEADER or n > len(raw) - 8:
        raise SafetensorsError(bad + "header length %d exceeds the file (%d bytes)" % (n, len(raw)))
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"), object_pairs_hook=_pairs_no_duplicates(path))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(bad + "header is not valid JSON (%s)" % e)
    if not isinstance(header, dict):
        raise SafetensorsError(bad + "header is not a JSON object")
    header.pop("__metadata__", None)
    data = raw[8 + n:]
    entries = {name: _entry(path, name, value, len(data)) for name, value in header.items()}
    position = 0
    for name, (_, _, (begin, end)) in sorted(entries.items(), key=lambda e: tuple(e[1][2])):
        if begin != position:
            raise SafetensorsError(bad + "tensor '%s': data overlaps or leaves a gap" % name)
        position = end
    if position != len(data):
        raise SafetensorsError(bad + "%d trailing bytes after the last tensor" % (len(data) - position))
    out = {}
    for name, (dtype, shape, (begin, end)) in entries.items():
        flat = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.uint8) if end > begin \
            else torch.empty(0, dtype=torch.uint8)
        out[name] = flat.view(DTYPES[dtype]).reshape(shape)
    return out


def load_into(model, path):
    """Copies a safetensors file into `model`, checking names, dtypes and shapes first."""
    stored = load(path)
    expected = dict(model.named_parameters())
    expected.update(dict(model.named_buffers()))
    for name, target in expected.items():
        if name not in stored:
            raise SafetensorsError("%s: missing tensor '%s'" % (path, name))
        if stored[name].dtype != target.dtype or tuple(stored[name].shape) != tuple(target.shape):
            raise SafetensorsError("%s: tensor '%s' is %s %s, the model expects %s %s" % (
                path, name, stored[name].dtype, list(stored[name].shape), target.dtype,
                list(target.shape)))
    for name in stored:
        if name not in expected:
            raise SafetensorsError("%s: unexpected tensor '%s'" % (path, name))
    with torch.no_grad():
        for name, target in expected.items():
            target.copy_(stored[name])
