#!/usr/bin/python3
"""Prints SentencePiece's own ids for the whitespace strings of SentencePieceTokenizerTests.WhitespaceGolden, with
llama2.c's tok512.model (remove_extra_whitespaces on, identity normalizer). The ids are repeated literally there.

SentencePiece 0.1.97 (Debian's python3-sentencepiece). Run from this folder: /usr/bin/python3 sentencepiece_whitespace.py
"""
import json
import sentencepiece as spm

STRINGS = [
    " 1234 + 5678 =   6913", "  leading", "trailing   ", "a  b   c", "   ", " ", "a", " a ", "\n", " \n ",
    "\tTab  here\t", "line one\n  line two  \n", "\n\n  x", "x \n y", "end  \u3000 x", "mixed \t  \t tabs",
]

sp = spm.SentencePieceProcessor(model_file="../../../../../shared/data/models/stories260K/tok512.model")
for s in STRINGS:
    print(json.dumps(s), sp.encode(s))
