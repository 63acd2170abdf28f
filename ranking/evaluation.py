"""Offline evaluation on a time split: our ranker against popularity, item-kNN, content-only and the
`implicit` library's ALS, all trained on the same past and scored on the same later interactions.

Each baseline is tuned on a validation split carved out of the training data the same way (its
latest interactions per user), so every model gets the same chance; ours tunes its parts, learns its
blend and chooses its brand cap on that same validation split (inside `Ranker.fit`), never on the test.
What is scored for ours is the page it ships (diversified).
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from ranking.als import fit_als, new_als
from ranking.embeddings import product_embeddings
from ranking.event_store import EventStore
from ranking.feedback import Interactions, Signals, build_interactions, collect, time_split
from ranking.metrics import (
    coverage,
    intra_list_diversity,
    ndcg_at_k,
    paired_bootstrap,
    recall_at_k,
    reciprocal_rank,
)
from ranking.ranker import Ranker, RankerParams
from retrieval.catalog_store import CatalogStore
from retrieval.encoders import Encoder

log = logging.getLogger(__name__)
OURS = "shopmate_ranker"


@dataclass(frozen=True, slots=True)
class Split:
    train: Signals
    test: dict[str, set[str]]  # user -> later positive items


def split_by_time(signals: Signals, test_share: float = 0.2) -> Split:
    """Each user's latest positive interactions (by time) go to the test set; the rest trains."""
    train, test = time_split(signals, test_share)
    return Split(train, test)


# -- baselines: each takes the train matrix (users x items) and returns a score function ----------------
def popularity_model(matrix: sparse.csr_matrix, **_):
    counts = np.asarray((matrix > 0).sum(axis=0)).ravel().astype(float)
    return lambda u, row: counts.copy()


def item_knn_model(matrix: sparse.csr_matrix, binary: bool = True, shrink: float = 10.0, **_):
    x = (matrix > 0).astype(np.float32) if binary else matrix.astype(np.float32)
    x = x.tocsc()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel()) + 1e-9
    sims = (x.T @ x).toarray()
    sims /= np.outer(norms, norms) + shrink
    np.fill_diagonal(sims, 0.0)
    return lambda u, row: np.asarray(row @ sims).ravel()


def content_model(matrix: sparse.csr_matrix, embeddings: np.ndarray, **_):
    def score(u, row):
        vec = np.asarray(row @ embeddings).ravel()
        return embeddings @ (vec / (np.linalg.norm(vec) + 1e-9))

    return score


def implicit_als_model(
    matrix: sparse.csr_matrix, factors: int = 64, regularization: float = 0.05, alpha: float = 1.0, **_
):
    """implicit's ALS as the library ships it (confidence alpha * weight), on the class ours uses."""
    model = fit_als(new_als(factors, regularization, alpha, iterations=15, seed=0), matrix)
    return lambda u, row: model.item_factors @ model.user_factors[u]


BASELINES = {
    "popularity": (popularity_model, [{}]),
    # At least as wide as the grids our ranker tunes its own parts on (ranking.ranker.RankerParams).
    "item_knn": (
        item_knn_model,
        [{"binary": b, "shrink": s} for b in (True, False) for s in (0.0, 10.0, 50.0)],
    ),
    "content": (content_model, [{}]),
    "implicit_als": (
        implicit_als_model,
        [
            {"factors": f, "regularization": r, "alpha": a}
            for f in (16, 32, 64)
            for r in (0.01, 0.1, 1.0)
            for a in (1.0, 10.0)
        ],
    ),
}


def _score_lists(score_fn, matrix: sparse.csr_matrix, users: list[int], k: int) -> list[list[int]]:
    lists = []
    for u in users:
        row = matrix[u]
        scores = np.asarray(score_fn(u, row), dtype=float)
        scores[row.indices] = -np.inf  # never re-recommend what the user already interacted with
        top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
        lists.append([int(i) for i in top[np.argsort(-scores[top])]])
    return lists


def _metrics(
    lists: list[list[int]], truth: list[set[int]], embeddings: np.ndarray, k: int
) -> dict[str, float]:
    return {
        "ndcg@10": float(np.mean([ndcg_at_k(r, t, k) for r, t in zip(lists, truth, strict=True)])),
        "recall@10": float(np.mean([recall_at_k(r, t, k) for r, t in zip(lists, truth, strict=True)])),
        "mrr": float(np.mean([reciprocal_rank(r, t, k) for r, t in zip(lists, truth, strict=True)])),
        "coverage": coverage(lists, len(embeddings)),
        "diversity": float(np.mean([intra_list_diversity(r, embeddings) for r in lists])),
    }


def _baseline_lists(name: str, inter: Interactions, test: dict[str, set[str]], embeddings, k, config):
    index = inter.item_index
    uidx = inter.user_index
    users = [u for u in test if u in uidx]
    builder = BASELINES[name][0]
    score_fn = builder(inter.matrix, embeddings=embeddings, **config)
    lists = _score_lists(score_fn, inter.matrix, [uidx[u] for u in users], k)
    truth = [{index[i] for i in test[u] if i in index} for u in users]
    return lists, truth


def _ours_lists(train: Signals, test: dict[str, set[str]], products, embeddings, k, params: RankerParams):
    ranker = Ranker(params).fit(products, embeddings, train)
    rows: dict[str, list] = defaultdict(list)
    for (user, item), kinds in train.by_kind.items():
        rows[user].append((item, kinds, train.last_time[(user, item)]))
    lists, truth = [], []
    users = [u for u in test if rows.get(u)]
    for user in users:
        state = ranker._state_from(user, rows[user])
        seen = np.ones(len(products), dtype=bool)
        seen[list(state.weights) + list(state.negatives)] = False
        lists.append([i for i, _, _ in ranker.recommend(state, k, mask=seen)])
        truth.append({ranker.index_[i] for i in test[user] if i in ranker.index_})
    return lists, truth


def _tuned_baseline(name: str, grid: list, validation, validation_matrix, embeddings, k: int):
    """The setting of a baseline's grid with the best NDCG on the validation split of the training part."""
    if len(grid) == 1 or not validation.test:
        return grid[0]
    scores = [
        (
            _metrics(
                *_baseline_lists(name, validation_matrix, validation.test, embeddings, k, c), embeddings, k
            )["ndcg@10"],
            i,
        )
        for i, c in enumerate(grid)
    ]
    return grid[max(scores)[1]]


def _versus(per_user: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """Ours minus each baseline, user by user (the same users, in the same order): is a gap more than noise?"""
    keys = ("ndcg@10_difference", "ci95_low", "ci95_high")
    return {
        name: dict(zip(keys, (round(v, 4) for v in paired_bootstrap(per_user[OURS], scores)), strict=True))
        for name, scores in per_user.items()
        if name != OURS and len(scores) == len(per_user[OURS])
    }


def evaluate(
    products,
    embeddings: np.ndarray,
    signals: Signals,
    k: int = 10,
    test_share: float = 0.2,
    params: RankerParams | None = None,
) -> dict:
    items = [p.id for p in products]
    split = split_by_time(signals, test_share)
    if not split.test:
        raise ValueError("no user has 3 or more positive interactions: too little behaviour to evaluate")
    validation = split_by_time(split.train, test_share)
    models: dict[str, dict] = {}
    tuning: dict[str, dict] = {}
    timings: dict[str, float] = {}
    per_user: dict[str, list[float]] = {}

    def measure(name: str, started: float, lists, truth) -> None:
        models[name] = _metrics(lists, truth, embeddings, k)
        per_user[name] = [ndcg_at_k(r, t, k) for r, t in zip(lists, truth, strict=True)]
        timings[name] = time.perf_counter() - started

    started = time.perf_counter()
    measure(
        OURS,
        started,
        *_ours_lists(split.train, split.test, products, embeddings, k, params or RankerParams()),
    )
    # One matrix per split (ranking.feedback.build_interactions, the build our ranker fits on), shared by
    # every baseline and every setting tried.
    train_matrix = build_interactions(split.train, items)
    validation_matrix = build_interactions(validation.train, items)
    for name, (_, grid) in BASELINES.items():
        started = time.perf_counter()
        tuning[name] = _tuned_baseline(name, grid, validation, validation_matrix, embeddings, k)
        measure(name, started, *_baseline_lists(name, train_matrix, split.test, embeddings, k, tuning[name]))
    return {
        "split": {
            "method": f"per-user time split: each user's latest {test_share:.0%} of positive interactions "
            f"(at least 1; users with >= 3) are the test set, the rest trains; baselines tuned on "
            f"the same split of the training part",
            "users_tested": len(split.test),
            "test_interactions": sum(len(t) for t in split.test.values()),
            "train_pairs": len(split.train.by_kind),
            "items": len(items),
            "k": k,
        },
        "ours": OURS,
        "models": {name: {m: round(v, 4) for m, v in metrics.items()} for name, metrics in models.items()},
        "tuning": tuning,
        "versus": _versus(per_user),
        "seconds": {name: round(t, 2) for name, t in timings.items()},
    }


def plot(result: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["models"])
    metrics = ["ndcg@10", "recall@10", "mrr"]
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(names)
    for j, name in enumerate(names):
        values = [result["models"][name][m] for m in metrics]
        ax.bar(np.arange(len(metrics)) + j * width, values, width, label=name)
    ax.set_xticks(np.arange(len(metrics)) + width * (len(names) - 1) / 2, metrics)
    ax.set_title(f"Offline evaluation ({result['split']['users_tested']} users, time split)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def evaluate_store(
    catalog: CatalogStore,
    events: EventStore,
    encoder: Encoder,
    home: Path,
    k: int = 10,
    test_share: float = 0.2,
    out_dir: str | Path | None = None,
    indexed: dict[str, np.ndarray] | None = None,
) -> dict:
    """Evaluate on everything the store holds; write eval.json and eval.png to out_dir (default <home>/eval).
    `indexed`: the search index's current product vectors by id (see `product_embeddings`)."""
    products = list(catalog.iter_products())
    if not products:
        raise ValueError("the store has no products; run shopmate ingest first")
    cache = home / "models" / "ranker" / "embeddings.npz"
    embeddings = product_embeddings(products, encoder, cache, indexed=indexed)
    signals = collect((e for _, e in events.iter_events()), catalog.iter_reviews())
    result = evaluate(products, embeddings, signals, k, test_share)
    out = Path(out_dir) if out_dir else home / "eval"
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval.json").write_text(json.dumps(result, indent=1))
    result["plot"] = str(plot(result, out / "eval.png"))
    return result
