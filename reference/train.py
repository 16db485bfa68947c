#!/usr/bin/python3
"""The PyTorch twin of `modlr train` (IDX workloads): the same YAML config and --set
overrides, the same training semantics, the same run record (run-id ends in "-python").

Usage: /usr/bin/python3 reference/train.py CONFIG [--set section.key=value ...]
                                          [--dump-initial PATH]
       /usr/bin/python3 reference/train.py CONFIG --eval-weights W.safetensors [--save-outputs OUT]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from modlr_twin.config import Config, ConfigError, config_stem  # noqa: E402
from modlr_twin import safetensors  # noqa: E402
from modlr_twin.environment import environment  # noqa: E402
from modlr_twin.evaluate import evaluate_weights  # noqa: E402
from modlr_twin.experiment import Experiment  # noqa: E402
from modlr_twin.record import RunRecord, new_summary  # noqa: E402
from modlr_twin.runner import Runner  # noqa: E402


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="experiment config (YAML)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config key, e.g. --set runner.epochs=1 (repeatable)")
    parser.add_argument("--dump-initial", metavar="PATH",
                        help="also save the state_dict right after model construction to PATH")
    parser.add_argument("--eval-weights", metavar="FILE",
                        help="no training: load these safetensors weights, evaluate the test split"
                             " and print its metrics as JSON")
    parser.add_argument("--save-outputs", metavar="OUT",
                        help="with --eval-weights: write input, output, target tensors here")
    return parser.parse_args(argv)


def open_record(args, summary):
    """The run record, placed leniently (a config that fails to load still gets one)."""
    directory, name, seed = "runs", config_stem(args.config), 0
    try:
        peek = Config.load(args.config, args.overrides)
        if peek.has("experiment"):
            name = peek.get("experiment", str)
        if peek.has("seed"):
            seed = peek.get("seed", int)
        if peek.has("tracking"):
            directory = peek.section("tracking").get("dir", str, directory)
    except ConfigError:
        pass
    summary.update(experiment=name, seed=seed)
    return RunRecord(directory, name, seed)


def train_and_record(experiment, record, summary, args):
    record.write_config(experiment.config.dump())
    here = os.path.dirname(os.path.abspath(__file__))
    summary["environment"] = environment(experiment.device, experiment.threads[1], here)
    summary["threads"] = experiment.threads[0]
    if args.dump_initial:
        torch.save(experiment.initial_state, args.dump_initial)
    dataset = experiment.dataset
    dataset.load()
    summary["data_files"] = list(dataset.files)
    runner = Runner(experiment.model, experiment.loss, experiment.optimizers, experiment.options,
                    record)
    validation = dataset.loader("validation") if dataset.has_validation() else None
    runner.fit(dataset.loader("train"), validation)
    summary.update(train_epochs=runner.epoch, train_seconds=runner.train_seconds,
                   breakdown=dict(runner.breakdown), train_metrics=dict(runner.train_metrics))
    test_metrics, confusion = runner.evaluate(dataset.loader("test"), "test")
    summary.update(test_seconds=runner.evaluation_seconds["test"], test_metrics=test_metrics,
                   confusion=confusion,
                   checkpoints=["checkpoints/" + name for name in runner.checkpoints])
    torch.save(experiment.model.state_dict(), record.dir + "/weights.pt")
    safetensors.save(experiment.model.state_dict(), record.dir + "/model.safetensors",
                     {"format": "pt"})
    summary["checkpoints"].append("model.safetensors")
    summary["status"] = "finished"
    record.write_summary(summary)
    print("run record: " + record.dir, flush=True)
    return 0


def main(argv):
    args = parse_args(argv)
    if args.eval_weights:
        try:
            return evaluate_weights(Experiment(Config.load(args.config, args.overrides)),
                                    args.eval_weights, args.save_outputs)
        except Exception as e:
            print("train.py: error: " + str(e).split("\n")[0], file=sys.stderr)
            return 1
    summary, record = new_summary(), None
    try:
        record = open_record(args, summary)
        summary["run_id"] = record.run_id
        experiment = Experiment(Config.load(args.config, args.overrides))
        summary.update(experiment=experiment.name, seed=experiment.seed)
        return train_and_record(experiment, record, summary, args)
    except Exception as e:  # recorded as a failed run, like modlr
        message = str(e).split("\n")[0]
        print("train.py: error: " + message, file=sys.stderr)
        if record is not None:
            summary.update(status="failed", error=message)
            record.write_summary(summary)
            print("train.py: failed run recorded in " + record.dir, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
