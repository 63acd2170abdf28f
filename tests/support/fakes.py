"""Deterministic stand-ins for the swappable parts, held to the same contracts as the real ones
(tests/contracts/)."""

from __future__ import annotations

import hashlib

import numpy as np

from retrieval.encoders import unit_rows
from retrieval.lexical import tokenize


class HashingEncoder:
    """Words hashed into 256 buckets, L2-normalized: fast, deterministic, and similar texts score high.

    It stands in for the real model where a test checks plumbing (sync, filters, clients), not meaning.
    """

    name = "test-hashing"
    dim = 256

    def encode(self, texts, batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for token in tokenize(text) or ["<empty>"]:
                out[i, int(hashlib.md5(token.encode()).hexdigest()[:8], 16) % self.dim] += 1.0
        return unit_rows(out)
