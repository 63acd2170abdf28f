"""Collaborative filtering fit time: ours (ranking.als on `implicit`) against implicit's own ALS called directly,
and the ranker's retrain before and after the move to implicit.

    python bench/cf_fit.py --before 3d78006 --out bench/results/cf_fit.json \
        [--scale-products 20000 --scale-users 22000] [--repeats 3]

1. Fit: a synthetic 20,000 users x 10,000 items matrix (266,000 entries, popular items drawn more often),
   32 factors, 3 iterations, on every core. Ours and the direct library call alternate, `--repeats` times
   each, on the same matrix; the hand-written numpy ALS of `--before` is fitted once beside them.
2. Retrain: `Ranker.fit` (tuning on the validation split, the blend, the refit on everything) on a
   generated demo store, once with the code of `--before` and once with this tree, each in its own
   process (PYTHONPATH picks the tree), on the same products, events, reviews and embeddings. The
   embeddings are random unit vectors: they are an input both sides share, and encoding 20,000 products
   on this machine would take longer than the fits measured; no quality is read from this part. Reading
   the store, which a `shopmate train` adds, is left out: it did not change.

The load average is recorded: other work shares this machine, so compare within a run, not across runs.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import sparse

ROOT = Path(__file__).resolve().parents[1]


def synthetic_matrix(users: int = 20_000, items: int = 10_000, entries: int = 266_000, seed: int = 0):
    """users x items CSR of positive decayed weights; item popularity falls off as a power law."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, items + 1) ** 0.8
    # Draw extra (user, item) pairs, keep `entries` distinct ones: the matrix has exactly that many nonzeros.
    cells = np.unique(
        rng.integers(0, users, 2 * entries) * items
        + rng.choice(items, 2 * entries, p=popularity / popularity.sum())
    )
    cells = rng.permutation(cells)[:entries]
    weights = rng.choice([1.0, 2.0, 4.0, 8.0], entries) * rng.uniform(0.2, 1.0, entries)
    matrix = sparse.csr_matrix(
        (weights.astype(np.float32), (cells // items, cells % items)), shape=(users, items)
    )
    return matrix


def _old_als(before_root: Path):
    spec = importlib.util.spec_from_file_location("old_als", before_root / "ranking" / "als.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ImplicitALS


def bench_fit(before_root: Path, repeats: int, factors: int = 32, iterations: int = 3) -> dict:
    import implicit.cpu.als
    from threadpoolctl import threadpool_limits

    from ranking.als import ImplicitALS

    matrix = synthetic_matrix()

    def library():
        # implicit called directly, as its docs show: the peer ours should match.
        with threadpool_limits(1, "blas"):
            model = implicit.cpu.als.AlternatingLeastSquares(
                factors=factors, regularization=0.1, alpha=2.0, iterations=iterations, random_state=0
            )
            model.fit(matrix, show_progress=False)

    def ours():
        ImplicitALS(factors, 0.1, 2.0, iterations, seed=0).fit(matrix, gpu=False)

    times: dict[str, list[float]] = {"ours": [], "implicit": []}
    for _ in range(repeats):
        for name, fit in (("ours", ours), ("implicit", library)):
            started = time.perf_counter()
            fit()
            times[name].append(time.perf_counter() - started)
    started = time.perf_counter()
    _old_als(before_root)(factors, 0.1, 2.0, iterations, 0).fit(matrix)
    old = time.perf_counter() - started
    median = {name: float(np.median(t)) for name, t in times.items()}
    return {
        "matrix": {"users": matrix.shape[0], "items": matrix.shape[1], "entries": int(matrix.nnz)},
        "factors": factors,
        "iterations": iterations,
        "threads": os.cpu_count(),
        "repeats": repeats,
        "seconds": {name: [round(x, 3) for x in t] for name, t in times.items()},
        "median_seconds": {**{k: round(v, 3) for k, v in median.items()}, "old_numpy_als": round(old, 3)},
        "ours_over_implicit": round(median["ours"] / median["implicit"], 3),
        "old_over_ours": round(old / median["ours"], 1),
    }


# -- the ranker's retrain, run in a child process with one version of the code ---------------------------
def _load_store(folder: Path):
    from assistant.ingest.columns import event_from_row, product_from_row, review_from_row
    from ranking.feedback import Signals

    def rows(name):
        with open(folder / name, encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)

    products = [product_from_row(r) for r in rows("products.jsonl")]
    signals = Signals()
    for r in rows("events.jsonl"):
        signals.add_event(event_from_row(r))
    reviews = {}
    for r in rows("reviews.jsonl"):
        review, _ = review_from_row(r)
        reviews[review.id] = review  # one review per user and product, as the catalog keeps
    for review in reviews.values():
        signals.add_review(review)
    return products, signals


def _timed(owner, name: str, spent: dict) -> None:
    """Wrap owner.name so that the seconds spent in it add up in spent[name]."""
    inner = getattr(owner, name)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

    setattr(owner, name, timed)


def child_fit(folder: Path) -> dict:
    import ranking
    import ranking.ranker as ranker_module
    from ranking.ranker import Ranker

    products, signals = _load_store(folder)
    embeddings = np.load(folder / "embeddings.npy")
    spent: dict[str, float] = {}
    for name in ("tune_als", "tune_shrink", "tune_recency", "recency_matrices"):
        _timed(ranker_module, name, spent)  # the names the ranker calls
    for name in ("_fit_parts", "_learn_blend", "_tune_diversity", "_fit_relatedness"):
        _timed(Ranker, name, spent)
    started = time.perf_counter()
    ranker = Ranker().fit(products, embeddings, signals)
    total = time.perf_counter() - started
    return {
        "code": str(Path(ranking.__file__).parents[1]),
        "fit_seconds": round(total, 1),
        "parts_seconds": {k: round(v, 1) for k, v in spent.items()},
        "chosen_als": [ranker.chosen_.factors, ranker.chosen_.regularization, ranker.chosen_.alpha],
        "als_validation": ranker.validation_.get("als"),
        "users": ranker.n_users_,
        "pairs": len(signals.by_kind),
    }


def bench_retrain(before_root: Path, products: int, users: int, work: Path) -> dict:
    from assistant.demo_store import generate_demo_store

    started = time.perf_counter()
    generate_demo_store(work, products=products, users=users)
    generated = time.perf_counter() - started
    rng = np.random.default_rng(0)
    embeddings = rng.normal(size=(products, 384)).astype(np.float32)
    np.save(work / "embeddings.npy", embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True))
    runs = {}
    for label, root in (("before", before_root), ("after", ROOT)):
        env = {**os.environ, "PYTHONPATH": str(root)}
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(work)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        runs[label] = {
            **json.loads(out.strip().splitlines()[-1]),
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        }
    return {
        "products": products,
        "users": users,
        "generate_seconds": round(generated, 1),
        **runs,
        "before_over_after": round(runs["before"]["fit_seconds"] / runs["after"]["fit_seconds"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", help="git revision holding the hand-written numpy ALS (e.g. 3d78006)")
    parser.add_argument("--out", default="bench/results/cf_fit.json")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--scale-products", type=int, default=20000, help="retrain point's products (0: skip)"
    )
    parser.add_argument("--scale-users", type=int, default=22000)
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: fit the ranker in this process
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_fit(Path(args.child))))
        return
    sys.path.insert(0, str(ROOT))  # this tree's packages (the child takes its tree from PYTHONPATH instead)
    if not args.before:
        parser.error(
            "--before REV is required: the revision whose ranking/als.py is the numpy ALS to compare"
        )
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "before": args.before,
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory() as tmp:
        before_root = Path(tmp) / "before"
        before_root.mkdir()
        archive = subprocess.run(
            ["git", "archive", args.before, "ranking", "retrieval", "assistant"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(before_root)], input=archive, check=True)
        result["fit"] = bench_fit(before_root, args.repeats)
        fit = result["fit"]
        print(
            f"fit {fit['matrix']}: ours {fit['median_seconds']['ours']} s, implicit {fit['median_seconds']['implicit']} s "
            f"(ours / implicit {fit['ours_over_implicit']}), old numpy ALS {fit['median_seconds']['old_numpy_als']} s"
        )
        if args.scale_products:
            work = Path(tmp) / "store"
            result["retrain"] = bench_retrain(before_root, args.scale_products, args.scale_users, work)
            r = result["retrain"]
            for label in ("before", "after"):
                print(f"Ranker.fit {label}: {r[label]['fit_seconds']} s {r[label]['parts_seconds']}")
    result["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        main()
