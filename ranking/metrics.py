"""Offline ranking metrics on lists of recommended item indices (pure functions)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def recall_at_k(recommended: Sequence[int], relevant: set[int], k: int = 10) -> float:
    return len(set(recommended[:k]) & relevant) / len(relevant) if relevant else 0.0


def ndcg_at_k(recommended: Sequence[int], relevant: set[int], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(rank + 2) for rank, item in enumerate(recommended[:k]) if item in relevant)
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def reciprocal_rank(recommended: Sequence[int], relevant: set[int], k: int = 10) -> float:
    for rank, item in enumerate(recommended[:k]):
        if item in relevant:
            return 1.0 / (rank + 1)
    return 0.0


def intra_list_diversity(recommended: Sequence[int], embeddings: np.ndarray) -> float:
    """1 - mean pairwise cosine similarity of the list's items (embeddings are unit vectors)."""
    if len(recommended) < 2:
        return 0.0
    vectors = embeddings[list(recommended)]
    sims = vectors @ vectors.T
    n = len(recommended)
    return float(1.0 - (sims.sum() - np.trace(sims)) / (n * (n - 1)))


def coverage(lists: Sequence[Sequence[int]], n_items: int) -> float:
    return len({i for rec in lists for i in rec}) / n_items if n_items else 0.0


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], rounds: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """Mean of a - b over paired per-user scores, and a 95% bootstrap interval of that mean."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if len(diff) == 0:
        return 0.0, 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), (rounds, len(diff)))].mean(axis=1)
    return float(diff.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))
