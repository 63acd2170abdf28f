"""The kind of product a query asks for, learned from the catalog's own product vectors.

Each kind (a category, named by its most specific level within the first two) has one centroid per
encoder: the mean of its products' vectors. A query's kind is read from its whole text against those
centroids, so a word that several kinds share ("dry" skin and staying dry, a "home" workout and a
home kitchen) counts in the context of the rest of the query. Search boosts products of the likely
kinds and drops the unlikely ones; the chat asks back when the two best kinds are close.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

CATEGORY_DEPTH = 2  # deeper levels of real catalogs are often feature text, not kinds (Amazon's Gift Cards)
MIN_PRODUCTS = 3  # a "kind" with fewer products is noise in the path, not a kind a shopper asks for


def category_label(path: Sequence[str]) -> str:
    """The kind of product a category path names: its most specific name within the first two levels."""
    return path[:CATEGORY_DEPTH][-1] if path else ""


@dataclass(frozen=True, slots=True)
class CategoryGuess:
    """Kinds of product, most likely first, with their probabilities (they sum to 1)."""

    names: tuple[str, ...]
    probs: tuple[float, ...]

    @property
    def top(self) -> str | None:
        return self.names[0] if self.names else None

    def weight(self, name: str) -> float:
        """How likely `name` is next to the most likely kind: 1.0 for the best, 0.0 for an unknown kind."""
        if not self.names or name not in self.names:
            return 0.0
        return self.probs[self.names.index(name)] / max(self.probs[0], 1e-12)

    def close_pair(self, ratio: float) -> tuple[str, str] | None:
        """The two best kinds when the second is at least `ratio` as likely as the first, else None."""
        if len(self.names) < 2 or self.probs[1] < ratio * self.probs[0]:
            return None
        return self.names[0], self.names[1]

    def restricted(self, names: Sequence[str]) -> CategoryGuess:
        """The same guess over `names` only, renormalized (to read an answer to "A or B?")."""
        keep = [(n, p) for n, p in zip(self.names, self.probs, strict=True) if n in names]
        total = sum(p for _, p in keep) or 1.0
        return CategoryGuess(tuple(n for n, _ in keep), tuple(p / total for _, p in keep))


class CategoryModel:
    """`fit(labels, vectors)` with one vector matrix per encoder channel, then `predict(queries, weights)`.

    `temperature` turns centred cosine similarities into probabilities: lower is more decisive.
    """

    def __init__(self, temperature: float = 0.02):
        self.temperature = temperature

    def fit(self, labels: Sequence[str], vectors: Mapping[str, np.ndarray]) -> CategoryModel:
        labels = np.asarray(list(labels), dtype=object)
        names, counts = np.unique(labels[labels != ""], return_counts=True) if len(labels) else ([], [])
        self.names_ = tuple(str(n) for n, c in zip(names, counts, strict=True) if c >= MIN_PRODUCTS)
        self.centroids_: dict[str, np.ndarray] = {}
        for channel, matrix in vectors.items():
            matrix = np.asarray(matrix, dtype=np.float32)
            if len(matrix) != len(labels):
                raise ValueError(
                    f"CategoryModel.fit: channel {channel!r} has {len(matrix)} vectors for "
                    f"{len(labels)} labels; pass one vector per product"
                )
            if not self.names_:
                continue
            centroids = np.stack([matrix[labels == name].mean(axis=0) for name in self.names_])
            self.centroids_[channel] = centroids / np.maximum(
                np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12
            )
        return self

    def predict(self, queries: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> list[CategoryGuess]:
        """One guess per query row; `queries` and `weights` are keyed by channel (missing weight: 0)."""
        if not hasattr(self, "names_"):
            raise ValueError("CategoryModel is not fitted; call fit(labels, vectors) first")
        used = [c for c in queries if weights.get(c, 0.0) > 0 and c in self.centroids_]
        n = len(next(iter(queries.values()))) if queries else 0
        if not used or len(self.names_) < 2:
            return [
                CategoryGuess(self.names_, tuple([1.0 / max(len(self.names_), 1)] * len(self.names_)))
                for _ in range(n)
            ]
        total = sum(weights[c] for c in used)
        score = np.zeros((n, len(self.names_)), dtype=np.float64)
        for channel in used:
            sims = np.asarray(queries[channel], dtype=np.float32) @ self.centroids_[channel].T
            # Centred per channel: encoders differ in their typical cosine, not in what the ordering means.
            score += weights[channel] / total * (sims - sims.mean(axis=1, keepdims=True))
        logits = score / self.temperature
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        guesses = []
        for row in probs:
            order = np.argsort(-row, kind="stable")
            guesses.append(
                CategoryGuess(tuple(self.names_[i] for i in order), tuple(float(row[i]) for i in order))
            )
        return guesses
