"""Ranker quality against the baselines, training time and recommend latency.

    python bench/ranking_bench.py --out bench/results/ranking.json \
        [--demo-products 3000 --demo-users 1000] [--gift-cards ../shared/datasets/amazon2018_gift_cards] \
        [--scale-products 20000 --scale-users 22000 [--scale-eval]]

Each store is generated or ingested into a fresh temporary home; every model is trained on the same
time split in the same process (see ranking/evaluation.py). The scale point (a generated store of about
a million events at 20,000 products and 22,000 users) measures ingest, training and recommend latency;
its full evaluation against the baselines runs only with --scale-eval.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.demo_store import generate_demo_store
from assistant.shop import Shop


def _latency(shop: Shop, users: list[str], k: int = 10) -> dict:
    shop.recommend(users[0], k)  # warm: model loaded
    times = []
    for user in users:
        started = time.perf_counter()
        shop.recommend(user, k)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(float(np.percentile(times, 50)), 1),
        "p95_ms": round(float(np.percentile(times, 95)), 1),
        "requests": len(times),
    }


def reason_sense(shop: Shop, users: list[str], k: int = 10, candidates: int = 20, seed: int = 0) -> dict:
    """How many reasons that name a product name one from another category than the product they explain
    (a "similar to" a sunscreen for running shoes), on the recommendation page and when re-ranking random
    catalog products as search would hand them over (see docs/ranking.md)."""
    from retrieval.records import Candidate

    ranker = shop.ranking.ranker
    products = shop.ranking.products
    titles = sorted(zip(ranker.titles_, ranker.categories_, strict=True), key=lambda tc: -len(tc[0]))
    rng = np.random.default_rng(seed)
    ids = sorted(products)
    counts = {
        page: {"reasons": 0, "naming_a_product": 0, "naming_another_category": 0}
        for page in ("recommend", "rerank")
    }
    for user in users:
        pages = {
            "recommend": shop.recommend(user, k),
            "rerank": shop.rank(
                user,
                [
                    Candidate(products[p], float(rng.random()))
                    for p in rng.choice(ids, candidates, replace=False)
                ],
                k,
            ),
        }
        for page, items in pages.items():
            for item in items:
                for reason in map(str, item.reasons):
                    counts[page]["reasons"] += 1
                    named = next((c for t, c in titles if t in reason), None)
                    if named is not None:
                        counts[page]["naming_a_product"] += 1
                        counts[page]["naming_another_category"] += named != item.product.category_path
    return {"users": len(users), **counts}


def bench_store(name: str, shop: Shop, sample_users: int, evaluate: bool = True) -> dict:
    started = time.perf_counter()
    manifest = shop.train()
    train_s = time.perf_counter() - started
    started = time.perf_counter()
    shop.train()  # again, with the product embeddings cached: what a nightly retrain costs
    retrain_s = time.perf_counter() - started
    users = [u.id for u in shop.events.iter_users()][:sample_users]
    result = {
        "store": name,
        "counts": shop.counts(),
        "train_seconds": round(train_s, 1),
        "retrain_seconds": round(retrain_s, 1),
        "learned_blend": manifest["weights"],
        "chosen": manifest["params"],
        "validation": manifest["validation"],
        "reason_gate": manifest["reason_gate"],
        "recommend_latency": _latency(shop, users),
        "reason_sense": reason_sense(shop, users[:150]),
    }
    if evaluate:
        started = time.perf_counter()
        result["eval"] = shop.evaluate()
        result["eval_seconds"] = round(time.perf_counter() - started, 1)
    return result


def _generated(home: Path, products: int, users: int) -> tuple[Shop, dict]:
    started = time.perf_counter()
    src = generate_demo_store(home / "src", products=products, users=users)
    generated = time.perf_counter() - started
    shop = Shop.open(home / "store")
    started = time.perf_counter()
    shop.ingest(catalog=src.products, reviews=src.reviews, events=src.events, users=src.users)
    return shop, {
        "generate_seconds": round(generated, 1),
        "ingest_seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default="bench/results/ranking.json")
    parser.add_argument("--demo-products", type=int, default=3000)
    parser.add_argument("--demo-users", type=int, default=1000)
    parser.add_argument(
        "--gift-cards", help="folder of the Amazon 2018 Gift Cards data (meta + 5-core reviews)"
    )
    parser.add_argument("--latency-users", type=int, default=200)
    parser.add_argument("--scale-products", type=int, default=0, help="products of the scale point (0: none)")
    parser.add_argument("--scale-users", type=int, default=22000)
    parser.add_argument(
        "--scale-eval", action="store_true", help="also evaluate against the baselines at scale"
    )
    args = parser.parse_args()
    results = {
        "machine": f"{platform.processor() or platform.machine()}, 2 cores",
        "stores": [],
        # Measured beside other work on a shared machine: the load says how much timings suffer.
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory() as tmp:
        shop, timings = _generated(Path(tmp) / "demo", args.demo_products, args.demo_users)
        results["stores"].append(
            {
                **bench_store(
                    f"demo {args.demo_products} products / {args.demo_users} users", shop, args.latency_users
                ),
                **timings,
            }
        )
        if args.gift_cards:
            folder = Path(args.gift_cards)
            shop = Shop.open(Path(tmp) / "gift")
            shop.ingest(catalog=folder / "meta_Gift_Cards.json.gz", reviews=folder / "Gift_Cards_5.json.gz")
            results["stores"].append(bench_store("amazon2018_gift_cards", shop, args.latency_users))
        if args.scale_products:
            shop, timings = _generated(Path(tmp) / "scale", args.scale_products, args.scale_users)
            results["stores"].append(
                {
                    **bench_store(
                        f"scale {args.scale_products} products / {args.scale_users} users",
                        shop,
                        args.latency_users,
                        args.scale_eval,
                    ),
                    **timings,
                }
            )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    for store in results["stores"]:
        print(
            f"\n{store['store']} ({store['counts']['events']} events, {store['counts']['reviews']} reviews): "
            f"train {store['train_seconds']}s (retrain {store['retrain_seconds']}s), recommend p50 {store['recommend_latency']['p50_ms']} ms "
            f"p95 {store['recommend_latency']['p95_ms']} ms"
        )
        sense = store["reason_sense"]
        print(
            "reasons naming a product from another category: "
            + ", ".join(
                f"{page} {sense[page]['naming_another_category']} of {sense[page]['naming_a_product']}"
                for page in ("recommend", "rerank")
            )
        )
        if "eval" not in store:
            continue
        print(f"{'model':<18} {'ndcg@10':>8} {'recall@10':>10} {'mrr':>7} {'coverage':>9} {'diversity':>10}")
        for model, m in store["eval"]["models"].items():
            print(
                f"{model:<18} {m['ndcg@10']:>8.4f} {m['recall@10']:>10.4f} {m['mrr']:>7.4f} {m['coverage']:>9.3f} "
                f"{m['diversity']:>10.3f}"
            )
        for model, v in store["eval"]["versus"].items():
            print(
                f"ours - {model}: NDCG@10 {v['ndcg@10_difference']:+.4f} (95% {v['ci95_low']:+.4f} to "
                f"{v['ci95_high']:+.4f})"
            )


if __name__ == "__main__":
    main()
