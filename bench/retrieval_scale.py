"""Search latency at 10k and 100k products and indexing throughput, each against a peer in the same run.

Search: full hybrid search p50/p95, with the real MiniLM encoding each query (no query is repeated, so
the searcher's query cache never answers), next to MiniLM encoding the same queries alone and to a
brute-force numpy scan of the product vectors. Embedding 100k products with MiniLM takes hours on 2
CPU cores, so the index holds stand-in vectors: random unit 384-d vectors derived from each text's
hash (MiniLM's width); everything else (Chroma, the saved lexical index, filters, fusion, SQLite) is
the real code path, and the search is also timed with the stand-in query encoder (model excluded).

Indexing: `Shop.build_index` (what `shopmate index` runs: Chroma products and passages, the lexical
index; the multilingual view left out) with MiniLM on a small store, against MiniLM encoding the
same texts alone; the two alternate, twice, so load on the shared machine hits both.

    .venv/bin/python bench/retrieval_scale.py [--sizes 10000 100000] [--queries 120] [--index-products 400]
        [--work DIR]   # a kept folder: the next run reuses its stores (index figures are then a re-sync)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.demo_store import generate_demo_store  # noqa: E402
from assistant.shop import Shop  # noqa: E402
from retrieval.encoders import load_encoder  # noqa: E402
from retrieval.index import PRODUCTS, CatalogIndex, product_document  # noqa: E402
from retrieval.passages import review_passages  # noqa: E402
from retrieval.search import HybridSearcher  # noqa: E402

QUERIES = [
    "waterproof hiking boots",
    "quiet coffee maker",
    "noise cancelling headphones under $100",
    "running shoes for wide feet",
    "lightweight backpack with laptop sleeve",
    "sharp chef's knife",
    "gps watch with long battery",
    "gentle fragrance free moisturizer",
    "warm rain jacket not Stormcrest",
    "non-slip yoga mat 4 stars and up",
]
# Distinct queries, so every search encodes its query (the searcher remembers recent query vectors).
VARIANTS = [
    "",
    "for travel",
    "for a gift",
    "in black",
    "for beginners",
    "that lasts",
    "for everyday use",
    "for my dad",
    "compact",
    "best value",
    "for the office",
    "for winter",
]


def distinct_queries(n: int) -> list[str]:
    out = [f"{q} {v}".strip() for v in VARIANTS for q in QUERIES]
    if n > len(out):
        raise SystemExit(f"--queries at most {len(out)} (distinct queries)")
    return out[:n]


class RandomUnitEncoder:
    """Unit vectors seeded by the text's hash: the shape of real embeddings without the model's cost."""

    name = "bench-random-384"
    dim = 384

    def encode(self, texts, batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            out[i] = np.random.default_rng(seed).standard_normal(self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


class StandInNamed:
    """MiniLM answering to the stand-in's name: real query encoding against the stand-in index."""

    name = RandomUnitEncoder.name
    dim = RandomUnitEncoder.dim

    def __init__(self, inner):
        self.inner = inner

    def encode(self, texts, batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        return self.inner.encode(texts, batch_size=batch_size)


def pct(values: list[float]) -> dict[str, float]:
    ms = np.asarray(values) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
    }


def ratio(a: dict, b: dict) -> dict[str, float]:
    """a / b at p50 and p95, in wall time and in CPU time."""
    out = {}
    for prefix, x, y in (("", a, b), ("cpu_", a["cpu"], b["cpu"])):
        out.update(
            {prefix + k.replace("_ms", ""): round(x[k] / max(y[k], 1e-3), 2) for k in ("p50_ms", "p95_ms")}
        )
    return out


class Clock:
    """Wall time and this process's CPU time (all its threads) per timed call: on a shared machine the
    wall time carries the other jobs' load, the CPU time much less of it."""

    def __init__(self):
        self.wall: list[float] = []
        self.cpu: list[float] = []

    @contextmanager
    def time(self):
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)

    def summary(self) -> dict:
        return {**pct(self.wall), "cpu": pct(self.cpu)}


def indexing_share(n: int, work: Path, minilm) -> dict:
    """`Shop.build_index` with MiniLM against MiniLM alone on the same texts, alternating twice."""
    os.environ["SHOPMATE_MULTILINGUAL"] = "0"
    src = generate_demo_store(work / "index-src", seed=3, products=n, users=50)
    rounds = []
    for round_ in range(2):
        shop = Shop.open(work / f"index-home-{round_}", llm="test")
        shop.ingest(catalog=src.products, reviews=src.reviews)
        texts = [product_document(p) for p in shop.catalog.iter_products()]
        texts += [x.text for r in shop.catalog.iter_reviews() for x in review_passages(r)]
        start = time.perf_counter()
        minilm.encode(texts, batch_size=32)
        alone = time.perf_counter() - start
        shop.__dict__["encoder"] = minilm
        start = time.perf_counter()
        report = shop.build_index()
        full = time.perf_counter() - start
        assert report.embedded == len(texts), (report.embedded, len(texts))
        rounds.append(
            {
                "texts": len(texts),
                "encoder_alone_s": round(alone, 2),
                "build_index_s": round(full, 2),
                "lexical_s": report.lexical["seconds"],
                "share": round(alone / full, 3),
            }
        )
        shop.close()
    alone = sum(r["encoder_alone_s"] for r in rounds)
    full = sum(r["build_index_s"] for r in rounds)
    texts = sum(r["texts"] for r in rounds)
    return {
        "products": n,
        "encoder_alone_texts_per_s": round(texts / alone, 1),
        "build_index_texts_per_s": round(texts / full, 1),
        "share_of_encoder_alone": round(alone / full, 3),
        "rounds": rounds,
    }


def run_size(n: int, n_queries: int, work: Path, minilm) -> dict:
    os.environ["SHOPMATE_MULTILINGUAL"] = "0"
    shop = Shop.open(work / f"home-{n}", llm="test")
    ingest_s = None
    if not shop.catalog.count_products():  # a kept --work folder is reused: building 100k takes long here
        src = generate_demo_store(work / f"src-{n}", seed=3, products=n, users=max(50, n // 500))
        start = time.perf_counter()
        shop.ingest(catalog=src.products, reviews=src.reviews)
        ingest_s = round(time.perf_counter() - start, 1)
    index = CatalogIndex(shop.catalog, RandomUnitEncoder(), path=shop.home / "chroma")
    report = index.sync()
    resync = index.sync()
    lexical_dir = shop.home / "lexical"
    lexical = HybridSearcher(index, shop.catalog, lexical_dir=lexical_dir).build_lexical()
    collection = index.client.get_collection(PRODUCTS, embedding_function=None)
    ids, vectors = [], []
    for offset in range(0, n, 5000):
        got = collection.get(include=["embeddings"], limit=5000, offset=offset)
        ids.extend(got["ids"])
        vectors.append(np.asarray(got["embeddings"], dtype=np.float32))
    matrix = np.concatenate(vectors)
    rng = np.random.default_rng(0)
    targets = rng.integers(0, len(ids), n_queries)
    queries = matrix[targets] + rng.standard_normal((n_queries, matrix.shape[1])).astype(np.float32) * 0.05
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)

    brute, exact = Clock(), []
    for q in queries:
        with brute.time():
            scores = matrix @ q
            top = np.argpartition(-scores, 10)[:10]
            top = top[np.argsort(-scores[top])]
        exact.append({ids[i] for i in top})
    dense, found = [], []
    for q in queries:
        t = time.perf_counter()
        hits = index.query_products(q[None, :], 10)[0]
        dense.append(time.perf_counter() - t)
        found.append({pid for pid, _ in hits})
    recall = float(np.mean([len(a & b) / 10 for a, b in zip(exact, found, strict=True)]))

    # A new process's view: the lexical index loaded (memory-mapped) from disk, not rebuilt.
    start = time.perf_counter()
    standin = HybridSearcher(index, shop.catalog, lexical_dir=lexical_dir, auto_refresh=False)
    standin.search("warm up", k=10)  # loads the lexical index and learns the category step, once per process
    first_search_s = time.perf_counter() - start
    real = HybridSearcher(
        CatalogIndex(shop.catalog, StandInNamed(minilm), client=index.client),
        shop.catalog,
        lexical_dir=lexical_dir,
        auto_refresh=False,
    )
    real.search("warm up", k=10)
    texts = distinct_queries(n_queries)
    model_excluded, full, encode = Clock(), Clock(), Clock()
    for text in texts:  # interleaved, so load on the shared machine hits all three alike
        with encode.time():
            minilm.encode([text])
        with full.time():
            real.search(text, k=10)
        with model_excluded.time():
            standin.search(text, k=10)
    shop.close()
    point = {
        "products": n,
        "review_passages": report.passages["total"],
        "ingest_s": ingest_s,
        "index_built_in_this_run": report.embedded > 0,
        "index_items_per_s_stand_in_vectors": report.to_dict()["items_per_s"],
        "index_seconds": report.to_dict()["seconds"],
        "resync_unchanged_s": round(resync.seconds, 2),
        "lexical_build_s": lexical["seconds"],
        "first_search_in_a_new_process_s": round(first_search_s, 2),
        "brute_force_numpy": brute.summary(),
        "chroma_dense_k10": pct(dense),
        "chroma_recall@10_vs_brute": round(recall, 4),
        "queries": len(texts),
        "minilm_query_encode": encode.summary(),
        "hybrid_search_k10": full.summary(),
        "hybrid_search_k10_model_excluded": model_excluded.summary(),
    }
    point["hybrid_vs_query_encode"] = ratio(point["hybrid_search_k10"], point["minilm_query_encode"])
    point["hybrid_vs_brute_force"] = ratio(point["hybrid_search_k10"], point["brute_force_numpy"])
    return point


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=120)
    parser.add_argument("--index-products", type=int, default=400, help="store size for the indexing share")
    parser.add_argument("--out", default="bench/results/retrieval_scale.json")
    parser.add_argument(
        "--work", help="working folder, kept so a second run reuses the stores and their indexes"
    )
    parser.add_argument(
        "--append", action="store_true", help="add this run's points to those already in --out"
    )
    args = parser.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="shopmate-scale-"))
    load_before = [round(x, 1) for x in os.getloadavg()]
    minilm = load_encoder("minilm")
    minilm.encode(["warm up"])
    indexing = indexing_share(args.index_products, work, minilm) if args.index_products else None
    points = []
    for n in args.sizes:
        point = run_size(n, args.queries, work, minilm)
        point["load_average_1_5_15"] = [round(x, 1) for x in os.getloadavg()]
        point["command"] = " ".join(sys.argv)
        points.append(point)
    out = {
        "bench": "retrieval_scale",
        "load_average_1_5_15": {"start": load_before, "end": [round(x, 1) for x in os.getloadavg()]},
        "cpu_count": os.cpu_count(),
        "vectors": "random unit vectors, 384-d (stand-in encoder); see docstring",
        "command": " ".join(sys.argv),
        "indexing": indexing,
        "points": points,
    }
    if args.append and Path(args.out).exists():
        before = json.loads(Path(args.out).read_text())
        out = {**before, "points": before["points"] + points, "indexing": indexing or before.get("indexing")}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
