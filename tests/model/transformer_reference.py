"""PyTorch's own nn.MultiheadAttention, nn.TransformerEncoderLayer and nn.TransformerDecoderLayer
on the weights and inputs modlr's test wrote (torch::pickle_save of a dict), for
tests/model/test_transformer.cpp: an independent implementation of the same functions.

usage: transformer_reference.py IN.pt OUT.pt D_MODEL HEADS FEEDFORWARD ACTIVATION NORM_FIRST
"""
import sys

import torch

state = torch.load(sys.argv[1], weights_only=False)  # the test's own file (torch::pickle_save)
d_model, heads, feedforward = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
activation, norm_first = sys.argv[6], sys.argv[7] == "1"


def part(prefix):
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


options = dict(dropout=0.0, activation=activation, batch_first=True, norm_first=norm_first, dtype=torch.float64)
attention = torch.nn.MultiheadAttention(d_model, heads, batch_first=True, dtype=torch.float64)
attention.load_state_dict(part("attn."))
encoder = torch.nn.TransformerEncoderLayer(d_model, heads, feedforward, **options)
encoder.load_state_dict(part("encoder."))
decoder = torch.nn.TransformerDecoderLayer(d_model, heads, feedforward, **options)
decoder.load_state_dict(part("decoder."))
for module in (attention, encoder, decoder):
    module.eval()

x, memory = state["input.x"], state["input.memory"]
padding, memory_padding = state["input.padding"].bool(), state["input.memory_padding"].bool()
causal = torch.ones(x.size(1), x.size(1), dtype=torch.bool).triu(1)  # True: not allowed
with torch.no_grad():
    out = {
        "attention": attention(x, memory, memory, key_padding_mask=memory_padding, need_weights=False)[0],
        "causal_attention": attention(x, x, x, key_padding_mask=padding, attn_mask=causal, need_weights=False)[0],
        "encoder": encoder(x, src_key_padding_mask=padding),
        "decoder": decoder(x, memory, tgt_mask=causal, tgt_key_padding_mask=padding,
                           memory_key_padding_mask=memory_padding),
    }
torch.save(out, sys.argv[2])
