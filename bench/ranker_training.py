"""Training the ranker with and without the search index's product vectors (the catalog embedded once,
for search, or a second time for the ranker's content features), on the generated demo store.

Alternates the two ways (no embedding cache either time), so both see the same machine load, and
reports seconds for each and the ratio.

    .venv/bin/python bench/ranker_training.py --work /tmp/ranker-training
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.demo_store import generate_demo_store  # noqa: E402
from assistant.shop import Shop  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", help="working directory (default: a new temporary one); kept for reuse")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default="bench/results/ranker_training.json")
    args = parser.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="shopmate-ranker-training-"))
    src = generate_demo_store(work / "src", seed=0)
    shop = Shop.open(work / "home", llm="test")
    if shop.counts()["products"] == 0:
        shop.ingest(catalog=src.products, reviews=src.reviews, events=src.events, users=src.users)
    shop.build_index(show_progress=True)
    result: dict = {
        "bench": "ranker_training",
        "products": shop.counts()["products"],
        "load_before": os.getloadavg(),
    }
    seconds: dict[str, list[float]] = {"encoded_again": [], "from_the_index": []}
    for _ in range(args.rounds):
        for way in seconds:
            (shop.home / "models" / "ranker" / "embeddings.npz").unlink(missing_ok=True)
            shop.ranking._indexed_vectors = shop._indexed_vectors if way == "from_the_index" else None
            started = time.perf_counter()
            shop.train()
            seconds[way].append(round(time.perf_counter() - started, 1))
    result.update(seconds)
    result["ratio"] = round(sum(seconds["encoded_again"]) / sum(seconds["from_the_index"]), 2)
    result["load_after"] = os.getloadavg()
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
