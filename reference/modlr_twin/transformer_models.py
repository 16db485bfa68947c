"""The Transformer encoder classifier, as src/model/transformer.cpp and
transformer_classifier.cpp: the same modules created in the same order (embedding,
[positions], dropout, layers, [norm], fc) with PyTorch's state_dict names, and the same ops
written out (linear projections, scaled_dot_product_attention with a boolean mask, LayerNorm),
not nn.TransformerEncoderLayer's fused fast path."""
import math

import torch
from torch import nn
from torch.nn import functional as F


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, heads, dropout):
        super().__init__()
        self.embed_dim, self.heads, self.dropout = embed_dim, heads, dropout
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim))
        self.in_proj_bias = nn.Parameter(torch.empty(3 * embed_dim))
        self.out_proj = nn.Linear(embed_dim, embed_dim)
        with torch.no_grad():
            nn.init.xavier_uniform_(self.in_proj_weight)
            self.in_proj_bias.zero_()
            self.out_proj.bias.zero_()

    def forward(self, query, key, value, key_padding_mask=None, causal=False):
        n, t, s = query.size(0), query.size(1), key.size(1)
        depth = self.embed_dim // self.heads
        weights, biases = self.in_proj_weight.chunk(3), self.in_proj_bias.chunk(3)

        def project(x, which, steps):
            return F.linear(x, weights[which], biases[which]).view(n, steps, self.heads, depth).transpose(1, 2)

        q, k, v = project(query, 0, t), project(key, 1, s), project(value, 2, s)
        allowed = None
        if key_padding_mask is not None:
            allowed = key_padding_mask.logical_not().view(n, 1, 1, s)
        if causal:
            lower = torch.ones(t, s, dtype=torch.bool).tril()
            allowed = lower if allowed is None else allowed.logical_and(lower)
        attended = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed,
                                                  dropout_p=self.dropout if self.training else 0.0, is_causal=False)
        return self.out_proj(attended.transpose(1, 2).reshape(n, t, self.embed_dim))


class TransformerEncoderLayer(nn.Module):
    def __init__(self, o):
        super().__init__()
        self.activation, self.norm_first = o["activation"], o["norm_first"]
        self.self_attn = MultiHeadAttention(o["d_model"], o["heads"], o["attention_dropout"])
        self.linear1 = nn.Linear(o["d_model"], o["feedforward"])
        self.dropout = nn.Dropout(o["dropout"])
        self.linear2 = nn.Linear(o["feedforward"], o["d_model"])
        self.norm1 = nn.LayerNorm(o["d_model"])
        self.norm2 = nn.LayerNorm(o["d_model"])
        self.dropout1 = nn.Dropout(o["dropout"])
        self.dropout2 = nn.Dropout(o["dropout"])

    def forward(self, x, padding):
        def attend(y):
            return self.dropout1(self.self_attn(y, y, y, padding))

        def feed(y):
            act = F.gelu if self.activation == "gelu" else F.relu
            return self.dropout2(self.linear2(self.dropout(act(self.linear1(y)))))

        if self.norm_first:
            h = x + attend(self.norm1(x))
            return h + feed(self.norm2(h))
        h = self.norm1(x + attend(x))
        return self.norm2(h + feed(h))


def sinusoidal_positions(max_length, d_model):
    position = torch.arange(max_length, dtype=torch.float32).unsqueeze(1)
    frequency = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
    table = torch.zeros(max_length, d_model)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)
    return table


def init_token_embedding(table, d_model):
    """modlr's init_token_embedding: re-drawn N(0, 1/d), the <pad> row zero."""
    with torch.no_grad():
        table.weight.normal_(0.0, 1.0 / math.sqrt(float(d_model)))
        table.weight[0].zero_()


class TransformerClassifier(nn.Module):
    def __init__(self, o):
        super().__init__()
        self.o = o
        d = o["d_model"]
        self.embedding = nn.Embedding(o["vocab_size"], d, padding_idx=0)
        init_token_embedding(self.embedding, d)
        if o["positions"] == "learned":
            self.positions = nn.Embedding(o["max_length"], d)
        else:
            self.register_buffer("positions_table", sinusoidal_positions(o["max_length"], d))
        self.dropout = nn.Dropout(o["dropout"])
        self.layers = nn.ModuleList([TransformerEncoderLayer(o) for _ in range(o["layers"])])
        if o["norm_first"]:
            self.norm = nn.LayerNorm(d)
        self.fc = nn.Linear(d, o["classes"])

    def forward(self, x):
        o = self.o
        if x.dim() != 2 or x.dtype != torch.int64 or x.numel() == 0:
            raise ValueError("model 'transformer_classifier': expected int64 token ids [N, T]")
        low, high = int(x.min()), int(x.max())
        if low < 0 or high >= o["vocab_size"]:
            raise ValueError("model 'transformer_classifier': token id %d is outside [0, model.vocab_size = %d)"
                             % (low if low < 0 else high, o["vocab_size"]))
        lengths = x.ne(0).sum(1).clamp_min(1)
        x = x.narrow(1, 0, int(lengths.max()))
        steps = x.size(1)
        if steps > o["max_length"]:
            raise ValueError("model 'transformer_classifier': a row of %d tokens is longer than model.max_length = %d"
                             % (steps, o["max_length"]))
        padding = torch.arange(steps).view(1, -1) >= lengths.view(-1, 1)
        h = self.embedding(x) * math.sqrt(float(o["d_model"]))
        h = h + (self.positions.weight.narrow(0, 0, steps) if o["positions"] == "learned"
                 else self.positions_table.narrow(0, 0, steps))
        h = self.dropout(h)
        for layer in self.layers:
            h = layer(h, padding)
        if o["norm_first"]:
            h = self.norm(h)
        if o["pooling"] == "first":
            pooled = h.select(1, 0)
        elif o["pooling"] == "max":
            pooled = h.masked_fill(padding.unsqueeze(2), float("-inf")).max(1)[0]
        else:
            pooled = h.masked_fill(padding.unsqueeze(2), 0.0).sum(1) / lengths.to(h.dtype).unsqueeze(1)
        return self.fc(pooled)


def build_transformer_classifier(c):
    o = {"vocab_size": c.get("vocab_size", int)}
    if o["vocab_size"] < 2:
        c.fail("vocab_size", "must be >= 2 (<pad> and <unk>), got %d" % o["vocab_size"])
    o["d_model"] = c.get_count("d_model", 128)
    o["heads"] = c.get_count("heads", 4)
    if o["d_model"] % o["heads"] != 0:
        c.fail("heads", "must divide d_model = %d, got %d" % (o["d_model"], o["heads"]))
    o["layers"] = c.get_count("layers", 2)
    o["feedforward"] = c.get_count("feedforward", 512)
    o["dropout"] = c.get("dropout", float, 0.1)
    if o["dropout"] < 0 or o["dropout"] >= 1:
        c.fail("dropout", "must be in [0, 1)")
    o["attention_dropout"] = c.get("attention_dropout", float, 0.0)
    if o["attention_dropout"] < 0 or o["attention_dropout"] >= 1:
        c.fail("attention_dropout", "must be in [0, 1)")
    o["activation"] = c.get_choice("activation", "relu", ["relu", "gelu"])
    o["norm_first"] = c.get("norm_first", bool, False)
    o["positions"] = c.get_choice("positions", "sinusoidal", ["sinusoidal", "learned"])
    if o["positions"] == "sinusoidal" and o["d_model"] % 2 != 0:
        c.fail("d_model", "must be even for sinusoidal positions, got %d" % o["d_model"])
    o["max_length"] = c.get_count("max_length", 512)
    o["pooling"] = c.get_choice("pooling", "mean", ["mean", "max", "first"])
    o["classes"] = c.get_count("classes", 2)
    return TransformerClassifier(o)
