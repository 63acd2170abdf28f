"""Relevance of dense, lexical and hybrid search on the generated demo store: Recall@10 and NDCG@10.

Queries are generated from the products' hidden attributes (category noun + feature, colour or other
attribute, sometimes a price cap, and paraphrased needs that share few words with the listing); the
expected products are those whose attributes match. Fusion weights are tuned on a dev half of the
queries and reported on the other half.

    .venv/bin/python bench/retrieval_relevance.py [--products 1000] [--users 400] [--seed 5]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.demo_catalog import CATEGORIES  # noqa: E402
from assistant.demo_store import generate_demo_store  # noqa: E402
from assistant.shop import Shop  # noqa: E402
from retrieval.search import FusionWeights  # noqa: E402

# How a shopper might ask for each feature without the listing's words.
PARAPHRASE = {
    "waterproof": "that keeps water out in heavy rain", "lightweight": "that weighs almost nothing",
    "quiet": "that barely makes any noise", "durable": "that will last for years of hard use",
    "comfortable": "that feels comfy all day", "wide fit": "for people with wide feet",
    "runs small": "with a snug tight fit", "long battery": "whose battery lasts for days",
    "noise cancelling": "that blocks out noise on the train", "fast brewing": "that makes coffee quickly",
    "easy to clean": "that is simple to wash", "sharp": "that cuts tomatoes effortlessly",
    "breathable": "that keeps me cool and not sweaty", "warm": "that keeps me toasty in freezing weather",
    "gentle": "for sensitive skin that gets irritated", "fragrance free": "with no perfume smell",
    "padded straps": "with cushioned shoulder straps", "laptop sleeve": "with room for my laptop",
    "non-slip": "with good grip when sweaty", "gps": "that tracks my route by satellite",
}


def make_queries(products: list[dict], seed: int, per_kind: int) -> list[dict]:
    rng = random.Random(seed)
    by_path = {tuple(spec.path): spec for spec in CATEGORIES}
    queries = []
    for spec in CATEGORIES:
        members = [p for p in products if tuple(p["category"]) == tuple(spec.path)]
        prices = sorted(p["price"] for p in members)
        for _ in range(per_kind):
            noun = rng.choice(spec.nouns).lower()
            aspect = rng.choice(spec.aspects)
            feature = [p["id"] for p in members if aspect in p["attributes"]["features"].split(", ")]
            queries.append({"kind": "feature", "text": f"{aspect} {noun}", "relevant": feature})
            queries.append({"kind": "paraphrase", "text": f"{noun} {PARAPHRASE[aspect]}", "relevant": feature})
            cap = prices[len(prices) // 2]
            queries.append({"kind": "feature+price", "text": f"{aspect} {noun} under ${cap:.0f}",
                            "relevant": [p["id"] for p in members if p["id"] in set(feature) and p["price"] <= cap]})
            name, values = rng.choice(list(spec.attributes.items()))
            value = rng.choice(values)
            queries.append({"kind": "attribute", "text": f"{noun} {name} {value}" if name not in ("color",)
                            else f"{value} {noun}",
                            "relevant": [p["id"] for p in members if p["attributes"].get(name) == value]})
    assert by_path
    return [q for q in queries if q["relevant"]]


class CachedQueryEncoder:
    """The store's encoder, remembering each query's vector: the tuning grid repeats the same queries."""

    def __init__(self, encoder):
        self.inner, self.name, self.dim = encoder, encoder.name, encoder.dim
        self.cache: dict[str, np.ndarray] = {}

    def encode(self, texts, batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.inner.encode(missing, batch_size, show_progress), strict=True))
        return np.stack([self.cache[t] for t in texts])


def metrics(ranked: list[str], relevant: set[str], k: int = 10) -> tuple[float, float]:
    hits = [1.0 if pid in relevant else 0.0 for pid in ranked[:k]]
    recall = sum(hits) / min(k, len(relevant))
    dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return recall, dcg / ideal


def evaluate(shop: Shop, queries: list[dict], mode: str) -> dict:
    recalls, ndcgs, times = [], [], []
    by_kind: dict[str, list[float]] = {}
    for q in queries:
        start = time.perf_counter()
        ranked = [c.product.id for c in shop.searcher.search(q["text"], k=10, mode=mode)]
        times.append(time.perf_counter() - start)
        r, n = metrics(ranked, set(q["relevant"]))
        recalls.append(r)
        ndcgs.append(n)
        by_kind.setdefault(q["kind"], []).append(n)
    return {"recall@10": round(sum(recalls) / len(recalls), 4), "ndcg@10": round(sum(ndcgs) / len(ndcgs), 4),
            "ndcg@10_by_kind": {k: round(sum(v) / len(v), 4) for k, v in sorted(by_kind.items())},
            "mean_latency_ms": round(1000 * sum(times) / len(times), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--per-kind", type=int, default=6)
    parser.add_argument("--out", default="bench/results/retrieval_relevance.json")
    parser.add_argument("--work", help="working directory, kept so a second run reuses the index "
                                       "(default: a new temporary one)")
    args = parser.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="shopmate-relevance-"))
    src = generate_demo_store(work / "src", seed=args.seed, products=args.products, users=args.users)
    shop = Shop.open(work / "home", llm="test")
    shop.ingest(catalog=src.products, reviews=src.reviews)
    report = shop.build_index(show_progress=True)
    shop.index.encoder = CachedQueryEncoder(shop.encoder)
    products = [json.loads(line) for line in Path(src.products).read_text(encoding="utf-8").splitlines()]
    queries = make_queries(products, args.seed, args.per_kind)
    random.Random(args.seed).shuffle(queries)
    dev, test = queries[: len(queries) // 2], queries[len(queries) // 2:]

    grid = [FusionWeights(1.0, lexical, reviews, method) for method in ("rrf", "blend")
            for lexical in (0.5, 1.0, 1.5, 2.0, 3.0, 5.0) for reviews in (0.0, 0.3, 0.6)]
    tuning = []
    for weights in grid:
        shop.searcher.weights = weights
        tuning.append((evaluate(shop, dev, "hybrid")["ndcg@10"], weights))
    best_dev, best = max(tuning, key=lambda t: t[0])
    shop.searcher.weights = best
    results = {mode: evaluate(shop, test, mode) for mode in ("dense", "lexical", "hybrid")}
    out = {"bench": "retrieval_relevance", "load_average_1_5_15": [round(x, 1) for x in os.getloadavg()],
           "encoder": shop.encoder.name, "products": args.products,
           "reviews": shop.counts()["reviews"], "seed": args.seed, "queries_dev": len(dev), "queries_test": len(test),
           "index": report.to_dict(), "tuned_weights": {"dense": best.dense, "lexical": best.lexical,
                                                        "reviews": best.reviews, "method": best.method,
                                                        "dev_ndcg@10": best_dev},
           "grid": [{"method": w.method, "dense": w.dense, "lexical": w.lexical, "reviews": w.reviews, "dev_ndcg@10": s} for s, w in tuning],
           "test": results, "recall_note": "Recall@10 = relevant found in top 10 / min(10, number relevant)"}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(json.dumps({"tuned": out["tuned_weights"], "test": results}, indent=1))


if __name__ == "__main__":
    main()
