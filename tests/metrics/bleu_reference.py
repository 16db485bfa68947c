#!/usr/bin/env python3
"""PyPI sacrebleu on two files of segments (one per line, UTF-8): prints one JSON object
{score, counts, totals, sys_len, ref_len, bp, tokenized} for corpus_bleu(tokenize=TOKENIZE),
tokenized being sacrebleu's 13a tokenisation of each hypothesis. Used by tests/metrics/test_bleu.cpp.
Usage: bleu_reference.py HYPOTHESES REFERENCES 13a|none
"""
import json
import sys

import sacrebleu
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a


def lines(path):
    with open(path, encoding="utf-8", newline="\n") as f:
        return f.read().split("\n")[:-1]


hypotheses, references = lines(sys.argv[1]), lines(sys.argv[2])
bleu = sacrebleu.corpus_bleu(hypotheses, [references], tokenize=sys.argv[3])
tokenizer = Tokenizer13a()
print(json.dumps({"score": bleu.score, "counts": bleu.counts, "totals": bleu.totals, "sys_len": bleu.sys_len,
                  "ref_len": bleu.ref_len, "bp": bleu.bp,
                  "tokenized": [tokenizer(h.rstrip()) for h in hypotheses]}))
