"""The composition root, as src/runner/experiment.cpp. Keys are read in modlr's order (so
the resolved config records defaults in the same places), the global RNG is seeded after
the dataset object exists and before the models are built (in config order), then loss,
optimizers and user hooks."""
import torch

from .config import config_stem
from .hooks import build_hooks
from .loader import Dataset
from .model_set import ModelSet
from .models import build_model
from .optim import Optimizer, build_loss
from .suite import MetricSuite
from .threads import apply_threads, available_cores, resolve_threads

DEFAULT_METRICS = {
    "classification": (["accuracy"], ["accuracy", "precision_macro", "recall_macro", "f1_macro",
                                      "auc_roc", "confusion_matrix"]),
    "regression": (["rmse"], ["mse", "rmse", "mae", "r2"]),
    "generative": (["d_real", "d_fake"], ["d_real", "d_fake"]),
    "translation": ([], ["bleu"]),  # bleu needs a search, which the loss runs in evaluation only
}


class Experiment:
    def __init__(self, config):
        self.config = config
        self.name = config.get("experiment", str, config_stem(config.source))
        self.seed = config.get_count("seed", 0, allow_zero=True)
        self.options = {}
        self._read_runner(config.section("runner"))
        self.dataset = Dataset(config.section("dataset"), self.seed)
        torch.manual_seed(self.seed)
        self.models = self._build_models(config.section("model"))
        self.threads = resolve_threads(self._thread_spec, config.section("runner").path("threads"))
        apply_threads(self.threads)
        self.initial_state = {k: v.detach().clone() for k, v in self.models.tensors().items()}
        self.loss = build_loss(config.section("loss"))
        self.optimizers = self._build_optimizers(config)
        self._read_metrics(config.section("metrics"))
        tracking = config.section("tracking")
        self.tracking_dir = tracking.get("dir", str, "runs")
        self.options["checkpoint_every"] = tracking.get_count("checkpoint_every", 1)
        self.options["checkpoint_steps"] = tracking.get_count("checkpoint_steps", 0, allow_zero=True)
        self.options["keep_checkpoints"] = tracking.get_count("keep_checkpoints", 3)
        self.options["save_initial"] = tracking.get("save_initial", bool, False)
        # TensorBoard files are modlr's record only; read so that a run's config.yaml is accepted.
        tracking.get("tensorboard", bool, True)
        tracking.get_count("tensorboard_every_steps", 50, allow_zero=True)
        tracking.get("mlflow", str, "")
        tracking.get("mlflow_experiment", str, "")
        self.hooks = build_hooks(config.section("runner"), self.seed)
        config.check_no_unknown_keys()

    def _read_runner(self, runner):
        self.options["epochs"] = runner.get_count("epochs", 1)
        self.options["max_steps"] = runner.get_count("max_steps", 0, allow_zero=True)
        self.options["accumulate_steps"] = runner.get_count("accumulate_steps", 1)
        self.options["ema_decay"] = runner.get_positive("ema_decay", 0.0, allow_zero=True)
        if self.options["ema_decay"] >= 1:
            runner.fail("ema_decay", "must be below 1 (0.999 is usual; 0 turns it off)")
        self.options["validate_every"] = runner.get_count("validate_every", 1)
        if runner.get_count("validate_every_steps", 0, allow_zero=True) != 0:
            runner.fail("validate_every_steps", "validation inside an epoch is not supported by the Python twin")
        if runner.get_count("validations_per_epoch", 1) != 1:
            runner.fail("validations_per_epoch", "validation inside an epoch is not supported by the Python twin")
        self._thread_spec = runner.get("threads", str, "auto")
        self.device = runner.get_choice("device", "cpu", ["cpu", "cuda"])
        if self.device == "cuda":
            runner.fail("device", "the Python twin runs on the CPU only")
        # Divergence handling and mid-epoch checkpoints are modlr's; the twin reads the keys
        # (so both resolve the same config) and stops on a non-finite loss either way.
        runner.get_choice("on_nan", "stop", ["stop", "skip_batch"])
        runner.get_count("max_skipped_batches", 10, allow_zero=True)
        runner.get("check_gradients", bool, True)
        # modlr's fast mode swaps in its own kernels; the twin is PyTorch itself, so it reads
        # the key (same resolved config) and always runs, and records, strict.
        runner.get_choice("mode", "strict", ["strict", "fast"])
        self.options["precision"] = runner.get_choice("precision", "fp32", ["fp32", "bf16", "fp16"])
        torch.backends.cudnn.benchmark = runner.get("cudnn_benchmark", bool, False)
        self.options["channels_last"] = runner.get("channels_last", bool, False)
        runner.get_choice("timing_breakdown", "auto", ["auto", "true", "false"])  # the twin always measures it
        if runner.has("distributed"):  # modlr's data-parallel settings; the twin is one process
            section = runner.section("distributed")
            section.get_choice("backend", "gloo", ["gloo", "nccl"])
            section.get_count("timeout_seconds", 60)
            section.get_positive("bucket_mb", 25.0, allow_zero=True)
            for key in ("overlap", "broadcast_buffers"):
                section.get(key, bool, True)
            section.get("sync_batchnorm", bool, False)

    def _build_models(self, section):
        """One model spec (it has a `name`) or a mapping of named specs, as build_models."""
        models = ModelSet()
        if section.has("name"):
            models.add("model", build_model(section))
        else:
            for key in section.keys():
                models.add(key, build_model(section.section(key)))
        if not models.names():
            section.fail("", "defines no model")
        if self.options["channels_last"]:
            for model in models.values():
                model.to(memory_format=torch.channels_last)
        return models

    def _build_optimizers(self, root):
        if root.is_list("optimizer"):
            sections = root.list_sections("optimizer")
        else:
            sections = [root.section("optimizer")]
        optimizers, names, objectives = [], self.models.names(), self.loss.objectives
        for section in sections:
            model = section.get("model", str, names[0] if len(names) == 1 else "")
            if model not in names:
                section.fail("model", "names no model of this experiment")
            objective = section.get("objective", str, objectives[0] if len(objectives) == 1 else "")
            if objective not in objectives:
                section.fail("objective", "names no objective of the loss")
            optimizers.append(Optimizer(section, self.models.get(model).parameters(),
                                        self.options["epochs"], model, objective))
        return optimizers

    def _read_metrics(self, section):
        train_default, eval_default = DEFAULT_METRICS[self.loss.task]
        self.options["train_metrics"] = section.get("train", [str], train_default)
        self.options["eval_metrics"] = section.get("eval", [str], eval_default)
        for name in self.options["train_metrics"]:
            if name in ("bleu", "judge_accuracy"):  # measured in evaluation only (metrics/suite.h)
                section.fail("train", "'%s' is measured in evaluation only: list it under metrics.eval" % name)
        try:
            MetricSuite(self.loss.task, self.options["train_metrics"])
            MetricSuite(self.loss.task, self.options["eval_metrics"])
        except ValueError as e:
            section.fail("", str(e))
