"""The sentence encoders side by side, in one run on one store: how fast each embeds the products' index
texts and encodes a single query, and what the ranker scores offline with each one's product vectors.

Search quality per encoder is measured on the hand-written needs by bench/retrieval_relevance.py; this
bench holds the other side of the choice: indexing and query time, and that the ranker (whose content
features are the same vectors) does not lose with the default encoder.

    .venv/bin/python bench/encoders.py                      # writes bench/results/encoders.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from retrieval_relevance import demo_store_arguments

from assistant.demo_store import generate_demo_store
from assistant.shop import Shop
from ranking.evaluation import evaluate
from ranking.feedback import collect
from retrieval.encoders import MPNET, SentenceTransformerEncoder, native_bf16, packaged_minilm_path
from retrieval.index import product_document
from retrieval.packaged import unpacked_archive

QUERIES = (
    "my roommate snores and I can't sleep",
    "something to carry my laptop to class",
    "stay dry on my walk to work",
    "gift for my dad who drinks coffee all day",
    "my cheeks get flaky and tight every winter",
)


def encoders() -> list[tuple[str, SentenceTransformerEncoder, bool]]:
    """(name, encoder, whether the ranker is evaluated with it): MiniLM and the default as it runs here;
    mpnet in fp32 too where the default runs in bf16, for its speed (its vectors are bf16's within 0.002)."""
    mpnet = unpacked_archive(MPNET)
    out = [("minilm fp32", SentenceTransformerEncoder(packaged_minilm_path()), True)]
    if native_bf16():
        out.append(("mpnet fp32", SentenceTransformerEncoder(mpnet), False))
        out.append(("mpnet bf16 (the default here)", SentenceTransformerEncoder(mpnet, bf16=True), True))
    else:
        out.append(("mpnet fp32 (the default here)", SentenceTransformerEncoder(mpnet), True))
    return out


def speed(encoder: SentenceTransformerEncoder, texts: list[str], rounds: int) -> dict:
    encoder.encode(texts[:32])  # warm
    started = time.perf_counter()
    encoder.encode(texts, batch_size=32)
    seconds = time.perf_counter() - started
    single = []
    for _ in range(rounds):
        for query in QUERIES:
            t = time.perf_counter()
            encoder.encode([query])
            single.append(time.perf_counter() - t)
    return {
        "texts": len(texts),
        "texts_per_s": round(len(texts) / seconds, 1),
        "query_ms_p50": round(1000 * float(np.median(single)), 1),
        "query_ms_p90": round(1000 * float(np.percentile(single, 90)), 1),
    }


def ranker(encoder, texts: list[str], products, signals) -> dict:
    """The ranker's offline evaluation (ranking/evaluation.py) with this encoder's product vectors."""
    started = time.perf_counter()
    vectors = encoder.encode(texts, batch_size=32, show_progress=True)
    seconds = time.perf_counter() - started
    scores = evaluate(products, vectors, signals)
    return {
        "catalog_seconds": round(seconds, 1),
        "ranker_ndcg@10": scores["models"]["shopmate_ranker"]["ndcg@10"],
        "content_baseline_ndcg@10": scores["models"]["content"]["ndcg@10"],
        "ranker_minus_implicit_als": scores["versus"]["implicit_als"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    demo_store_arguments(parser)
    parser.add_argument("--speed-texts", type=int, default=320, help="product texts embedded for the speed")
    parser.add_argument("--query-rounds", type=int, default=8)
    parser.add_argument("--out", default="bench/results/encoders.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shopmate-encoders-"))
    src = generate_demo_store(work / "src", seed=args.seed, products=args.products, users=args.users)
    shop = Shop.open(work / "home", llm="test")
    shop.ingest(catalog=src.products, reviews=src.reviews, events=src.events, users=src.users)
    products = list(shop.catalog.iter_products())
    texts = [product_document(p) for p in products]
    signals = collect((e for _, e in shop.events.iter_events()), shop.catalog.iter_reviews())
    results: dict[str, dict] = {}
    for name, encoder, rank in encoders():
        row = speed(encoder, texts[: args.speed_texts], args.query_rounds)
        if rank:
            row.update(ranker(encoder, texts, products, signals))
        results[name] = row
        print(name, row, flush=True)
    out = {
        "bench": "encoders",
        "machine": f"{os.cpu_count()} cores",
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "store": {"products": args.products, "users": args.users, "seed": args.seed},
        "encoders": results,
    }
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
