"""Weighted implicit-feedback matrix factorization (alternating least squares, Hu, Koren, Volinsky 2008),
fitted by the `implicit` library.

`implicit.als.AlternatingLeastSquares` picks the GPU class where implicit was built with CUDA and a GPU
is present, else the CPU one; both take the same settings, so the GPU is a swap, not a fork. Whichever
fits, the fitted model lives on the CPU: a user's vector is folded in per request (one small solve
through implicit's `recalculate_user`), which is how new events change it at once, without retraining.

Confidence is 1 + alpha * weight (the paper's form). implicit takes the confidence itself as the matrix
value (alpha * value), which would make a faint, decayed view (weight 0.3) count *less* than an untouched
item; so the matrix handed to implicit already holds 1 + alpha * weight and implicit's own alpha is 1.
"""

from __future__ import annotations

import implicit.als
import implicit.cpu.als
import implicit.gpu
import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_limits


def gpu_available() -> bool:
    """Read at call time, not import time (implicit's factory binds its default when imported)."""
    return bool(implicit.gpu.HAS_CUDA)


def new_als(
    factors: int,
    regularization: float,
    alpha: float,
    iterations: int,
    seed: int,
    threads: int = 0,
    gpu: bool | None = None,
):
    """implicit's ALS on the GPU where there is one (gpu=None), else on the CPU with `threads` (0: all cores).
    The one place that chooses the class, for our model and the evaluation's implicit_als baseline alike."""
    # implicit warns at construction unless BLAS is held to one thread; fit_als holds it there while fitting.
    with threadpool_limits(1, "blas"):
        return implicit.als.AlternatingLeastSquares(
            factors=factors,
            regularization=regularization,
            alpha=alpha,
            iterations=iterations,
            random_state=seed,
            num_threads=threads,
            calculate_training_loss=False,
            use_gpu=gpu_available() if gpu is None else gpu,
        )


def fit_als(model, matrix: sparse.csr_matrix):
    """Fit an implicit ALS model on a users x items CSR; returns the fitted model on the CPU."""
    # implicit parallelizes the solves itself; BLAS threads nested inside them slow it down.
    with threadpool_limits(1, "blas"):
        model.fit(matrix.tocsr().astype(np.float32), show_progress=False)
    return model.to_cpu() if isinstance(model, implicit.gpu.als.AlternatingLeastSquares) else model


def confidence(matrix: sparse.csr_matrix, alpha: float) -> sparse.csr_matrix:
    """The same nonzeros, each weight w turned into the confidence 1 + alpha * w."""
    out = matrix.tocsr().astype(np.float32, copy=True)
    out.data = 1.0 + alpha * out.data
    return out


class ImplicitALS:
    """Our ALS: the settings the ranker tunes, the factors it keeps, and the per-request fold-in."""

    def __init__(
        self,
        factors: int = 32,
        regularization: float = 0.1,
        alpha: float = 2.0,
        iterations: int = 12,
        seed: int = 0,
        threads: int = 0,
    ):
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.seed = seed
        self.threads = threads

    def fit(self, matrix: sparse.csr_matrix, gpu: bool | None = None) -> ImplicitALS:
        model = new_als(self.factors, self.regularization, 1.0, self.iterations, self.seed, self.threads, gpu)
        model = fit_als(model, confidence(matrix, self.alpha))
        self.user_factors_ = model.user_factors
        self.item_factors_ = model.item_factors
        self._folder = None
        return self

    def set_item_factors(self, rows: np.ndarray, factors: np.ndarray) -> None:
        """Overwrite some items' factors (cold items borrowing from their neighbours); later fold-ins see them."""
        self.item_factors_[rows] = factors
        self._folder = None  # it caches the item factors' Gram matrix

    def fold_in(self, item_index: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """A user's vector from their weighted items, against the fitted item factors: the exact least-squares
        solve that an ALS user step would make for them."""
        if len(item_index) == 0:
            return np.zeros(self.factors, dtype=np.float32)
        # One CSR row built directly from its parts: a request folds in one user, and scipy's general
        # constructors cost more than implicit's solve.
        conf = 1.0 + np.float32(self.alpha) * np.asarray(weights, dtype=np.float32)
        index = np.asarray(item_index, dtype=np.int32)
        row = sparse.csr_matrix(
            (conf, index, np.array([0, len(index)], dtype=np.int32)), shape=(1, len(self.item_factors_))
        )
        return self._fold_model().recalculate_user(0, row)

    def _fold_model(self) -> implicit.cpu.als.AlternatingLeastSquares:
        if getattr(self, "_folder", None) is None:
            # One user per request: one thread, the CPU class whatever fitted the factors.
            with threadpool_limits(1, "blas"):
                folder = implicit.cpu.als.AlternatingLeastSquares(
                    factors=self.factors, regularization=self.regularization, alpha=1.0, num_threads=1
                )
            folder.item_factors = self.item_factors_
            self._folder = folder
        return self._folder

    def __getstate__(self) -> dict:
        # The saved model is our own attributes and numpy arrays, not implicit's object: the fold-in model is
        # rebuilt on first use, so a saved ranker does not depend on implicit's internal layout.
        return {k: v for k, v in self.__dict__.items() if k != "_folder"}
