"""Weighted implicit-feedback matrix factorization (alternating least squares, Hu, Koren, Volinsky 2008).

numpy in, numpy out. `fold_in` solves one user's vector against fixed item factors, which is how new
events change a user's vector at once, without retraining.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse


def _solve_rows(other: np.ndarray, weights: sparse.csr_matrix, reg: float, alpha: float) -> np.ndarray:
    k = other.shape[1]
    gram = other.T @ other
    ridge = reg * np.eye(k, dtype=np.float64)
    out = np.zeros((weights.shape[0], k), dtype=np.float64)
    for row in range(weights.shape[0]):
        start, end = weights.indptr[row], weights.indptr[row + 1]
        if start == end:
            continue
        out[row] = _solve_one(other, gram, ridge, weights.indices[start:end], weights.data[start:end], alpha)
    return out


def _solve_one(other, gram, ridge, index, values, alpha) -> np.ndarray:
    factors = other[index]
    confidence = 1.0 + alpha * values
    a = gram + (factors.T * (confidence - 1.0)) @ factors + ridge
    b = factors.T @ confidence
    return np.linalg.solve(a, b)


class ImplicitALS:
    def __init__(self, factors: int = 32, regularization: float = 0.1, alpha: float = 2.0, iterations: int = 12,
                 seed: int = 0):
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.seed = seed

    def fit(self, matrix: sparse.csr_matrix) -> ImplicitALS:
        rng = np.random.default_rng(self.seed)
        n_users, n_items = matrix.shape
        self.item_factors_ = rng.normal(0, 0.01, (n_items, self.factors))
        self.user_factors_ = rng.normal(0, 0.01, (n_users, self.factors))
        by_item = matrix.T.tocsr()
        for _ in range(self.iterations):
            self.user_factors_ = _solve_rows(self.item_factors_, matrix, self.regularization, self.alpha)
            self.item_factors_ = _solve_rows(self.user_factors_, by_item, self.regularization, self.alpha)
        self._gram = self.item_factors_.T @ self.item_factors_
        return self

    def fold_in(self, item_index: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """A user's vector from their weighted items, against the fitted item factors."""
        if len(item_index) == 0:
            return np.zeros(self.factors)
        ridge = self.regularization * np.eye(self.factors)
        return _solve_one(self.item_factors_, self._gram, ridge, np.asarray(item_index), np.asarray(weights),
                          self.alpha)
