"""Collaborative filtering on `implicit` (ranking.als): the fold-in a request makes, the GPU/CPU choice,
and the saved form."""

import pickle

import implicit.cpu.als
import implicit.gpu
import implicit.gpu.als
import numpy as np
import pytest
from scipy import sparse

from ranking.als import ImplicitALS, confidence, new_als


def _grouped(n_users=200, n_items=120, groups=4, per_user=12, seed=0) -> sparse.csr_matrix:
    """Users and items in hidden groups: 90% of a user's items come from their own group."""
    rng = np.random.default_rng(seed)
    rows, cols, vals = [], [], []
    for u in range(n_users):
        mine = np.arange(u % groups, n_items, groups)
        items = {
            int(rng.choice(mine)) if rng.random() < 0.9 else int(rng.integers(n_items))
            for _ in range(per_user)
        }
        for i in items:
            rows.append(u)
            cols.append(i)
            vals.append(float(rng.choice([1.0, 2.0, 8.0])) * float(rng.uniform(0.3, 1.0)))  # decayed weights
    return sparse.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)), shape=(n_users, n_items))


def _exact_step(item_factors, items, weights, alpha, reg):
    """The ALS user step of Hu, Koren, Volinsky (2008), solved directly."""
    y = item_factors.astype(np.float64)
    c = 1.0 + alpha * np.asarray(weights, dtype=np.float64)
    a = y.T @ y + (y[items].T * (c - 1.0)) @ y[items] + reg * np.eye(y.shape[1])
    return np.linalg.solve(a, y[items].T @ c)


def test_fold_in_is_the_exact_least_squares_step_with_confidence_one_plus_alpha_times_weight():
    matrix = _grouped()
    als = ImplicitALS(factors=8, regularization=0.5, alpha=3.0, iterations=6, seed=1).fit(matrix)
    for u in (0, 7, 55):
        row = matrix[u]
        expected = _exact_step(als.item_factors_, row.indices, row.data, 3.0, 0.5)
        assert np.allclose(als.fold_in(row.indices, row.data), expected, rtol=1e-3, atol=1e-4)


def test_fold_in_points_where_a_refit_points_and_ranks_a_users_unseen_group_items_first():
    matrix = _grouped()
    als = ImplicitALS(factors=8, regularization=0.1, alpha=2.0, iterations=15, seed=0).fit(matrix)
    rng = np.random.default_rng(3)
    aucs, cosines = [], []
    for u in range(0, 200, 10):
        row = matrix[u]
        folded = als.fold_in(row.indices, row.data)
        refit = als.user_factors_[u]
        cosines.append(folded @ refit / (np.linalg.norm(folded) * np.linalg.norm(refit)))
        # Half the user's history folded in: their other own-group items against items of other groups.
        half = rng.permutation(len(row.indices))[: len(row.indices) // 2]
        vector = als.fold_in(row.indices[half], row.data[half])
        scores = als.item_factors_ @ vector
        hidden = [i for i in range(u % 4, 120, 4) if i not in set(row.indices[half])]
        others = [i for i in range(120) if i % 4 != u % 4]
        aucs.append(np.mean(scores[hidden][:, None] > scores[others][None, :]))
    assert np.median(cosines) > 0.95  # the direction a refit gives this user
    assert np.mean(aucs) > 0.9


def test_a_user_with_no_items_folds_to_zero_and_cold_item_factors_reach_the_fold_in():
    matrix = _grouped()
    als = ImplicitALS(factors=8, iterations=4).fit(matrix)
    assert not als.fold_in(np.array([], dtype=int), np.array([])).any()
    items, weights = np.array([3, 10]), np.array([2.0, 0.5])
    before = als.fold_in(items, weights)  # caches implicit's Gram matrix of the item factors
    als.set_item_factors(np.array([3]), np.full((1, 8), 0.5, dtype=np.float32))
    after = als.fold_in(items, weights)
    assert not np.allclose(before, after)
    assert np.allclose(
        after,
        _exact_step(als.item_factors_, items, weights, als.alpha, als.regularization),
        rtol=1e-3,
        atol=1e-4,
    )


def test_the_saved_model_holds_numpy_arrays_not_implicits_object_and_folds_in_the_same():
    matrix = _grouped()
    als = ImplicitALS(factors=8, iterations=4).fit(matrix)
    row = matrix[5]
    folded = als.fold_in(row.indices, row.data)  # builds and caches implicit's fold-in model
    blob = pickle.dumps(als)
    assert b"implicit" not in blob
    assert np.array_equal(pickle.loads(blob).fold_in(row.indices, row.data), folded)


class _FakeGpuALS:
    """Stands in for implicit.gpu.als.AlternatingLeastSquares, which cannot run without CUDA: fits with the
    CPU class and hands it back from to_cpu(), as the real one does."""

    made: list = []

    def __init__(self, factors, regularization, alpha, **kwargs):
        self.settings = dict(factors=factors, regularization=regularization, alpha=alpha, **kwargs)
        self.cpu = implicit.cpu.als.AlternatingLeastSquares(
            factors,
            regularization,
            alpha,
            num_threads=1,
            iterations=kwargs["iterations"],
            random_state=kwargs["random_state"],
        )
        self.converted = False
        _FakeGpuALS.made.append(self)

    def fit(self, user_items, show_progress=True):
        self.fitted_on = user_items
        self.cpu.fit(user_items, show_progress=False)

    def to_cpu(self):
        self.converted = True
        return self.cpu


@pytest.fixture
def fake_gpu(monkeypatch):
    _FakeGpuALS.made = []
    monkeypatch.setattr(implicit.gpu.als, "AlternatingLeastSquares", _FakeGpuALS)
    return monkeypatch


def test_cuda_selects_the_gpu_class_with_the_same_settings_and_the_fitted_model_comes_back_to_the_cpu(
    fake_gpu,
):
    fake_gpu.setattr(implicit.gpu, "HAS_CUDA", True)
    matrix = _grouped()
    als = ImplicitALS(factors=8, regularization=0.3, alpha=2.0, iterations=5, seed=4).fit(matrix)
    (gpu,) = _FakeGpuALS.made
    assert gpu.settings["factors"] == 8 and gpu.settings["regularization"] == 0.3
    assert gpu.settings["iterations"] == 5 and gpu.settings["random_state"] == 4
    assert gpu.settings["alpha"] == 1.0  # confidence is already in the matrix
    assert np.allclose(gpu.fitted_on.data, confidence(matrix, 2.0).data)
    assert gpu.converted and isinstance(als.item_factors_, np.ndarray) and als.item_factors_.shape == (120, 8)
    row = matrix[0]
    assert als.fold_in(row.indices, row.data).shape == (8,)


def test_without_cuda_the_cpu_class_fits_and_the_gpu_class_is_never_made(fake_gpu):
    fake_gpu.setattr(implicit.gpu, "HAS_CUDA", False)
    assert isinstance(new_als(8, 0.1, 2.0, 3, 0), implicit.cpu.als.AlternatingLeastSquares)
    ImplicitALS(factors=8, iterations=3).fit(_grouped())
    assert _FakeGpuALS.made == []
    # An explicit choice overrides what implicit detected (the bench times the CPU on a GPU machine this way).
    fake_gpu.setattr(implicit.gpu, "HAS_CUDA", True)
    assert isinstance(new_als(8, 0.1, 2.0, 3, 0, gpu=False), implicit.cpu.als.AlternatingLeastSquares)
    assert _FakeGpuALS.made == []
