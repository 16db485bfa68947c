"""The encoder-decoder Transformer `transformer_translator`, as
src/model/transformer_translator.cpp and transformer.cpp's decoder layer: the same modules
created in the same order (so the initial weights draw the same numbers), PyTorch's
state_dict names, and the same ops written out."""
import math

import torch
from torch import nn
from torch.nn import functional as F

from .search import SearchOptions, search
from .transformer_models import MultiHeadAttention, TransformerEncoderLayer, init_token_embedding, sinusoidal_positions

NAME = "transformer_translator"


class TransformerDecoderLayer(nn.Module):
    """Causal self-attention, attention over the memory, feed-forward (TransformerDecoderLayerImpl)."""

    def __init__(self, o):
        super().__init__()
        self.activation, self.norm_first = o["activation"], o["norm_first"]
        self.self_attn = MultiHeadAttention(o["d_model"], o["heads"], o["attention_dropout"])
        self.multihead_attn = MultiHeadAttention(o["d_model"], o["heads"], o["attention_dropout"])
        self.linear1 = nn.Linear(o["d_model"], o["feedforward"])
        self.dropout = nn.Dropout(o["dropout"])
        self.linear2 = nn.Linear(o["feedforward"], o["d_model"])
        self.norm1 = nn.LayerNorm(o["d_model"])
        self.norm2 = nn.LayerNorm(o["d_model"])
        self.norm3 = nn.LayerNorm(o["d_model"])
        self.dropout1 = nn.Dropout(o["dropout"])
        self.dropout2 = nn.Dropout(o["dropout"])
        self.dropout3 = nn.Dropout(o["dropout"])

    def forward(self, x, memory, padding, memory_padding):
        def self_block(y):
            return self.dropout1(self.self_attn(y, y, y, padding, causal=True))

        def cross(y):
            return self.dropout2(self.multihead_attn(y, memory, memory, memory_padding))

        def feed(y):
            act = F.gelu if self.activation == "gelu" else F.relu
            return self.dropout3(self.linear2(self.dropout(act(self.linear1(y)))))

        if self.norm_first:
            h = x + self_block(self.norm1(x))
            h = h + cross(self.norm2(h))
            return h + feed(self.norm3(h))
        h = self.norm1(x + self_block(x))
        h = self.norm2(h + cross(h))
        return self.norm3(h + feed(h))


def check_token_ids(ids, vocab_size, key):
    """src/model/token_ids.cpp check_token_ids, for this model."""
    if ids.dim() != 2 or ids.dtype != torch.int64 or ids.size(1) == 0:
        raise ValueError("model '%s': expected int64 token ids [N, T], got %s %s" % (NAME, ids.dtype, list(ids.shape)))
    if ids.size(0) == 0:
        return
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= vocab_size:
        raise ValueError("model '%s': token id %d is outside [0, model.%s = %d): set model.%s to at least the "
                         "vocabulary size (dataset.max_size)" % (NAME, low if low < 0 else high, key, vocab_size, key))


def check_length(steps, max_length, what):
    if steps > max_length:
        raise ValueError("model '%s': a %s of %d tokens is longer than model.max_length = %d"
                         % (NAME, what, steps, max_length))


class TransformerTranslator(nn.Module):
    def __init__(self, o):
        super().__init__()
        self.o = o
        d = o["d_model"]
        self.source_embedding = nn.Embedding(o["source_vocab_size"], d, padding_idx=0)
        self.target_embedding = nn.Embedding(o["target_vocab_size"], d, padding_idx=0)
        for table in (self.source_embedding, self.target_embedding):  # after both exist
            init_token_embedding(table, d)
        if o["positions"] == "learned":
            self.source_positions = nn.Embedding(o["max_length"], d)
            self.target_positions = nn.Embedding(o["max_length"], d)
        else:
            self.register_buffer("positions_table", sinusoidal_positions(o["max_length"], d))
        self.dropout = nn.Dropout(o["dropout"])
        self.encoder = nn.ModuleList([TransformerEncoderLayer(o) for _ in range(o["encoder_layers"])])
        self.decoder = nn.ModuleList([TransformerDecoderLayer(o) for _ in range(o["decoder_layers"])])
        if o["norm_first"]:
            self.encoder_norm = nn.LayerNorm(d)
            self.decoder_norm = nn.LayerNorm(d)
        self.generator = nn.Module()  # a Linear's parameters; tied, only the bias is its own
        with torch.no_grad():
            if not o["tie_embeddings"]:
                self.generator.weight = nn.Parameter(torch.empty(o["target_vocab_size"], d))
                nn.init.kaiming_uniform_(self.generator.weight, a=math.sqrt(5.0))
            self.generator.bias = nn.Parameter(torch.empty(o["target_vocab_size"]))
            bound = 1.0 / math.sqrt(float(d))
            self.generator.bias.uniform_(-bound, bound)

    def generator_weight(self):
        return self.target_embedding.weight if self.o["tie_embeddings"] else self.generator.weight

    def max_length(self):
        return self.o["max_length"]

    def _embed(self, embedding, learned, ids):
        steps = ids.size(1)
        h = embedding(ids) * math.sqrt(float(self.o["d_model"]))
        h = h + (learned.weight.narrow(0, 0, steps) if learned is not None
                 else self.positions_table.narrow(0, 0, steps))
        return self.dropout(h)

    def encode(self, source):
        """(memory [N, S', d], padding bool [N, S'])"""
        check_token_ids(source, self.o["source_vocab_size"], "source_vocab_size")
        lengths = source.ne(0).sum(1).clamp_min(1)
        if source.size(0) > 0:  # cut to the longest row (lengths_and_cut)
            source = source.narrow(1, 0, int(lengths.max()))
        check_length(source.size(1), self.o["max_length"], "source sentence")
        padding = torch.arange(source.size(1)).view(1, -1) >= lengths.view(-1, 1)
        h = self._embed(self.source_embedding, getattr(self, "source_positions", None), source)
        for layer in self.encoder:
            h = layer(h, padding)
        if self.o["norm_first"]:
            h = self.encoder_norm(h)
        return h, padding

    def _run_decoder(self, encoded, prefix):
        check_token_ids(prefix, self.o["target_vocab_size"], "target_vocab_size")
        check_length(prefix.size(1), self.o["max_length"], "target prefix")
        padding = prefix == 0
        h = self._embed(self.target_embedding, getattr(self, "target_positions", None), prefix)
        for layer in self.decoder:
            h = layer(h, encoded[0], padding, encoded[1])
        return self.decoder_norm(h) if self.o["norm_first"] else h

    def decode(self, encoded, prefix):
        """next-token logits [N, T, target vocabulary]"""
        return F.linear(self._run_decoder(encoded, prefix), self.generator_weight(), self.generator.bias)

    def next_token_logits(self, encoded, prefix):
        """the last step's logits [N, target vocabulary], the generator on that step only"""
        return F.linear(self._run_decoder(encoded, prefix).select(1, -1), self.generator_weight(),
                        self.generator.bias)

    def forward(self, source):
        """Greedy translation ids [N, L] (Seq2SeqModel::forward: default SearchOptions)."""
        return search(self, source, SearchOptions())


def build_transformer_translator(c):
    """TransformerTranslatorOptions::from_config: the same keys in the same order."""
    o = {}
    for key in ("source_vocab_size", "target_vocab_size"):
        o[key] = c.get(key, int)
        if o[key] < 5:
            c.fail(key, "must be >= 5 (4 special tokens and a word), got %d" % o[key])
    o["d_model"] = c.get_count("d_model", 256)
    o["heads"] = c.get_count("heads", 8)
    if o["d_model"] % o["heads"] != 0:
        c.fail("heads", "must divide d_model = %d, got %d" % (o["d_model"], o["heads"]))
    o["encoder_layers"] = c.get_count("encoder_layers", 3)
    o["decoder_layers"] = c.get_count("decoder_layers", 3)
    o["feedforward"] = c.get_count("feedforward", 512)
    for key, fallback in (("dropout", 0.1), ("attention_dropout", 0.0)):
        o[key] = c.get(key, float, fallback)
        if o[key] < 0 or o[key] >= 1:
            c.fail(key, "must be in [0, 1)")
    o["activation"] = c.get_choice("activation", "relu", ["relu", "gelu"])
    o["norm_first"] = c.get("norm_first", bool, False)
    o["positions"] = c.get_choice("positions", "sinusoidal", ["sinusoidal", "learned"])
    if o["positions"] == "sinusoidal" and o["d_model"] % 2 != 0:
        c.fail("d_model", "must be even for sinusoidal positions, got %d" % o["d_model"])
    o["max_length"] = c.get_count("max_length", 100)
    if o["max_length"] < 3:
        c.fail("max_length", "must be >= 3 (<bos>, a token, <eos>)")
    o["tie_embeddings"] = c.get("tie_embeddings", bool, False)
    return TransformerTranslator(o)
