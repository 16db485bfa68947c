"""The run record, as src/tracking/{run_record,checkpoint}.cpp:
<dir>/<experiment>/<run-id>/ with config.yaml, metrics.csv, summary.json, checkpoints/.

The twin's run-id ends in "-python". Checkpoints use modlr's own format (a TorchScript
archive holding, per model name, a Dict[str, Tensor]), so `modlr eval` reads them."""
import json
import math
import os
import time

import torch

BREAKDOWN = ("data", "forward", "loss", "backward", "step")


def _write_atomic(path, text):
    temporary = "%s.tmp.%d" % (path, os.getpid())
    with open(temporary, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def format_value(value):
    """A double as C++ `std::setprecision(17) << value` writes it."""
    return "%.17g" % value


def save_archive(tensors_by_model, path):
    """Writes {model name: {tensor name: tensor}} as torch::serialize::OutputArchive does."""
    archive = torch._C.ScriptModule("__torch__.Module", torch._C.CompilationUnit(), True)
    dict_type = torch._C.DictType(torch._C.StringType.get(), torch._C.TensorType.get())
    for name, tensors in tensors_by_model.items():
        archive._register_attribute(name, dict_type, tensors)
    temporary = "%s.tmp.%d" % (path, os.getpid())
    archive.save(temporary)
    os.replace(temporary, path)


def model_tensors(model):
    """state_dict-style names -> CPU tensors, parameters then buffers (as modlr saves)."""
    out = {name: p.detach().to("cpu") for name, p in model.named_parameters()}
    out.update({name: b.detach().to("cpu") for name, b in model.named_buffers()})
    return out


class RunRecord:
    def __init__(self, runs_dir, experiment, seed, suffix="-python"):
        parent = runs_dir + "/" + experiment
        os.makedirs(parent, exist_ok=True)
        base = time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-seed%d%s" % (seed, suffix)
        attempt = 0
        while True:
            self.run_id = base if attempt == 0 else "%s-%d" % (base, attempt + 1)
            self.dir = parent + "/" + self.run_id
            try:
                os.mkdir(self.dir)  # the atomic claim
                break
            except FileExistsError:
                attempt += 1
        self.checkpoint_dir = self.dir + "/checkpoints"
        os.mkdir(self.checkpoint_dir)
        self._metrics = open(self.dir + "/metrics.csv", "w")
        self._metrics.write("epoch,split,metric,value\n")
        self._metrics.flush()
        self._saved = []

    def write_config(self, yaml_text):
        _write_atomic(self.dir + "/config.yaml", yaml_text)

    def append_metric(self, epoch, split, metric, value):
        self._metrics.write("%d,%s,%s,%s\n" % (epoch, split, metric, format_value(value)))
        self._metrics.flush()

    def save_checkpoint(self, models, epoch, keep):
        """Saves checkpoints/epoch-NNNN.pt, drops the oldest beyond `keep`; the kept names."""
        name = "epoch-%04d.pt" % epoch
        save_archive({n: model_tensors(m) for n, m in models.items()}, self.checkpoint_dir + "/" + name)
        self._saved.append(name)
        while len(self._saved) > keep:
            os.remove(self.checkpoint_dir + "/" + self._saved.pop(0))
        return (["initial.pt"] if getattr(self, "_initial", False) else []) + list(self._saved)

    def save_initial(self, models):
        """Saves checkpoints/initial.pt (outside the rotation), as modlr's save_initial."""
        save_archive({n: model_tensors(m) for n, m in models.items()}, self.checkpoint_dir + "/initial.pt")
        self._initial = True

    def write_summary(self, summary):
        _write_atomic(self.dir + "/summary.json", summary_json(summary))


def _number(value):
    # nlohmann writes a non-finite double as null
    return value if isinstance(value, int) or math.isfinite(value) else None


def new_summary():
    return {"experiment": "", "run_id": "", "seed": 0, "status": "running", "error": "",
            "train_epochs": 0, "train_seconds": 0.0, "breakdown": {}, "train_metrics": {},
            "test_seconds": 0.0, "test_metrics": {}, "confusion": [], "environment": {},
            "threads": 0, "data_files": [], "checkpoints": [], "extra_tests": []}


def summary_json(s):
    """summary.json text with modlr's keys, order and layout (nlohmann dump(2))."""
    j = {key: s[key] for key in ("experiment", "run_id", "seed", "status")}
    if s["error"]:
        j["error"] = s["error"]
    train = {"epochs": s["train_epochs"], "seconds": s["train_seconds"],
             "breakdown_seconds": {k: s["breakdown"][k] for k in BREAKDOWN if k in s["breakdown"]}}
    train.update({k: _number(v) for k, v in sorted(s["train_metrics"].items())})
    test = {"seconds": s["test_seconds"]}
    test.update({k: _number(v) for k, v in sorted(s["test_metrics"].items())})
    if s["confusion"]:
        test["confusion_matrix"] = s["confusion"]
    extra_tests = {}
    for name, seconds, metrics, confusion in s.get("extra_tests", []):
        split = {"seconds": seconds}
        split.update({k: _number(v) for k, v in sorted(metrics.items())})
        if confusion:
            split["confusion_matrix"] = confusion
        extra_tests[name] = split
    environment = dict(sorted(s["environment"].items()))
    environment["threads"] = s["threads"]
    j.update({"train": train, "test": test})
    if extra_tests:
        j["extra_tests"] = extra_tests
    j.update({"environment": environment,
              "data": dict(s["data_files"]), "checkpoints": s["checkpoints"]})
    return json.dumps(j, indent=2, ensure_ascii=False) + "\n"
