"""BM25 over the same texts the dense index holds: a sparse term matrix, scored with one mat-vec."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "i", "in", "is", "it", "its", "of", "on", "or", "that", "the", "this", "to", "was", "were", "with", "my", "me", "you", "your", "our", "we", "they", "them", "very", "so", "but"])


def tokenize(text: str) -> list[str]:
    """Lower-cased words, light plural folding; runs of CJK characters become character bigrams."""
    tokens: list[str] = []
    for word in _WORD.findall(text.lower()):
        if _CJK.search(word):
            chars = [c for c in word if _CJK.match(c)]
            tokens.extend(chars if len(chars) == 1 else [a + b for a, b in zip(chars, chars[1:], strict=False)])
            continue
        if word in STOPWORDS:
            continue
        if len(word) > 4 and word.endswith("es") and word[-3] in "sxz":
            word = word[:-2]
        elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        tokens.append(word)
    return tokens


class BM25:
    """Okapi BM25: `fit(texts)` then `score(query)` -> one score per text (numpy in, numpy out)."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1 = k1
        self.b = b

    def fit(self, texts: Sequence[str]) -> BM25:
        vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        lengths = np.zeros(len(texts), dtype=np.float32)
        for i, text in enumerate(texts):
            counts: dict[int, int] = {}
            tokens = tokenize(text)
            lengths[i] = len(tokens)
            for t in tokens:
                j = vocab.setdefault(t, len(vocab))
                counts[j] = counts.get(j, 0) + 1
            rows.extend([i] * len(counts))
            cols.extend(counts)
            vals.extend(counts.values())
        n = len(texts)
        tf = sparse.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(n, len(vocab)))
        df = np.bincount(tf.indices, minlength=len(vocab)).astype(np.float32)
        self.idf_ = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        avg = float(lengths.mean()) if n else 0.0
        norm = self.k1 * (1 - self.b + self.b * lengths / max(avg, 1e-9))
        tf = tf.tocoo()
        weights = tf.data * (self.k1 + 1) / (tf.data + norm[tf.row]) * self.idf_[tf.col]
        # Stored term-major, so a query reads only the columns of its own terms.
        self.matrix_ = sparse.csc_matrix((weights, (tf.row, tf.col)), shape=(n, len(vocab)))
        self.vocab_ = vocab
        return self

    def score(self, query: str) -> np.ndarray:
        if not hasattr(self, "matrix_"):
            raise ValueError("BM25 is not fitted; call fit(texts) first")
        terms = [self.vocab_[t] for t in tokenize(query) if t in self.vocab_]
        if not terms:
            return np.zeros(self.matrix_.shape[0], dtype=np.float32)
        counts = np.bincount(terms, minlength=self.matrix_.shape[1]).astype(np.float32)
        return np.asarray(self.matrix_ @ counts, dtype=np.float32).ravel()

    def top(self, query: str, k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Indices and scores of the best `k` texts with a positive score (and `mask` true, if given)."""
        return self.best(self.score(query), k, mask)

    @staticmethod
    def best(scores: np.ndarray, k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """`top` over scores already computed (several fields' BM25 summed, say)."""
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        positive = np.flatnonzero(scores > 0)
        if len(positive) > k:
            positive = positive[np.argpartition(-scores[positive], k - 1)[:k]]
        order = positive[np.argsort(-scores[positive], kind="stable")]
        return order, scores[order]
