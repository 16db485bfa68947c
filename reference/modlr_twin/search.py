"""Greedy and beam search over a sequence-to-sequence model, as
src/model/sequence_search.cpp (semantics in include/modlr/model/seq2seq.h).

The model gives encode(source) -> encoded (memory, padding), next_token_logits(encoded,
prefix) and max_length(). Scores are float32 throughout, as modlr's: the beam's per-step
sums are tensor ops, the length normalisation is one float division (rounded to float32
here, which double arithmetic does exactly for one division)."""
import math
import struct

import torch

PAD, BOS, EOS = 0, 2, 3  # TranslationTokens
MINUS_INF = float("-inf")


def f32(x):
    """x rounded to the nearest float32, as a Python float."""
    return struct.unpack("f", struct.pack("f", x))[0]


class SearchOptions:
    def __init__(self, beam=1, length_penalty=1.0, extra_length=50):
        self.beam, self.length_penalty, self.extra_length = beam, length_penalty, extra_length

    @staticmethod
    def from_config(c):
        """SearchOptions::from_config: beam, length_penalty, extra_length, in that order."""
        beam = c.get_count("beam", 1)
        length_penalty = c.get("length_penalty", float, 1.0)
        if not math.isfinite(length_penalty) or length_penalty < 0:
            c.fail("length_penalty", "must be a finite number >= 0")
        extra_length = c.get_count("extra_length", 50, allow_zero=True)
        return SearchOptions(beam, length_penalty, extra_length)


def length_limits(source, options, max_length):
    """Each row's longest output (<bos> and <eos> counted): source length + extra_length,
    at most max_length."""
    return ((source != PAD).sum(1) + options.extra_length).clamp_max(max_length)


def next_token_scores(scores, row_limits, t):
    """No <pad> or <bos>; rows whose last position is t end with <eos>, scored 0."""
    scores = scores.clone()
    scores.select(1, PAD).fill_(MINUS_INF)
    scores.select(1, BOS).fill_(MINUS_INF)
    at_limit = row_limits == t + 1
    if not bool(at_limit.any()):
        return scores
    only_eos = torch.full_like(scores, MINUS_INF)
    only_eos.select(1, EOS).fill_(0)
    return torch.where(at_limit.unsqueeze(1), only_eos, scores)


def greedy(model, source, options):
    n = source.size(0)
    limits = length_limits(source, options, model.max_length())
    tokens = torch.full((n, 1), BOS, dtype=torch.int64)
    if n == 0:
        return tokens
    encoded = model.encode(source)
    finished = torch.zeros(n, dtype=torch.bool)
    longest = int(limits.max())
    for t in range(1, longest):
        logits = model.next_token_logits(encoded, tokens).to(torch.float32)
        chosen = next_token_scores(logits, limits, t).argmax(1)
        chosen = torch.where(finished, torch.full_like(chosen, PAD), chosen)
        tokens = torch.cat([tokens, chosen.unsqueeze(1)], 1)
        finished = finished.logical_or(chosen == EOS)
        if bool(finished.all()):
            break
    return tokens


class BeamSearch:
    """fairseq's rules as modlr's BeamSearch: per sentence the top 2K candidates; <eos>
    among the first K finishes a hypothesis, the first K others go on; a sentence is done
    once K hypotheses finished (or none goes on)."""

    def __init__(self, model, source, options):
        self.model, self.options = model, options
        self.n, self.k = source.size(0), options.beam
        self.limits = length_limits(source, options, model.max_length())
        self.row_limits = self.limits.repeat_interleave(self.k)
        self.finished = [[] for _ in range(self.n)]  # [(tokens, normalised score)]
        self.done = [False] * self.n
        self.tokens = torch.full((self.n * self.k, 1), BOS, dtype=torch.int64)
        # Only each sentence's first hypothesis is live at the start.
        self.scores = torch.full((self.n, self.k), MINUS_INF)
        if self.n > 0:
            self.scores.select(1, 0).zero_()
            memory, padding = model.encode(source)
            rows = torch.arange(self.n, dtype=torch.int64).repeat_interleave(self.k)
            self.encoded = (memory.index_select(0, rows), padding.index_select(0, rows))

    def run(self):
        longest = int(self.limits.max()) if self.n > 0 else 1
        t = 1
        while t < longest and not all(self.done):
            self._step(t)
            t += 1
        return self._best()

    def _step(self, t):
        logits = self.model.next_token_logits(self.encoded, self.tokens).to(torch.float32)
        log_probabilities = next_token_scores(torch.log_softmax(logits, 1), self.row_limits, t)
        vocabulary = log_probabilities.size(1)
        n, k = self.n, self.k
        candidates = (self.scores.view(n * k, 1) + log_probabilities).view(n, k * vocabulary)
        values, indices = candidates.topk(min(2 * k, k * vocabulary), 1)
        values, indices = values.tolist(), indices.tolist()
        rows, tokens, scores = [], [], []
        for s in range(n):
            self._choose(s, t, values[s], indices[s], vocabulary, (rows, tokens, scores))
        selected = torch.tensor(rows, dtype=torch.int64)
        self.tokens = torch.cat([self.tokens.index_select(0, selected),
                                 torch.tensor(tokens, dtype=torch.int64).unsqueeze(1)], 1)
        self.scores = torch.tensor(scores, dtype=torch.float32).view(n, k)

    def _choose(self, s, t, values, indices, vocabulary, step):
        rows, tokens, scores = step
        k, kept = self.k, 0
        if not self.done[s]:
            for j in range(len(values)):
                if kept >= k:
                    break
                score = values[j]
                if score == MINUS_INF:
                    break
                row, token = s * k + indices[j] // vocabulary, indices[j] % vocabulary
                if token == EOS:
                    if j < k:
                        self._finish(s, row, score, t)
                    continue
                rows.append(row)
                tokens.append(token)
                scores.append(score)
                kept += 1
            if len(self.finished[s]) >= k or kept == 0:
                self.done[s] = True
        for _ in range(kept, k):  # dead rows keep the shape
            rows.append(s * k)
            tokens.append(PAD)
            scores.append(MINUS_INF)

    def _finish(self, s, row, score, t):
        ids = self.tokens[row].tolist()[:t] + [EOS]
        penalty = f32(math.pow(float(t), self.options.length_penalty))
        self.finished[s].append((ids, f32(score / penalty)))

    def _best(self):
        """Each sentence's best finished hypothesis (the first of equal scores), right-padded."""
        chosen = []
        for finished in self.finished:
            top = None
            for h in finished:
                if top is None or h[1] > top[1]:
                    top = h
            chosen.append(top)
        longest = max([1] + [len(top[0]) for top in chosen if top is not None])
        out = torch.zeros(self.n, longest, dtype=torch.int64)
        for s, top in enumerate(chosen):
            if top is None:  # cannot happen (the limit forces <eos>); as modlr, for safety
                out[s, 0] = BOS
            else:
                out[s, :len(top[0])] = torch.tensor(top[0], dtype=torch.int64)
        return out


def search(model, source, options):
    """Translation ids [N, L]: greedy for beam 1, beam search otherwise."""
    if options.beam < 1:
        raise ValueError("search: beam must be >= 1, got %d" % options.beam)
    if options.beam == 1:
        return greedy(model, source, options)
    return BeamSearch(model, source, options).run()
