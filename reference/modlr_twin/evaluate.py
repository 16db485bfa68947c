"""`train.py CONFIG --eval-weights FILE.safetensors`: the twin of `modlr eval --checkpoint
FILE.safetensors [--save-outputs OUT]`. Loads weights (from modlr or the twin) into the
configured model, evaluates the test split and prints its metrics as one JSON line; with
--save-outputs, also writes the split's input, output and target tensors (safetensors)."""
import json
import time

import torch

from . import safetensors
from .runner import Runner


def save_outputs(model, loader, path):
    """Runs the model over `loader` in evaluation mode; returns the forward passes' seconds."""
    inputs, outputs, targets, seconds = [], [], [], 0.0
    with torch.inference_mode():
        model.train(False)
        loader.start_epoch()
        while True:
            batch = loader.next()
            if batch is None:
                break
            start = time.perf_counter()
            outputs.append(model(batch[0]))
            seconds += time.perf_counter() - start
            inputs.append(batch[0])
            targets.append(batch[1])
    safetensors.save({"input": torch.cat(inputs), "output": torch.cat(outputs),
                      "target": torch.cat(targets)}, path)
    return seconds


def evaluate_weights(experiment, weights, outputs_path=None):
    safetensors.load_into(experiment.models.only(), weights)
    dataset = experiment.dataset
    dataset.load()
    runner = Runner(experiment.models, experiment.loss, experiment.optimizers, experiment.options)
    metrics, confusion = runner.evaluate(dataset.loader("test"), "test")
    result = {"split": "test", "weights": weights, "metrics": metrics, "confusion_matrix": confusion}
    if outputs_path:
        result["inference_seconds"] = save_outputs(experiment.models.only(), dataset.loader("test"),
                                                   outputs_path)
        result["outputs"] = outputs_path
    print(json.dumps(result), flush=True)
    return 0
