"""The recurrent classifiers, as src/model/rnn_classifier.cpp: the same modules created in
the same order (embedding, [embed_dropout], rnn, [dropout], fc) with the same
state_dict names, and the same ops: torch.lstm / torch.gru per layer and direction on the
padded batch cut to its longest row, the backward direction reading each row reversed
within its own length (so padding never enters a real step), masked pooling."""
import torch
from torch import nn


class RnnClassifier(nn.Module):
    def __init__(self, o):
        super().__init__()
        self.cell, self.vocab_size, self.pooling = o["cell"], o["vocab_size"], o["pooling"]
        self.bidirectional, self.layers, self.hidden = o["bidirectional"], o["layers"], o["hidden_size"]
        self.between = o["dropout"] if o["layers"] > 1 else 0.0
        self.embedding = nn.Embedding(o["vocab_size"], o["embedding_dim"], padding_idx=0)
        self.embed_dropout = nn.Dropout(o["embedding_dropout"]) if o["embedding_dropout"] > 0 else None
        kind = nn.LSTM if o["cell"] == "lstm" else nn.GRU
        # The module holds the parameters (PyTorch's names and initialisation); _direction
        # runs them.
        self.rnn = kind(o["embedding_dim"], o["hidden_size"], num_layers=o["layers"], batch_first=True,
                        bidirectional=o["bidirectional"], dropout=self.between)
        self.dropout = nn.Dropout(o["dropout"]) if o["dropout"] > 0 else None
        directions = 2 if o["bidirectional"] else 1
        self.fc = nn.Linear(o["hidden_size"] * directions, o["classes"])

    def _direction(self, inputs, layer, reverse):
        suffix = "_l%d%s" % (layer, "_reverse" if reverse else "")
        params = [getattr(self.rnn, name + suffix) for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        h0 = torch.zeros(1, inputs.size(0), self.hidden, dtype=inputs.dtype)
        if self.cell == "lstm":
            return torch.lstm(inputs, [h0, h0], params, True, 1, 0.0, self.training, False, True)[0]
        return torch.gru(inputs, h0, params, True, 1, 0.0, self.training, False, True)[0]

    def _recur(self, inputs, reverse_index):
        for layer in range(self.layers):
            if layer > 0 and self.between > 0:
                inputs = torch.dropout(inputs, self.between, self.training)
            outputs = self._direction(inputs, layer, False)
            if self.bidirectional:
                flipped = inputs.gather(1, reverse_index.expand(-1, -1, inputs.size(2)))
                backward = self._direction(flipped, layer, True)
                backward = backward.gather(1, reverse_index.expand(-1, -1, backward.size(2)))
                outputs = torch.cat([outputs, backward], 2)
            inputs = outputs
        return inputs

    def _pool(self, outputs, lengths):
        if self.pooling == "last":
            last = (lengths - 1).view(-1, 1, 1).expand(-1, 1, outputs.size(2))
            at_last = outputs.gather(1, last).squeeze(1)
            if not self.bidirectional:
                return at_last
            h = self.hidden
            return torch.cat([at_last.narrow(1, 0, h), outputs.select(1, 0).narrow(1, h, h)], 1)
        steps = torch.arange(outputs.size(1)).view(1, -1, 1)
        padding = steps >= lengths.view(-1, 1, 1)
        if self.pooling == "max":
            return outputs.masked_fill(padding, float("-inf")).max(1)[0]
        return outputs.masked_fill(padding, 0.0).sum(1) / lengths.to(outputs.dtype).unsqueeze(1)

    def forward(self, x):
        if x.dim() != 2 or x.dtype != torch.int64 or x.numel() == 0:
            raise ValueError("model '%s_classifier': expected int64 token ids [N, T]" % self.cell)
        low, high = int(x.min()), int(x.max())
        if low < 0 or high >= self.vocab_size:
            raise ValueError("model '%s_classifier': token id %d is outside [0, model.vocab_size = %d)"
                             % (self.cell, low if low < 0 else high, self.vocab_size))
        lengths = x.ne(0).sum(1).clamp_min(1)
        x = x.narrow(1, 0, int(lengths.max()))
        steps = torch.arange(x.size(1)).view(1, -1)
        reverse_index = torch.where(steps < lengths.view(-1, 1), lengths.view(-1, 1) - 1 - steps, steps)
        embedded = self.embedding(x)
        if self.embed_dropout is not None:
            embedded = self.embed_dropout(embedded)
        outputs = self._recur(embedded, reverse_index.unsqueeze(2))
        features = self._pool(outputs, lengths)
        if self.dropout is not None:
            features = self.dropout(features)
        return self.fc(features)


def _read_dropout(c, key):
    p = c.get(key, float, 0.0)
    if p < 0 or p >= 1:
        c.fail(key, "must be in [0, 1)")
    return p


def build_rnn_classifier(c, cell):
    o = {"cell": cell, "vocab_size": c.get("vocab_size", int)}
    if o["vocab_size"] < 2:
        c.fail("vocab_size", "must be >= 2 (<pad> and <unk>), got %d" % o["vocab_size"])
    o["embedding_dim"] = c.get_count("embedding_dim", 128)
    o["hidden_size"] = c.get_count("hidden_size", 128)
    o["layers"] = c.get_count("layers", 1)
    o["bidirectional"] = c.get("bidirectional", bool, False)
    o["embedding_dropout"] = _read_dropout(c, "embedding_dropout")
    o["dropout"] = _read_dropout(c, "dropout")
    o["pooling"] = c.get_choice("pooling", "last", ["last", "mean", "max"])
    o["classes"] = c.get_count("classes", 2)
    return RnnClassifier(o)
