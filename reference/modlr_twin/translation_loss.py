"""The translation loss, as src/loss/translation_loss.cpp: teacher forcing through the
model's encode() and decode() (not its forward), label-smoothed cross-entropy with <pad>
ignored; in evaluation also the search's translation, as BLEU tokens."""
import torch
import torch.nn.functional as F

from .search import SearchOptions, search

PAD, UNKNOWN, BOS, EOS = 0, 1, 2, 3


def bleu_tokens(ids, unknown_as):
    """<bos>, <eos> -> <pad> (0, nothing), <unk> -> unknown_as (-1: a reference word no output matches)."""
    out = ids.masked_fill((ids == BOS).logical_or(ids == EOS), PAD)
    return out.masked_fill(ids == UNKNOWN, unknown_as)


class TranslationLoss:
    task = "translation"
    objectives = ["loss"]

    def __init__(self, c):
        self.smoothing = c.get("label_smoothing", float, 0.1)
        if not (0 <= self.smoothing < 1):
            c.fail("label_smoothing", "must be in [0, 1)")
        self.search = SearchOptions.from_config(c.section("search")) if c.has("search") else SearchOptions()

    def compute(self, models, x, y, objective, training):
        model = models.only()
        if not hasattr(model, "decode"):
            raise ValueError("loss 'translation' needs a sequence-to-sequence model (transformer_translator)")
        if y.dim() != 2 or y.dtype != torch.int64 or y.size(1) < 2:
            raise ValueError("loss 'translation': expected target ids int64 [N, T >= 2], got %s %s"
                             % (y.dtype, list(y.shape)))
        # Cut to the longest row: padding columns change nothing but the cost.
        steps = 2 if y.size(0) == 0 else max(2, int((y != PAD).sum(1).max()))
        prefix, following = y.narrow(1, 0, steps - 1), y.narrow(1, 1, steps - 1)
        logits = model.decode(model.encode(x), prefix)
        flat = logits.reshape(-1, logits.size(2))
        if self.smoothing > 0:
            loss = F.cross_entropy(flat, following.reshape(-1), ignore_index=PAD, label_smoothing=self.smoothing)
        else:
            loss = F.cross_entropy(flat, following.reshape(-1), ignore_index=PAD)
        if training:
            return {"loss": loss}, None, None
        return {"loss": loss}, bleu_tokens(search(model, x, self.search), UNKNOWN), bleu_tokens(y, -1)
