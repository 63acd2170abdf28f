"""BM25 over the same texts the dense index holds, on bm25s: a query reads only its own terms' columns."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "with",
        "my",
        "me",
        "you",
        "your",
        "our",
        "we",
        "they",
        "them",
        "very",
        "so",
        "but",
    ]
)


def tokenize(text: str) -> list[str]:
    """Lower-cased words, light plural folding; runs of CJK characters become character bigrams."""
    tokens: list[str] = []
    for word in _WORD.findall(text.lower()):
        if _CJK.search(word):
            chars = [c for c in word if _CJK.match(c)]
            tokens.extend(
                chars if len(chars) == 1 else [a + b for a, b in zip(chars, chars[1:], strict=False)]
            )
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
    """Okapi BM25 on `bm25s`: `fit(texts)` then `score(query)` -> one score per text (numpy in, numpy out).

    bm25s keeps each term's per-text scores precomputed in a term-major sparse matrix, so a query reads
    only its own terms' columns; `save` writes those arrays and `load` memory-maps them.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1 = k1
        self.b = b
        self._model: bm25s.BM25 | None = None  # None for no texts at all: bm25s cannot index an empty corpus
        self._size = 0
        self._fitted = False

    def fit(self, texts: Sequence[str]) -> BM25:
        self._size = len(texts)
        self._fitted = True
        if not texts:
            self._model = None
            return self
        model = bm25s.BM25(k1=self.k1, b=self.b, method="lucene")
        model.index([tokenize(t) for t in texts], show_progress=False)
        # bm25s's "lucene" variant leaves out Okapi's (k1 + 1) factor; put it back so scores keep their scale.
        model.scores["data"] = model.scores["data"] * np.float32(self.k1 + 1)
        self._model = model
        return self

    def __len__(self) -> int:
        return self._size

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self._model is not None:
            self._model.save(str(path), show_progress=False)
        (path / "shopmate_bm25.json").write_text(json.dumps({"k1": self.k1, "b": self.b, "size": self._size}))

    @classmethod
    def load(cls, path: str | Path, mmap: bool = True) -> BM25:
        path = Path(path)
        meta = json.loads((path / "shopmate_bm25.json").read_text())
        bm = cls(meta["k1"], meta["b"])
        bm._size = meta["size"]
        bm._fitted = True
        if bm._size:
            bm._model = bm25s.BM25.load(str(path), mmap=mmap, show_progress=False)
        return bm

    def score(self, query: str) -> np.ndarray:
        if not self._fitted:
            raise ValueError("BM25 is not fitted; call fit(texts) first")
        terms = self._model.get_tokens_ids(tokenize(query)) if self._model is not None else []
        if not terms:
            return np.zeros(self._size, dtype=np.float32)
        return self._model.get_scores_from_ids(terms)

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
