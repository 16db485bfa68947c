"""MetricSuite: accumulates predictions batch by batch, as src/metrics/suite.cpp."""
import math

import torch

from .bleu import BleuCounts
from .metrics import (CLASSIFICATION, GENERATIVE, MACRO, RATES, REGRESSION, auc_roc_ovr_macro,
                      macro_mean)


def metric_names(task):
    return {"classification": CLASSIFICATION, "regression": REGRESSION,
            "generative": GENERATIVE, "translation": ["bleu"]}.get(task, [])


class RegressionAccumulator:
    """Sequential double sums and Welford's target variance, as RegressionAccumulator."""

    def __init__(self):
        self.count, self.sq, self.abs, self.mean, self.m2 = 0, 0.0, 0.0, 0.0, 0.0

    def add(self, predicted, target):
        if not all(math.isfinite(v) for v in predicted + target):
            raise ValueError("RegressionAccumulator::add: non-finite value")
        for p, y in zip(predicted, target):
            residual = p - y
            self.sq += residual * residual
            self.abs += math.fabs(residual)
            self.count += 1
            delta = y - self.mean
            self.mean += delta / self.count
            self.m2 += delta * (y - self.mean)

    def value(self, name):
        if name == "r2":
            if self.m2 == 0.0:
                raise ValueError("r2: all targets are equal, R^2 is undefined")
            return 1.0 - self.sq / self.m2
        mse = self.sq / self.count
        return {"mse": mse, "rmse": math.sqrt(mse), "mae": self.abs / self.count}[name]


class MetricSuite:
    def __init__(self, task, names):
        valid = metric_names(task)
        for name in names:
            if name not in valid:
                raise ValueError("unknown metric '%s' for this loss (known: %s)"
                                 % (name, ", ".join(valid) or "none"))
        self.task, self.names = task, list(names)
        self.needs_scores = "auc_roc" in self.names
        self.reset()

    def reset(self):
        self.confusion, self.classes = None, 0
        self.scores, self.targets = [], []
        self.regression = RegressionAccumulator()
        self.probability_sums, self.probability_counts = [0.0, 0.0], [0, 0]  # real, generated
        self.bleu = BleuCounts()
        self.rates = {name: [0.0, 0.0] for name in self.names if name in RATES}  # {hits, trials}

    def update_rates(self, rates):
        """Adds the rates a loss measured ({name: (hits, trials)}) that this suite was asked
        for, as MetricSuite::update_rates: double sums of hits and trials."""
        for name, (hits, trials) in rates.items():
            if name not in self.rates or trials == 0:
                continue
            self.rates[name][0] += float(hits.item())
            self.rates[name][1] += float(trials)

    def undefined(self):
        """The requested metrics the data leaves undefined (NaN in compute()); the runner
        records them in training, not in evaluation (as modlr). Only the rates here."""
        return [name for name in self.names if name in self.rates and self.rates[name][1] == 0]

    def update(self, predictions, targets):
        if not self.names:
            return
        with torch.no_grad():
            if self.task == "classification":
                return self._update_classification(predictions, targets)
            if self.task == "generative":
                return self._update_generative(predictions, targets)
            if self.task == "translation":
                return self.bleu.update(predictions, targets)
            p = predictions.detach().to(torch.float32).reshape(-1).tolist()
            t = targets.to(torch.float32).reshape(-1).tolist()
            self.regression.add(p, t)

    def _update_classification(self, logits, targets):
        if self.confusion is None:
            self.classes = logits.size(1)
            self.confusion = torch.zeros(self.classes * self.classes, dtype=torch.int64)
        predicted = logits.argmax(1)
        actual = targets.to(torch.int64)
        if actual.numel() and (int(actual.min()) < 0 or int(actual.max()) >= self.classes):
            raise ValueError("ConfusionMatrix: target label out of range")
        cells = actual * self.classes + predicted
        self.confusion += torch.bincount(cells, minlength=self.classes ** 2)
        if self.needs_scores:
            self.scores.append(torch.softmax(logits.to(torch.float32), 1).detach().clone())
            self.targets += actual.tolist()

    def _update_generative(self, logits, targets):
        """Sequential double sums of float32 sigmoid(logit), as MetricSuite::update_generative."""
        p = torch.sigmoid(logits.detach().to(torch.float32)).reshape(-1).tolist()
        t = targets.to(torch.float32).reshape(-1).tolist()
        for probability, target in zip(p, t):
            kind = 0 if target > 0.5 else 1
            self.probability_sums[kind] += probability
            self.probability_counts[kind] += 1

    def confusion_rows(self):
        k = self.classes
        flat = self.confusion.tolist()
        return [flat[t * k:(t + 1) * k] for t in range(k)]

    def compute(self):
        out = {}
        for name in self.names:
            if name in self.rates:
                hits, trials = self.rates[name]
                out[name] = hits / trials if trials > 0 else math.nan
                continue
            if self.task == "generative":
                kind = 0 if name == "d_real" else 1
                if self.probability_counts[kind]:
                    out[name] = self.probability_sums[kind] / float(self.probability_counts[kind])
                continue
            if self.task == "translation":
                if self.bleu.reference_length:
                    out[name] = self.bleu.score()
                continue
            if self.task == "regression":
                if self.regression.count:
                    out[name] = self.regression.value(name)
                continue
            if self.confusion is None or int(self.confusion.sum()) == 0:
                continue
            out.update(self._classification_metric(name))
        return out

    def _classification_metric(self, name):
        cm = self.confusion_rows()
        if name == "accuracy":
            return {name: sum(cm[c][c] for c in range(self.classes)) / sum(map(sum, cm))}
        if name in MACRO:
            return {name: macro_mean(cm, MACRO[name])}
        if name == "auc_roc":
            return {name: auc_roc_ovr_macro(torch.cat(self.scores), self.targets, self.classes)}
        return {}

    def confusion_matrix(self):
        if "confusion_matrix" not in self.names or self.confusion is None:
            return []
        return self.confusion_rows()
