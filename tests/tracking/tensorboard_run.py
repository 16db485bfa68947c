#!/usr/bin/env python3
"""What TensorBoard's own backend makes of a run's tensorboard/ folder, as one JSON object,
for tests/cli/test_cli_tensorboard.cpp to compare with the run's metrics.csv:

    tensorboard_run.py RUN_DIR/tensorboard

{"scalars": {tag: [[step, value], ...]}, "text": {tag: text}, "images": {tag: [[width,
height], ...]}, "hparams": {name: value}, "metrics": [tag, ...], "session_status": N}
Scalars are float32 as stored; hparams and status come from the HParams plugin's data.
"""
import json
import sys

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import plugin_data_pb2
from tensorboard.util import tensor_util


def main():
    acc = event_accumulator.EventAccumulator(sys.argv[1], size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    acc.Reload()
    tags = acc.Tags()
    out = {"scalars": {t: [[e.step, e.value] for e in acc.Scalars(t)] for t in tags["scalars"]}}
    out["images"] = {t: [[e.width, e.height] for e in acc.Images(t)] for t in tags["images"]}
    out["text"] = {}
    for tag in acc.PluginTagToContent("text"):
        out["text"][tag] = tensor_util.make_ndarray(acc.Tensors(tag)[0].tensor_proto).item().decode()
    for tag, content in acc.PluginTagToContent("hparams").items():
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
        if data.HasField("session_start_info"):
            out["hparams"] = {}
            for name, value in data.session_start_info.hparams.items():
                kind = value.WhichOneof("kind")
                out["hparams"][name] = getattr(value, kind)
        if data.HasField("experiment"):
            out["metrics"] = [m.name.tag for m in data.experiment.metric_infos]
        if data.HasField("session_end_info"):
            out["session_status"] = data.session_end_info.status
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
