#!/usr/bin/env python3
"""Checks an ONNX model written by `modlr export` and runs it in ONNX Runtime.

Always: ONNX's checker (full_check: strict shape inference). Then, with a DATA file written
by `modlr eval --save-outputs` (or the PyTorch twin), runs the model in ONNX Runtime (CPU)
on its "input" tensor (and those named like the model's other inputs, e.g. a translator's
"prefix") and compares with its "output" (and "target") tensors. Prints one JSON
object:
  {ir_version, opset, ops, inputs, outputs}                         (no DATA)
  + {examples, batch, threads, max_abs_diff, accuracy_onnx, accuracy_reference,
     argmax_agreement, seconds, seconds_all}                        (with DATA)
seconds: the fastest of --repeat full passes (after one warm-up batch), session.run only.
--raw-images IDX: feed these raw uint8 images (an IDX file, gzipped or not) instead of
DATA's "input" (for a model exported with --with-preprocessing).
Usage: check_onnx.py MODEL.onnx [DATA.safetensors] [--batch N] [--threads T] [--repeat R]
                     [--raw-images IDX]
Run it with the project's Python (.venv/bin/python3), which holds onnx and onnxruntime.
"""
import argparse
import gzip
import json
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from safetensors.numpy import load_file


def describe(model):
    def value(v):
        t = v.type.tensor_type
        dims = [d.dim_param or d.dim_value for d in t.shape.dim]
        return {"name": v.name, "elem_type": onnx.TensorProto.DataType.Name(t.elem_type), "shape": dims}
    return {"ir_version": model.ir_version,
            "opset": [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")][0],
            "ops": [n.op_type for n in model.graph.node],
            "inputs": [value(v) for v in model.graph.input],
            "outputs": [value(v) for v in model.graph.output]}


def read_idx_images(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    images = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    return images.reshape(shape[0], 1, *shape[1:]) if dims == 3 else images


def run_all(session, inputs, batch, more):
    """The model over `inputs` in batches; `more`: its further inputs by name (a
    translator's "prefix"), cut into the same batches."""
    chunks, seconds = [], 0.0
    for first in range(0, len(inputs), batch):
        feed = {"input": inputs[first:first + batch]}
        feed.update({name: values[first:first + batch] for name, values in more.items()})
        started = time.perf_counter()
        chunks.append(session.run(["output"], feed)[0])
        seconds += time.perf_counter() - started
    return np.concatenate(chunks).reshape(len(inputs), -1), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("data", nargs="?")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--raw-images")
    args = parser.parse_args()
    model = onnx.load(args.model)
    onnx.checker.check_model(model, full_check=True)
    result = describe(model)
    if args.data:
        tensors = load_file(args.data)
        inputs = read_idx_images(args.raw_images) if args.raw_images else tensors["input"]
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = args.threads, 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
        names = [i.name for i in session.get_inputs() if i.name != "input"]
        missing = [name for name in names if name not in tensors]
        if missing:
            raise ValueError(f"{args.data} has no tensor {missing[0]!r} for the model's input of that name")
        more = {name: tensors[name] for name in names}
        run_all(session, inputs[:1], 1, {name: values[:1] for name, values in more.items()})  # warm-up
        times = []
        for _ in range(max(1, args.repeat)):
            out, seconds = run_all(session, inputs, args.batch, more)
            times.append(seconds)
        reference = tensors["output"].reshape(len(inputs), -1)
        if reference.shape != out.shape:
            raise ValueError(f"output shapes differ: ONNX {out.shape}, reference {reference.shape}")
        target = tensors["target"].reshape(-1) if "target" in tensors else np.full(len(inputs), -1)
        a, b = out.argmax(1), reference.argmax(1)
        result.update(examples=len(inputs), batch=args.batch, threads=args.threads,
                      max_abs_diff=float(np.abs(out - reference).max()),
                      accuracy_onnx=float((a == target).mean()), accuracy_reference=float((b == target).mean()),
                      argmax_agreement=float((a == b).mean()), seconds=min(times), seconds_all=times)
    print(json.dumps(result))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # one line, as modlr's own tools report errors
        print(f"check_onnx.py: error: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}",
              file=sys.stderr)
        sys.exit(1)
