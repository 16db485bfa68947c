#!/usr/bin/env python3
"""The PyTorch twin of `modlr train` (IDX workloads): the same YAML config and --set
overrides, the same training semantics, the same run record (run-id ends in "-python").

Usage: .venv/bin/python3 reference/train.py CONFIG [--set section.key=value ...]
                                          [--dump-initial PATH] [--seeds 1-5]
       .venv/bin/python3 reference/train.py CONFIG --eval-weights W.safetensors [--save-outputs OUT]
"""
import argparse
import os
import sys
import time

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
    parser.add_argument("--seeds", help="run once per seed (1,2,3 or 1-5), grouped like modlr's "
                        "under <tracking.dir>/<experiment>/group-<time>-python/")
    return parser.parse_args(argv)


def record_place(args):
    """(tracking dir, experiment, seed), read leniently (a config that fails to load still
    gets a record)."""
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
    return directory, name, seed


def open_record(args, summary, group=None):
    """The run record: <dir>/<experiment>/[<group>/]<run-id>, as modlr places it."""
    directory, name, seed = record_place(args)
    summary.update(experiment=name, seed=seed)
    if group:
        return RunRecord(directory + "/" + name, group, seed)
    return RunRecord(directory, name, seed)


def train_and_record(experiment, record, summary, args):
    record.write_config(experiment.config.dump())
    here = os.path.dirname(os.path.abspath(__file__))
    summary["environment"] = environment(experiment.device, os.path.dirname(here))
    summary["threads"] = experiment.threads
    if args.dump_initial:
        torch.save(experiment.initial_state, args.dump_initial)
    dataset = experiment.dataset
    dataset.load()
    summary["data_files"] = list(dataset.files)
    for name, contents in dataset.artifacts:
        with open(record.dir + "/" + name, "wb") as f:
            f.write(contents)
    runner = Runner(experiment.models, experiment.loss, experiment.optimizers, experiment.options,
                    record, experiment.hooks)
    validation = dataset.loader("validation") if dataset.has_validation() else None
    runner.fit(dataset.loader("train"), validation)
    summary.update(train_epochs=runner.epoch, train_seconds=runner.train_seconds,
                   breakdown=dict(runner.breakdown), train_metrics=dict(runner.train_metrics))
    test_metrics, confusion = runner.evaluate(dataset.loader("test"), "test")
    summary.update(test_seconds=runner.evaluation_seconds["test"], test_metrics=test_metrics,
                   confusion=confusion,
                   checkpoints=["checkpoints/" + name for name in runner.checkpoints])
    for name, _ in dataset.extra_tests:  # a source's extra test splits, as modlr's train
        metrics, matrix = runner.evaluate(dataset.extra_test_loader(name), name)
        summary["extra_tests"].append((name, runner.evaluation_seconds[name], metrics, matrix))
    weights = experiment.models.tensors()  # "<model>." prefixed names with several models
    torch.save(weights, record.dir + "/weights.pt")
    safetensors.save(weights, record.dir + "/model.safetensors", {"format": "pt"})
    summary["checkpoints"].append("model.safetensors")
    summary["status"] = "finished"
    record.write_summary(summary)
    print("run record: " + record.dir, flush=True)
    return 0


def train_one(args, group=None):
    summary, record = new_summary(), None
    try:
        record = open_record(args, summary, group)
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


def parse_seeds(text):
    """modlr's --seeds syntax: "1,2,3", "1-5", "1-3,7"; no repeats."""
    seeds = []
    for item in text.split(","):
        first, dash, last = item.partition("-") if not item.startswith("-") else (item, "", "")
        try:
            lo, hi = int(first), int(last) if dash else int(first)
        except ValueError:
            sys.exit(f"train.py: error: --seeds '{text}': expected seeds and ranges like 1,2,3 or 1-5")
        if hi < lo:
            sys.exit(f"train.py: error: --seeds '{text}': reversed range '{item}'")
        seeds.extend(range(lo, hi + 1))
    if len(set(seeds)) != len(seeds):
        sys.exit(f"train.py: error: --seeds '{text}': a seed is repeated")
    return seeds


def train_seeds(args):
    seeds = parse_seeds(args.seeds)
    if any(o.startswith("seed=") for o in args.overrides):
        sys.exit("train.py: error: --seeds and --set seed=... both set the seed; use one")
    directory, name, _ = record_place(args)
    stamp, attempt = time.strftime("%Y%m%d-%H%M%S", time.gmtime()), 1
    while True:  # mkdir is the atomic claim, as for run ids
        group = "group-%s-python%s" % (stamp, "" if attempt == 1 else "-%d" % attempt)
        os.makedirs(directory + "/" + name, exist_ok=True)
        try:
            os.mkdir(directory + "/" + name + "/" + group)
            break
        except FileExistsError:
            attempt += 1
    base, failed = list(args.overrides), []
    for seed in seeds:
        print("seed %d" % seed, flush=True)
        args.overrides = base + ["seed=%d" % seed]
        if train_one(args, group) != 0:
            failed.append(seed)
    print("run group: %s/%s/%s (%d of %d runs finished)"
          % (directory, name, group, len(seeds) - len(failed), len(seeds)), flush=True)
    return 1 if failed else 0


def main(argv):
    args = parse_args(argv)
    if args.eval_weights:
        try:
            return evaluate_weights(Experiment(Config.load(args.config, args.overrides)),
                                    args.eval_weights, args.save_outputs)
        except Exception as e:
            print("train.py: error: " + str(e).split("\n")[0], file=sys.stderr)
            return 1
    return train_seeds(args) if args.seeds else train_one(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
