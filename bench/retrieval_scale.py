"""Indexing throughput and search latency at 10k and 100k products, against a brute-force numpy scan.

Embedding 100k products with all-MiniLM-L6-v2 takes most of an hour on 2 CPU cores, so the scale
points use a stand-in encoder that returns random unit vectors of the same dimension (384), derived
from each text's hash; the Chroma, BM25, fusion and SQLite work is the real code path. The real
model's encoding throughput is measured separately on a sample of product documents.

    .venv/bin/python bench/retrieval_scale.py [--sizes 10000 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.demo_store import generate_demo_store  # noqa: E402
from assistant.shop import Shop  # noqa: E402
from retrieval.index import PRODUCTS, CatalogIndex, product_document  # noqa: E402
from retrieval.search import HybridSearcher  # noqa: E402

QUERIES = ["waterproof hiking boots", "quiet coffee maker", "noise cancelling headphones under $100",
           "running shoes for wide feet", "lightweight backpack with laptop sleeve", "sharp chef's knife",
           "gps watch with long battery", "gentle fragrance free moisturizer", "warm rain jacket not Stormcrest",
           "non-slip yoga mat 4 stars and up"]


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


def pct(values: list[float]) -> dict[str, float]:
    ms = np.asarray(values) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2)}


def encoder_throughput(sample: list[str]) -> dict:
    from retrieval.encoders import load_encoder

    encoder = load_encoder("minilm")
    encoder.encode(sample[:8])
    start = time.perf_counter()
    encoder.encode(sample, batch_size=32)
    seconds = time.perf_counter() - start
    single = []
    for text in QUERIES * 3:
        t = time.perf_counter()
        encoder.encode([text])
        single.append(time.perf_counter() - t)
    return {"texts": len(sample), "texts_per_s": round(len(sample) / seconds, 1), "query_encode": pct(single)}


def run_size(n: int, n_queries: int, work: Path) -> dict:
    src = generate_demo_store(work / f"src-{n}", seed=3, products=n, users=max(50, n // 500))
    shop = Shop.open(work / f"home-{n}", llm="test")
    start = time.perf_counter()
    shop.ingest(catalog=src.products, reviews=src.reviews)
    ingest_s = time.perf_counter() - start
    index = CatalogIndex(shop.catalog, RandomUnitEncoder(), path=shop.home / "chroma", batch_size=500)
    report = index.sync()
    resync = index.sync()
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

    brute, exact = [], []
    for q in queries:
        t = time.perf_counter()
        scores = matrix @ q
        top = np.argpartition(-scores, 10)[:10]
        top = top[np.argsort(-scores[top])]
        brute.append(time.perf_counter() - t)
        exact.append({ids[i] for i in top})
    dense, found = [], []
    for q in queries:
        t = time.perf_counter()
        hits = index.query_products(q[None, :], 10)[0]
        dense.append(time.perf_counter() - t)
        found.append({pid for pid, _ in hits})
    recall = float(np.mean([len(a & b) / 10 for a, b in zip(exact, found, strict=True)]))
    searcher = HybridSearcher(index, shop.catalog)
    searcher.search("warm up", k=10)  # builds the BM25 side once, as a long-running server would
    hybrid = []
    for i in range(max(30, n_queries // 4)):
        t = time.perf_counter()
        searcher.search(QUERIES[i % len(QUERIES)], k=10)
        hybrid.append(time.perf_counter() - t)
    docs = [product_document(p) for _, p in zip(range(256), shop.catalog.iter_products(), strict=False)]
    shop.close()
    return {"products": n, "review_passages": report.passages["total"], "ingest_s": round(ingest_s, 1),
            "index_items_per_s_without_model": report.to_dict()["items_per_s"], "index_seconds": report.to_dict()["seconds"],
            "resync_unchanged_s": round(resync.seconds, 2),
            "brute_force_numpy": pct(brute), "chroma_dense_k10": pct(dense), "chroma_recall@10_vs_brute": round(recall, 4),
            "hybrid_search_k10": pct(hybrid), "_docs": docs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", default="bench/results/retrieval_scale.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shopmate-scale-"))
    points = [run_size(n, args.queries, work) for n in args.sizes]
    sample = points[0].pop("_docs")
    for p in points[1:]:
        p.pop("_docs")
    out = {"bench": "retrieval_scale", "load_average_1_5_15": [round(x, 1) for x in os.getloadavg()],
           "cpu_count": os.cpu_count(), "vectors": "random unit vectors, 384-d (stand-in encoder); see docstring",
           "minilm_encoding": encoder_throughput(sample), "points": points}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
