"""The training loop, as src/runner/runner.cpp plus its built-in hooks (timing, progress,
validation schedule, tracking, checkpoints; src/runner/builtin_hooks.cpp).

One step, for each optimizer in configured order: zero_grad -> loss.compute(models, batch,
the optimizer's objective) -> backward -> item() (must be finite) -> step, then the
objective's sum (value * batch size, in double) and, from the first stage that returns
predictions, the training metrics. `models` is a ModelSet (model_set.py); `hooks` are
user hooks (hooks.py) called at fit start and epoch end."""
import math
import time

import torch

from .mixed_precision import GradScaler, autocast
from .record import BREAKDOWN
from .suite import MetricSuite


def now():
    return time.perf_counter()  # CLOCK_MONOTONIC, like std::chrono::steady_clock


def format_metrics(metrics):
    return "".join("  %s %.4g" % (name, metrics[name]) for name in sorted(metrics))


class WeightAverage:
    """runner.ema_decay (src/runner/weight_average.cpp) through PyTorch's own AveragedModel
    with get_ema_multi_avg_fn, parameters and buffers averaged (modlr copies integer buffers,
    which AveragedModel averages and truncates: they count batches, they are not weights)."""

    def __init__(self, models, decay):
        from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
        self.models = models
        self.averaged = {name: AveragedModel(models.get(name), multi_avg_fn=get_ema_multi_avg_fn(decay),
                                             use_buffers=True)
                         for name in models.names()}
        self.started = False

    def update(self):
        for name, averaged in self.averaged.items():
            averaged.update_parameters(self.models.get(name))
        self.started = True

    def swap(self):
        """Exchanges the models' weights and the averages."""
        with torch.no_grad():
            for name, averaged in self.averaged.items():
                model = self.models.get(name)
                live = list(model.parameters()) + list(model.buffers())
                kept = list(averaged.module.parameters()) + list(averaged.module.buffers())
                for a, b in zip(live, kept):
                    previous = a.detach().clone()
                    a.copy_(b)
                    b.copy_(previous)


class Runner:
    def __init__(self, models, loss, optimizers, options, record=None, hooks=()):
        self.models, self.loss, self.optimizers = models, loss, optimizers
        self.hooks = list(hooks)
        self.options, self.record = options, record  # options: epochs, validate_every, metrics...
        self.epoch, self.global_step = 0, 0
        self.epochs = options["epochs"]  # the last epoch; max_steps may make it an earlier one
        self.train_metrics = {}
        self.breakdown = dict.fromkeys(BREAKDOWN, 0.0)
        self.train_seconds, self.evaluation_seconds = 0.0, {}
        self.checkpoints = []
        self.precision = options.get("precision", "fp32")
        self.scaler = GradScaler() if self.precision == "fp16" else None
        decay = options.get("ema_decay", 0.0)
        self.ema = WeightAverage(models, decay) if decay > 0 else None

    def compute_loss(self, x, y, objective, training):
        """Forward and loss under the run's autocast; predictions in float32 (metrics).
        (objectives, predictions, targets, rates): rates {name: (hits, trials)} a loss
        measured itself (LossOutput::rates; the acgan loss's), {} for the others."""
        if self.options.get("channels_last") and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        with autocast(self.precision):
            out = self.loss.compute(self.models, x, y, objective, training)
        objectives, predictions, targets = out[:3]
        rates = out[3] if len(out) > 3 else {}
        if predictions is not None and predictions.is_floating_point():
            predictions = predictions.float()
        return objectives, predictions, targets, rates

    def fit(self, train, validation):
        metrics = MetricSuite(self.loss.task, self.options["train_metrics"])
        fit_start, validation_seconds = now(), 0.0
        if self.record is not None and self.options["save_initial"]:
            self.record.save_initial(self.models)
        for hook in self.hooks:
            hook.fit_start(self)
        for optimizer in self.optimizers:
            optimizer.steps_per_epoch = train.batches_per_epoch()
        epoch = 0
        while epoch < self.epochs:
            epoch += 1
            self.epoch = epoch
            self.train_epoch(train, metrics)
            if self.step_limit_reached():
                self.epochs = epoch
            self.epoch_end()
            last = epoch == self.epochs
            if validation is not None and (epoch % self.options["validate_every"] == 0 or last):
                self.swap_averages()
                self.evaluate(validation, "validation")
                self.swap_averages()
                validation_seconds += self.evaluation_seconds["validation"]
        self.swap_averages()  # the averages are the trained models from here on
        self.train_seconds = now() - fit_start - validation_seconds

    def train_epoch(self, train, metrics):
        for optimizer in self.optimizers:
            optimizer.start_epoch(self.epoch - 1)
        self.models.train(True)
        metrics.reset()
        sums, examples = {}, 0
        train.start_epoch()
        self.epoch_start = now()
        self.batch, self.batches_per_epoch = 0, train.batches_per_epoch()
        while not self.step_limit_reached():
            t0 = now()
            batch = train.next()
            if batch is None:
                break
            self.breakdown["data"] += now() - t0
            self.train_step(batch, metrics, sums)
            examples += batch[0].size(0)
            self.global_step += 1
            self.batch += 1
        self.train_metrics = metrics.compute()
        for name, total in sums.items():
            self.train_metrics[name] = total / examples

    def swap_averages(self):
        if self.ema is not None and self.ema.started:
            self.ema.swap()

    def step_limit_reached(self):
        return self.options["max_steps"] > 0 and self.global_step >= self.options["max_steps"]

    def train_step(self, batch, metrics, sums):
        for optimizer in self.optimizers:
            optimizer.start_step(self.global_step)
        if self.options["accumulate_steps"] > 1:
            return self.accumulation_step(batch, metrics, sums)
        x, y = batch
        metrics_updated, stepped = False, False
        for optimizer in self.optimizers:
            t1 = now()
            optimizer.zero_grad()
            self.models.forward_seconds = 0.0
            objectives, predictions, targets, rates = self.compute_loss(x, y, optimizer.objective, True)
            forward = self.models.forward_seconds
            t2 = now()
            if optimizer.objective not in objectives:
                raise RuntimeError("the loss returned no objective '%s'" % optimizer.objective)
            loss = objectives[optimizer.objective]
            self.breakdown["forward"] += forward
            self.breakdown["loss"] += (t2 - t1) - forward
            (self.scaler.scale(loss) if self.scaler else loss).backward()
            value = loss.item()
            if not math.isfinite(value):
                raise RuntimeError("epoch %d, step %d: objective '%s' is %s; stopping before the "
                                   "optimizer applies it"
                                   % (self.epoch, self.global_step + 1, optimizer.objective, value))
            t3 = now()
            self.breakdown["backward"] += t3 - t2
            # fp16: gradients the loss scale overflowed skip the update, the batch still counts.
            if self.scaler is None or self.scaler.unscale(optimizer.params):
                optimizer.step()
                stepped = True
            self.breakdown["step"] += now() - t3
            objective = optimizer.objective
            sums[objective] = sums.get(objective, 0.0) + value * float(x.size(0))
            if not metrics_updated and predictions is not None:
                metrics.update(predictions, targets)
                metrics.update_rates(rates)
                metrics_updated = True
        if self.scaler is not None:
            self.scaler.update()
        if self.ema is not None and stepped:
            self.ema.update()

    def accumulation_step(self, batch, metrics, sums):
        """src/runner/runner_accumulate.cpp: each batch adds objective / group size to the
        gradients; the group's last batch steps."""
        x, y = batch
        optimizer = self.optimizers[0]
        k = self.options["accumulate_steps"]
        epoch_batches = self.batches_per_epoch
        if self.options["max_steps"] > 0:
            epoch_batches = min(epoch_batches, self.batch + self.options["max_steps"] - self.global_step)
        group_start = self.batch // k * k
        group_size = min(k, epoch_batches - group_start)
        t1 = now()
        if self.batch == group_start:
            optimizer.zero_grad()
        self.models.forward_seconds = 0.0
        objectives, predictions, targets, rates = self.compute_loss(x, y, optimizer.objective, True)
        forward = self.models.forward_seconds
        t2 = now()
        loss = objectives[optimizer.objective]
        self.breakdown["forward"] += forward
        self.breakdown["loss"] += (t2 - t1) - forward
        value = loss.item()
        if not math.isfinite(value):
            raise RuntimeError("epoch %d, step %d: objective '%s' is %s; stopping before the "
                               "optimizer applies it"
                               % (self.epoch, self.global_step + 1, optimizer.objective, value))
        share = loss / float(group_size)
        (self.scaler.scale(share) if self.scaler else share).backward()
        sums[optimizer.objective] = sums.get(optimizer.objective, 0.0) + value * float(x.size(0))
        if predictions is not None:
            metrics.update(predictions, targets)
            metrics.update_rates(rates)
        t3 = now()
        self.breakdown["backward"] += t3 - t2
        if self.batch + 1 != group_start + group_size:
            return
        stepped = self.scaler is None or self.scaler.unscale(optimizer.params)
        if stepped:
            optimizer.step()
        self.breakdown["step"] += now() - t3
        if self.scaler is not None:
            self.scaler.update()
        if self.ema is not None and stepped:
            self.ema.update()

    def epoch_end(self):
        for hook in self.hooks:
            hook.epoch_end(self)
        seconds = now() - self.epoch_start
        print("epoch %d/%d%s  (%.1f s)" % (self.epoch, self.epochs,
                                           format_metrics(self.train_metrics), seconds), flush=True)
        if self.record is None:
            return
        for name in sorted(self.train_metrics):
            self.record.append_metric(self.epoch, "train", name, self.train_metrics[name])
        for optimizer in self.optimizers:
            suffix = "" if len(self.optimizers) == 1 else "_" + optimizer.objective
            self.record.append_metric(self.epoch, "train", "lr" + suffix, optimizer.lr())
        every, epochs = self.options["checkpoint_every"], self.epochs
        if self.epoch % every == 0 or self.epoch == epochs:
            keep = self.options["keep_checkpoints"]
            self.checkpoints = self.record.save_checkpoint(self.models, self.epoch, keep)

    def evaluate(self, loader, split):
        """(metrics, confusion matrix rows); metrics include each objective's mean."""
        start = now()
        with torch.inference_mode():
            self.models.train(False)
            metrics = MetricSuite(self.loss.task, self.options["eval_metrics"])
            sums, examples = {}, 0
            loader.start_epoch()
            while True:
                batch = loader.next()
                if batch is None:
                    break
                objectives, predictions, targets, rates = self.compute_loss(batch[0], batch[1], "", False)
                for name, value in objectives.items():
                    sums[name] = sums.get(name, 0.0) + value.item() * float(batch[0].size(0))
                if predictions is not None:
                    metrics.update(predictions, targets)
                metrics.update_rates(rates)
                examples += batch[0].size(0)
            result = metrics.compute()
            undefined = metrics.undefined()  # NaN in the result; not in metrics.csv (modlr's recorded_evaluation_metrics)
            for name, total in sums.items():  # none when no batch ran, as modlr
                result[name] = total / max(examples, 1)
            confusion = metrics.confusion_matrix()
        self.evaluation_seconds[split] = now() - start
        print("  %s%s" % (split, format_metrics(result)), flush=True)
        if self.record is not None:
            for name in sorted(result):
                if name not in undefined:
                    self.record.append_metric(self.epoch, split, name, result[name])
        return result, confusion
