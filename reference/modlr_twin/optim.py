"""Losses (src/loss/supervised_losses.cpp, gan_loss.cpp, acgan_loss.cpp), optimizers and LR
schedules (src/optimizer/*).

A loss's compute() returns (objectives, predictions, targets) or, with rates it measured
itself (LossOutput::rates), (objectives, predictions, targets, {name: (hits, trials)})."""
import math
import os

import torch
import torch.nn.functional as F

from .config import ConfigError
from .judge import Judge
from .models import conditional_input
from .translation_loss import TranslationLoss


class SupervisedLoss:
    """One model, one objective "loss" (src/loss/supervised_losses.cpp)."""
    objectives = ["loss"]

    def compute(self, models, x, y, objective, training):
        """({objective name: scalar}, predictions, targets), as Loss::compute."""
        loss, predictions, targets = self(models.forward(x), y)
        return {"loss": loss}, predictions, targets


class CrossEntropyLoss(SupervisedLoss):
    task = "classification"

    def __init__(self, c):
        self.smoothing = c.get("label_smoothing", float, 0.0)
        if self.smoothing < 0 or self.smoothing >= 1:
            c.fail("label_smoothing", "must be in [0, 1)")

    def __call__(self, outputs, y):
        """(loss, predictions, targets)"""
        if self.smoothing > 0:
            return F.cross_entropy(outputs, y, label_smoothing=self.smoothing), outputs, y
        return F.cross_entropy(outputs, y), outputs, y


class MseLoss(SupervisedLoss):
    task = "regression"

    def __init__(self, c):
        pass

    def __call__(self, outputs, y):
        targets = y.reshape(outputs.shape)
        return F.mse_loss(outputs, targets), outputs, targets


class GanLoss:
    """src/loss/gan_loss.cpp (semantics in include/modlr/loss/gan.h): each training call
    computes only the requested objective from its own noise drawn from the global
    generator; evaluation computes both from one draw."""
    task = "generative"
    objectives = ["discriminator", "generator"]

    def __init__(self, c):
        smoothing = c.get("label_smoothing", float, 0.0)
        if smoothing < 0 or smoothing >= 1:
            c.fail("label_smoothing", "must be in [0, 1)")
        self.real_target = 1.0 - smoothing

    @staticmethod
    def _bce(logits, target):
        return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))

    @staticmethod
    def _predictions(d_real, d_fake):
        p = torch.cat([d_real.detach().reshape(-1), d_fake.detach().reshape(-1)])
        return p, torch.cat([torch.ones(d_real.numel()), torch.zeros(d_fake.numel())])

    def compute(self, models, x, y, objective, training):
        generator = models.get("generator")
        z = torch.randn([x.size(0)] + list(generator.input_shape))
        if objective == "discriminator":
            with torch.no_grad():
                fake = models.forward("generator", z)
            d_real = models.forward("discriminator", x)
            d_fake = models.forward("discriminator", fake)
            loss = self._bce(d_real, self.real_target) + self._bce(d_fake, 0.0)
            return ({"discriminator": loss},) + self._predictions(d_real, d_fake)
        if objective == "generator":
            d_fake = models.forward("discriminator", models.forward("generator", z))
            return {"generator": self._bce(d_fake, 1.0)}, None, None
        if objective == "" and not training:
            fake = models.forward("generator", z)
            d_real = models.forward("discriminator", x)
            d_fake = models.forward("discriminator", fake)
            objectives = {"discriminator": self._bce(d_real, self.real_target) + self._bce(d_fake, 0.0),
                          "generator": self._bce(d_fake, 1.0)}
            return (objectives,) + self._predictions(d_real, d_fake)
        raise ValueError("gan loss: unknown objective '%s' (known: discriminator, generator)"
                         % objective)


class AcganLoss:
    """src/loss/acgan_loss.cpp (semantics in include/modlr/loss/gan.h): the auxiliary-classifier
    GAN. Each call draws z ~ N(0, 1) [B, latent], then the classes c = randint(K, [B]), from
    the global generator; the generator sees [z, one_hot(c)], the discriminator returns
    [B, 1 + K] (column 0 real/generated, then the class logits). Stages and evaluation as
    GanLoss; rates: class_accuracy (discriminator stage, evaluation), judge_accuracy
    (evaluation with loss.judge)."""
    task = "generative"
    objectives = ["discriminator", "generator"]

    def __init__(self, c):
        smoothing = c.get("label_smoothing", float, 0.0)
        if smoothing < 0 or smoothing >= 1:
            c.fail("label_smoothing", "must be in [0, 1)")
        weight = c.get("auxiliary_weight", float, 1.0)
        if not weight >= 0:
            c.fail("auxiliary_weight", "must be >= 0")
        self.real_target, self.weight, self.judge = 1.0 - smoothing, weight, None
        if c.has("judge"):
            section = c.section("judge")
            config = section.get("config", str)
            checkpoint = section.get("checkpoint", str)
            if not os.path.exists(checkpoint):
                section.fail("checkpoint", checkpoint + ": no such file (train the judge first: README, the "
                                                        "conditional GAN)")
            try:
                self.judge = Judge(config, checkpoint)
            except (ConfigError, ValueError, OSError, RuntimeError) as e:
                c.fail("judge", str(e))

    @staticmethod
    def _classes(models):
        k = getattr(models.get("generator"), "classes", 0)
        if k <= 0:
            raise ValueError("loss 'acgan' needs a generator conditioned on classes (model.generator.classes > 0)")
        return k

    @staticmethod
    def _class_targets(y, batch_size, k):
        if y is None or y.dim() != 1 or y.dtype != torch.int64 or y.size(0) != batch_size:
            raise ValueError("loss 'acgan': expected class targets int64 [B] in the batch")
        if y.numel() > 0 and (int(y.min()) < 0 or int(y.max()) >= k):
            raise ValueError("loss 'acgan': a target class outside [0, %d) (model.discriminator.classes must "
                             "cover the data's classes)" % k)
        return y

    def _generate(self, models, batch_size, track_generator):
        """(G(z, c), c): z first, then c, from the global generator."""
        k = self._classes(models)
        shape = list(models.get("generator").input_shape)
        shape[-1] -= k
        z = torch.randn([batch_size] + shape)
        classes = torch.randint(k, (batch_size,), dtype=torch.int64)
        inputs = conditional_input(z, classes, k)
        if track_generator:
            return models.forward("generator", inputs), classes
        with torch.no_grad():  # the generator is not trained in this stage
            return models.forward("generator", inputs), classes

    @staticmethod
    def _discriminate(models, images, k):
        logits = models.forward("discriminator", images)
        if logits.dim() != 2 or logits.size(1) != 1 + k:
            raise ValueError("loss 'acgan': the discriminator must return [B, 1 + %d] (model.discriminator.classes: "
                             "%d), got %s" % (k, k, list(logits.shape)))
        return logits

    def _discriminator_objective(self, real, fake, targets, classes):
        k = real.size(1) - 1
        adversarial = GanLoss._bce(real.select(1, 0), self.real_target) + GanLoss._bce(fake.select(1, 0), 0.0)
        auxiliary = F.cross_entropy(real.narrow(1, 1, k), targets) + F.cross_entropy(fake.narrow(1, 1, k), classes)
        return adversarial + self.weight * auxiliary

    def _generator_objective(self, fake, classes):
        auxiliary = F.cross_entropy(fake.narrow(1, 1, fake.size(1) - 1), classes)
        return GanLoss._bce(fake.select(1, 0), 1.0) + self.weight * auxiliary

    def compute(self, models, x, y, objective, training):
        evaluation = objective == "" and not training
        if not evaluation and objective not in ("discriminator", "generator"):
            raise ValueError("acgan loss: unknown objective '%s' (known: discriminator, generator)" % objective)
        fake, classes = self._generate(models, x.size(0), objective == "generator")
        k = self._classes(models)
        if objective == "generator":
            return {"generator": self._generator_objective(self._discriminate(models, fake, k), classes)}, None, None
        targets = self._class_targets(y, x.size(0), k)
        d_real = self._discriminate(models, x, k)  # two batch-norm batches, as in `gan`
        d_fake = self._discriminate(models, fake, k)
        objectives = {"discriminator": self._discriminator_objective(d_real, d_fake, targets, classes)}
        if evaluation:
            objectives["generator"] = self._generator_objective(d_fake, classes)
        predictions, truths = GanLoss._predictions(d_real.select(1, 0), d_fake.select(1, 0))
        rates = {"class_accuracy": (d_real.narrow(1, 1, k).detach().argmax(1).eq(targets).sum(), targets.size(0))}
        if evaluation and self.judge is not None:
            rates["judge_accuracy"] = (self.judge.classify(fake).eq(classes).sum(), x.size(0))
        return objectives, predictions, truths, rates


LOSSES = {"acgan": AcganLoss, "cross_entropy": CrossEntropyLoss, "gan": GanLoss, "mse": MseLoss,
          "translation": TranslationLoss}


def build_loss(section):
    name = section.get("name", str)
    if name not in LOSSES:
        section.fail("name", "unknown loss '%s' (known: %s)" % (name, ", ".join(sorted(LOSSES))))
    return LOSSES[name](section)


# ---- schedules: lr as a closed form of the completed epochs or batches --------------------

class Schedule:
    """lr(epoch, base) applied at epoch starts, or, when per_step, at_step(step,
    steps_per_epoch, base) before every batch (include/modlr/optimizer/optimizer.h)."""

    def __init__(self, at_epoch, at_step=None):
        self.at_epoch, self.at_step, self.per_step = at_epoch, at_step, at_step is not None


def build_schedule(c, name, epochs, warmup):
    if name == "constant":
        return Schedule(lambda epoch, base: base)
    if name == "step":
        gamma = c.get_positive("gamma", 0.1)
        step_size = c.get_count("step_size", 1)
        return Schedule(lambda epoch, base: base * math.pow(gamma, float(epoch // step_size)))
    if name == "cosine":
        t_max = c.get_count("t_max", max(epochs, 1))
        eta_min = c.get_positive("eta_min", 0.0, allow_zero=True)
        per_step = c.get_choice("unit", "epoch", ["epoch", "step"]) == "step"

        def cosine(t, length, base):
            progress = min(t, length) / length
            return eta_min + (base - eta_min) * (1 + math.cos(math.pi * progress)) / 2

        return Schedule(lambda epoch, base: cosine(epoch, t_max, base),
                        (lambda step, steps, base: cosine(step, t_max * max(steps, 1), base)) if per_step else None)
    if name == "inverse_sqrt":
        length, per_step, _ = warmup
        if length < 1 or not per_step:
            c.fail("warmup", "inverse_sqrt decays from the end of its warm-up: set warmup to a number of "
                             "batches (warmup_unit: step)")

        def inverse_sqrt(step, steps, base):
            s = step + 1
            return base if s <= length else base * math.sqrt(float(length) / float(s))

        return Schedule(lambda epoch, base: base, inverse_sqrt)
    c.fail("name", "unknown schedule '%s' (known: constant, cosine, inverse_sqrt, step)" % name)


def read_warmup(c):
    """(length, per_step, start) of a schedule section's linear warm-up, as build_optimizer
    reads them (include/modlr/optimizer/optimizer.h: LinearWarmup)."""
    length = c.get_count("warmup", 0, allow_zero=True)
    if length == 0:
        return 0, True, 0.1
    per_step = c.get_choice("warmup_unit", "step", ["step", "epoch"]) == "step"
    start = c.get_positive("warmup_start", 0.1, allow_zero=True)
    if start > 1:
        c.fail("warmup_start", "is a factor of the lr in [0, 1]")
    return length, per_step, start


def warmup_factor(warmup, t):
    length, _, start = warmup
    if t >= length:
        return 1.0
    return start + (1.0 - start) * float(t) / float(length)


# ---- update rules --------------------------------------------------------------------------

def _read_betas(c):
    betas = c.get("betas", [float], [0.9, 0.999])
    if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
        c.fail("betas", "must be two numbers in [0, 1)")
    return tuple(betas)


def make_sgd(c, params):
    lr = c.get_positive("lr", 1e-3)
    momentum = c.get_positive("momentum", 0.0, True)
    dampening = c.get_positive("dampening", 0.0, True)
    nesterov = c.get("nesterov", bool, False)
    weight_decay = c.get_positive("weight_decay", 0.0, True)
    if nesterov and (momentum <= 0 or dampening != 0):
        c.fail("nesterov", "needs momentum > 0 and dampening 0")
    return torch.optim.SGD(params, lr=lr, momentum=momentum, dampening=dampening,
                           nesterov=nesterov, weight_decay=weight_decay, foreach=False)


def _make_adam(c, params, kind, default_decay):
    lr = c.get_positive("lr", 1e-3)
    betas = _read_betas(c)
    eps = c.get_positive("eps", 1e-8)
    weight_decay = c.get_positive("weight_decay", default_decay, True)
    amsgrad = c.get("amsgrad", bool, False)
    return kind(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                foreach=False)


UPDATE_RULES = {"sgd": make_sgd,
                "adam": lambda c, p: _make_adam(c, p, torch.optim.Adam, 0.0),
                "adamw": lambda c, p: _make_adam(c, p, torch.optim.AdamW, 1e-2)}


class Optimizer:
    """An update rule with its schedule and clipping, as modlr::Optimizer."""

    def __init__(self, section, params, epochs, model, objective):
        name = section.get("name", str)
        self.base_lr = section.get_positive("lr", 1e-3)
        self.clip = section.get_positive("clip_grad_norm", 0.0, allow_zero=True)
        schedule = section.section("schedule")
        schedule_name = schedule.get("name", str, "constant")
        self.warmup = read_warmup(schedule)
        self.schedule = build_schedule(schedule, schedule_name, epochs, self.warmup)
        self.epoch, self.steps_per_epoch = 0, 1
        if name not in UPDATE_RULES:
            section.fail("name", "unknown optimizer '%s' (known: adam, adamw, sgd)" % name)
        self.params = list(params)
        self.impl = UPDATE_RULES[name](section, self.params)
        self.model, self.objective = model, objective

    def start_epoch(self, epoch):
        self.epoch = epoch
        if self.schedule.per_step:
            return  # start_step sets the rate
        lr = self.schedule.at_epoch(epoch, self.base_lr)
        if not self.warmup[1]:
            lr *= warmup_factor(self.warmup, epoch)
        self._set_lr(lr)

    def start_step(self, step):
        if not self.schedule.per_step and not (self.warmup[1] and self.warmup[0] > 0):
            return
        if self.schedule.per_step:
            lr = self.schedule.at_step(step, self.steps_per_epoch, self.base_lr)
        else:
            lr = self.schedule.at_epoch(self.epoch, self.base_lr)
        self._set_lr(lr * warmup_factor(self.warmup, step if self.warmup[1] else self.epoch))

    def _set_lr(self, lr):
        for group in self.impl.param_groups:
            group["lr"] = lr

    def zero_grad(self):
        self.impl.zero_grad(set_to_none=False)

    def step(self):
        if self.clip > 0:
            for group in self.impl.param_groups:
                torch.nn.utils.clip_grad_norm_(group["params"], self.clip)
        self.impl.step()

    def lr(self):
        return self.impl.param_groups[0]["lr"]
