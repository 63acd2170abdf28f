"""Choosing our collaborative parts' settings on a validation split, the way the baselines are tuned.

Each candidate setting is fitted on the early part of the training data and scored by NDCG@k on each
user's held-out later items, unseen items only. Nothing here sees the evaluation's test split: the
ranker calls this on the training data it was given.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import sparse

from ranking.als import ImplicitALS
from ranking.feedback import Interactions, Signals, decay, pair_weight
from ranking.metrics import ndcg_at_k
from ranking.neighbours import item_neighbours


def heldout_ndcg(
    scores_for: Callable[[np.ndarray], np.ndarray],
    matrix: sparse.csr_matrix,
    users: np.ndarray,
    truth: list[set[int]],
    k: int = 10,
    batch: int = 512,
) -> float:
    """Mean NDCG@k of the top-k unseen items; scores_for(user rows) -> (len(rows), items) scores."""
    total = 0.0
    for start in range(0, len(users), batch):
        rows = users[start : start + batch]
        scores = np.array(scores_for(rows), dtype=np.float64)
        seen = matrix[rows]
        scores[np.repeat(np.arange(len(rows)), np.diff(seen.indptr)), seen.indices] = -np.inf
        top = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
        for r, t in enumerate(top):
            ranked = t[np.argsort(-scores[r, t])]
            total += ndcg_at_k([int(i) for i in ranked], truth[start + r], k)
    return total / max(len(users), 1)


def tune_als(
    matrix: sparse.csr_matrix,
    users: np.ndarray,
    truth: list[set[int]],
    grid: tuple[tuple[int, float, float], ...],
    iterations: int,
    seed: int,
    k: int = 10,
) -> tuple[tuple[int, float, float], dict[str, float]]:
    """The (factors, regularization, alpha) with the best held-out NDCG, and every setting's score."""
    table = {}
    for factors, reg, alpha in grid:
        als = ImplicitALS(factors, reg, alpha, iterations, seed).fit(matrix)
        table[(factors, reg, alpha)] = heldout_ndcg(
            lambda rows, als=als: als.user_factors_[rows] @ als.item_factors_.T, matrix, users, truth, k
        )
    best = max(table, key=lambda c: (table[c], -grid.index(c)))
    return best, {f"factors={f} regularization={r} alpha={a}": round(v, 4) for (f, r, a), v in table.items()}


def tune_shrink(
    matrix: sparse.csr_matrix,
    users: np.ndarray,
    truth: list[set[int]],
    grid: tuple[float, ...],
    keep: int,
    k: int = 10,
) -> tuple[float, dict[str, float]]:
    """The kNN shrinkage with the best held-out NDCG (scores weighted by the user's item weights)."""
    table = {}
    for shrink in grid:
        sims = item_neighbours(matrix, shrink, keep)
        table[shrink] = heldout_ndcg(
            lambda rows, sims=sims: (matrix[rows] @ sims).toarray(), matrix, users, truth, k
        )
    best = max(table, key=lambda s: (table[s], -grid.index(s)))
    return best, {f"shrink={s}": round(v, 4) for s, v in table.items()}


def recency_matrices(
    signals: Signals, inter: Interactions, half_lives: tuple[float, ...]
) -> dict[float, sparse.csr_matrix]:
    """For each half-life (days), the users x items matrix of how recently each user touched each positive
    item, relative to the user's own latest event (1 = just now), over `inter`'s rows and columns."""
    users, items = inter.user_index, inter.item_index
    latest = signals.latest_by_user()
    rows, cols, ages = [], [], []
    for (user, item), kinds in signals.by_kind.items():
        if item in items and user in users and pair_weight(kinds) > 0:
            rows.append(users[user])
            cols.append(items[item])
            ages.append(latest[user] - signals.last_time[(user, item)])
    shape = (len(inter.users), len(inter.items))
    return {
        days: sparse.csr_matrix(
            (np.array([decay(a, days) for a in ages], dtype=np.float32), (rows, cols)), shape=shape
        )
        for days in half_lives
    }


def tune_recency(
    recency: dict[float, sparse.csr_matrix],
    matrix: sparse.csr_matrix,
    users: np.ndarray,
    truth: list[set[int]],
    shrink: float,
    keep: int,
    k: int = 10,
) -> tuple[float, dict[str, float]]:
    """The half-life of the recent-items kNN score with the best held-out NDCG."""
    sims = item_neighbours(matrix, shrink, keep)
    table = {
        days: heldout_ndcg(lambda rows, m=m: (m[rows] @ sims).toarray(), matrix, users, truth, k)
        for days, m in recency.items()
    }
    best = max(table, key=lambda d: (table[d], -list(recency).index(d)))
    return best, {f"half_life_days={d}": round(v, 4) for d, v in table.items()}
