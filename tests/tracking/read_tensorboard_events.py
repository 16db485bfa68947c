#!/usr/bin/env python3
"""Reads a TensorBoard event file with PyPI tensorboard's own readers and prints it as JSON
lines, for tests/tracking/test_tensorboard_writer.cpp (modlr's writer) to compare.

    read_tensorboard_events.py EVENT_FILE

Output, one JSON object per line (keys sorted, UTF-8, no spaces):
  {"framing":{"records":N}}      after checking every record's length, CRCs and the end
  {"event":{...}}                each Event as LegacyEventFileLoader yields it, in order
  {"accumulator":{...}}          what EventAccumulator (the backend TensorBoard's UI reads
                                 through) makes of the file: scalars, images, text tensors,
                                 and the hparams plugin's tags
Floats are printed as their IEEE bit patterns in hex (float32: 8 digits, float64: 16) so
that the C++ side compares them exactly; PNGs are hex, and decoded by Pillow to pixels.
Exits non-zero (a traceback on stderr) on a malformed file.
"""
import io
import json
import struct
import sys

from PIL import Image
from tensorboard.backend.event_processing import event_accumulator, event_file_loader
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2
from tensorboard.util import tensor_util


def f32(x):
    return "%08x" % struct.unpack("<I", struct.pack("<f", x))[0]


def f64(x):
    return "%016x" % struct.unpack("<Q", struct.pack("<d", x))[0]


def check_framing(path):
    """Counts the TFRecords, checking both masked CRC32Cs (TensorBoard's own implementation)
    of each and that nothing follows the last one."""
    data = open(path, "rb").read()
    pos, records = 0, 0
    while pos < len(data):
        header = data[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", data[pos + 8 : pos + 12])
        assert header_crc == masked_crc32c(header), "bad length CRC at byte %d" % pos
        payload = data[pos + 12 : pos + 12 + length]
        assert len(payload) == length, "truncated record at byte %d" % pos
        (payload_crc,) = struct.unpack("<I", data[pos + 12 + length : pos + 16 + length])
        assert payload_crc == masked_crc32c(payload), "bad payload CRC at byte %d" % pos
        pos += 16 + length
        records += 1
    return records


def struct_value(value):
    kind = value.WhichOneof("kind")
    if kind == "number_value":
        return [kind, f64(value.number_value)]
    return [kind, getattr(value, kind)]


def hparams_data(content, wall_time):
    """The HParamsPluginData in a SummaryMetadata's plugin content, as plugin_data_pb2 parses it."""
    data = plugin_data_pb2.HParamsPluginData.FromString(content)
    kind = data.WhichOneof("data")
    out = {"version": data.version, "data": kind}
    if kind == "experiment":
        experiment = data.experiment
        out["hparam_infos"] = [[h.name, api_pb2.DataType.Name(h.type)] for h in experiment.hparam_infos]
        out["metric_infos"] = [[m.name.group, m.name.tag] for m in experiment.metric_infos]
        out["time_is_wall_time"] = experiment.time_created_secs == wall_time
    elif kind == "session_start_info":
        start = data.session_start_info
        out["hparams"] = {name: struct_value(value) for name, value in start.hparams.items()}
        out["group_name"] = start.group_name
        out["time_is_wall_time"] = start.start_time_secs == wall_time
    elif kind == "session_end_info":
        end = data.session_end_info
        out["status"] = api_pb2.Status.Name(end.status)
        out["time_is_wall_time"] = end.end_time_secs == wall_time
    return out


def summary_value(value, wall_time):
    out = {"tag": value.tag}
    kind = value.WhichOneof("value")
    if kind == "simple_value":
        out["simple_value"] = f32(value.simple_value)
    elif kind == "image":
        image = value.image
        decoded = Image.open(io.BytesIO(image.encoded_image_string))
        decoded.load()
        out["image"] = {
            "width": image.width,
            "height": image.height,
            "colorspace": image.colorspace,
            "png": image.encoded_image_string.hex(),
            "decoded": [decoded.width, decoded.height, decoded.mode, decoded.tobytes().hex()],
        }
    elif kind == "tensor":
        tensor = value.tensor
        out["tensor"] = {
            "dtype": tensor.dtype,
            "shape": [dim.size for dim in tensor.tensor_shape.dim],
            "string_val": [s.decode("utf-8") for s in tensor.string_val],
        }
    if value.HasField("metadata"):
        plugin = value.metadata.plugin_data
        out["plugin"] = plugin.plugin_name
        if plugin.plugin_name == "hparams":
            out["hparams"] = hparams_data(plugin.content, wall_time)
        else:
            out["plugin_content"] = plugin.content.hex()
    return out


def event_json(event):
    out = {"step": event.step, "wall_time": f64(event.wall_time)}
    what = event.WhichOneof("what")
    if what == "file_version":
        out["file_version"] = event.file_version
    elif what == "summary":
        out["values"] = [summary_value(v, event.wall_time) for v in event.summary.value]
    else:
        out["other"] = what
    return out


def plugin_tags(acc, plugin_name):
    try:
        return sorted(acc.PluginTagToContent(plugin_name))
    except KeyError:  # no summary of that plugin in the file
        return []


def accumulator_json(path):
    guidance = {kind: 0 for kind in event_accumulator.DEFAULT_SIZE_GUIDANCE}  # 0: keep every event
    acc = event_accumulator.EventAccumulator(path, size_guidance=guidance)
    acc.Reload()
    tags = acc.Tags()
    text_tags = plugin_tags(acc, "text")
    return {
        "scalars": {t: [[e.step, f32(e.value)] for e in acc.Scalars(t)] for t in tags["scalars"]},
        "images": {
            t: [[e.step, e.width, e.height, e.encoded_image_string.hex()] for e in acc.Images(t)]
            for t in tags["images"]
        },
        "text": {
            t: [[e.step, [s.decode("utf-8") for s in tensor_util.make_ndarray(e.tensor_proto).ravel()]]
                for e in acc.Tensors(t)]
            for t in text_tags
        },
        "hparams_tags": plugin_tags(acc, "hparams"),
    }


def main():
    path = sys.argv[1]
    lines = [{"framing": {"records": check_framing(path)}}]
    lines += [{"event": event_json(e)} for e in event_file_loader.LegacyEventFileLoader(path).Load()]
    lines.append({"accumulator": accumulator_json(path)})
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8")
    for line in lines:
        out.write(json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
