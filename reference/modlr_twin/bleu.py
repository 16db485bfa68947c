"""Corpus BLEU from sufficient statistics, as src/metrics/bleu.cpp add_segment/finish
(sacreBLEU's compute_bleu: 4-grams, "exp" smoothing), and the translation metric of
src/metrics/suite.cpp update_translation: each row of ids one sentence, its non-zero ids
the tokens (compared as their decimal text, as modlr does)."""
import collections
import math


class BleuCounts:
    def __init__(self):
        self.correct, self.total = [0] * 4, [0] * 4
        self.system_length = self.reference_length = 0

    def add_segment(self, hypothesis, reference):
        self.system_length += len(hypothesis)
        self.reference_length += len(reference)
        reference_ngrams = ngrams(reference)
        for gram, count in ngrams(hypothesis).items():
            if gram in reference_ngrams:
                self.correct[len(gram) - 1] += min(count, reference_ngrams[gram])
        for n in range(1, 5):
            self.total[n - 1] += max(0, len(hypothesis) - n + 1)

    def update(self, outputs, references):
        """update_translation: ids [N, L] vs [N, T], row by row."""
        hypotheses, truths = outputs.long().tolist(), references.long().tolist()
        if outputs.dim() != 2 or references.dim() != 2 or len(hypotheses) != len(truths):
            raise ValueError("metrics: bleu needs output and reference ids [N, L] with the same N, got %s and %s"
                             % (list(outputs.shape), list(references.shape)))
        for hypothesis, truth in zip(hypotheses, truths):
            self.add_segment([str(i) for i in hypothesis if i != 0], [str(i) for i in truth if i != 0])

    def score(self):
        """finish(): the score 0-100 from the counts, in modlr's order of operations."""
        brevity_penalty = 1.0
        if self.system_length < self.reference_length:
            brevity_penalty = (math.exp(1 - float(self.reference_length) / float(self.system_length))
                               if self.system_length > 0 else 0.0)
        if not any(self.correct):
            return 0.0
        smooth, log_sum, precisions = 1.0, 0.0, [0.0] * 4
        for n in range(4):
            if self.total[n] == 0:
                break
            if self.correct[n] == 0:
                smooth *= 2
                precisions[n] = 100.0 / (smooth * float(self.total[n]))
            else:
                precisions[n] = 100.0 * float(self.correct[n]) / float(self.total[n])
        for p in precisions:
            log_sum += -9999999999.0 if p == 0.0 else math.log(p)
        return brevity_penalty * math.exp(log_sum / 4)


def ngrams(tokens):
    out = collections.Counter()
    for n in range(1, 5):
        for i in range(len(tokens) - n + 1):
            out[tuple(tokens[i:i + n])] += 1
    return out
