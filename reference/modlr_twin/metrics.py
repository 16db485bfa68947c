"""Metrics, as src/metrics/{suite,classification,regression}.cpp, in plain Python/torch.

Sums run in the same order and precision as modlr's (doubles, class by class), so the
values are bit-identical given identical predictions."""
import math

CLASSIFICATION = ["accuracy", "precision_macro", "recall_macro", "f1_macro", "auc_roc",
                  "confusion_matrix"]
REGRESSION = ["mse", "rmse", "mae", "r2"]
GENERATIVE = ["d_real", "d_fake", "class_accuracy", "judge_accuracy"]
RATES = ["class_accuracy", "judge_accuracy"]  # measured by the loss (acgan): hits over trials


def _ratio(num, den):
    return 0.0 if den == 0 else num / den


def _class_stats(cm):
    """(tp, target_count, predicted_count) of each class present in targets or predictions."""
    k = len(cm)
    stats = []
    for c in range(k):
        s = (cm[c][c], sum(cm[c]), sum(cm[t][c] for t in range(k)))
        if s[1] > 0 or s[2] > 0:
            stats.append(s)
    return stats


def _f1(s):
    p, r = _ratio(s[0], s[2]), _ratio(s[0], s[1])
    return 0.0 if p + r == 0.0 else 2.0 * p * r / (p + r)


MACRO = {"precision_macro": lambda s: _ratio(s[0], s[2]),
         "recall_macro": lambda s: _ratio(s[0], s[1]),
         "f1_macro": _f1}


def macro_mean(cm, per_class):
    stats = _class_stats(cm)
    total = 0.0
    for s in stats:
        total += per_class(s)
    return total / len(stats)


def mann_whitney_auc(scores, positive):
    """AUC of float scores vs bool labels with average ranks for ties; NaN if one class."""
    n = len(scores)
    order = sorted(range(n), key=scores.__getitem__)
    positive_rank_sum, n_pos, start = 0.0, 0, 0
    while start < n:
        end = start + 1
        while end < n and scores[order[end]] == scores[order[start]]:
            end += 1
        avg_rank = 0.5 * float(start + 1 + end)
        for k in range(start, end):
            if positive[order[k]]:
                positive_rank_sum += avg_rank
                n_pos += 1
        start = end
    n_neg = n - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    p = float(n_pos)
    return (positive_rank_sum - p * (p + 1.0) / 2.0) / (p * float(n_neg))


def auc_roc_ovr_macro(scores, targets, classes):
    """scores: float32 [N, K] tensor; targets: list of ints."""
    total, qualifying = 0.0, 0
    for c in range(classes):
        column = scores[:, c].tolist()  # float32 values, compared exactly as modlr's floats
        auc = mann_whitney_auc(column, [t == c for t in targets])
        if math.isnan(auc):
            continue
        total += auc
        qualifying += 1
    if qualifying == 0:
        raise ValueError("auc_roc_ovr_macro: no class has both positive and negative examples")
    return total / qualifying
