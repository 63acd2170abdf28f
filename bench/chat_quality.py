"""Chat: time to first token, time to full reply, and how often the fact check passed.

    python bench/chat_quality.py --model default --turns 200 --out bench/results/chat_quality.json \
        [--gift-cards ../shared/datasets/amazon2018_gift_cards]

Turns are shopper requests generated from the store's own categories, brands and prices (so the right
answers exist), sent as fresh conversations. Outcomes are those the engine records per turn:
passed (the model's words passed the check), repaired, or replaced by a reply built from the facts.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from assistant.chat.engine import ChatReply
from assistant.demo_store import generate_demo_store
from assistant.shop import Shop


def requests_for(shop: Shop, n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    products = list(shop.catalog.iter_products())
    forms = ["I need {leaf} under ${cap}", "a gift for someone who likes {leaf}", "{brand} {leaf}",
             "something from {brand} around ${cap}", "best rated {leaf}"]
    out = []
    for _ in range(n):
        p = products[int(rng.integers(len(products)))]
        leaf = (p.category[-1] if p.category else p.title.split()[0]).lower()
        cap = int((p.price or 50) * 1.2) + 1
        out.append(str(rng.choice(forms)).format(leaf=leaf, brand=p.brand or "any brand", cap=cap))
    return out


def run_turns(shop: Shop, turns: int) -> dict:
    users = [u.id for u in shop.events.iter_users()][:50] or [None]
    outcomes: Counter = Counter()
    first, full = [], []
    for i, message in enumerate(requests_for(shop, turns)):
        started = time.perf_counter()
        first_at = None
        for piece in shop.ask_stream(users[i % len(users)], message):
            if first_at is None and isinstance(piece, str) and piece.strip():
                first_at = time.perf_counter() - started
            if isinstance(piece, ChatReply):
                outcomes[piece.checks.get("outcome", "unknown")] += 1
        full.append(time.perf_counter() - started)
        first.append(first_at if first_at is not None else full[-1])
    return {"turns": turns, "outcomes": dict(outcomes),
            "pass_rate": round(outcomes["passed"] / turns, 3) if turns else None,
            "first_token_s": {"p50": round(float(np.median(first)), 2), "p95": round(float(np.percentile(first, 95)), 2)},
            "full_reply_s": {"p50": round(float(np.median(full)), 2), "p95": round(float(np.percentile(full, 95)), 2)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default", help="default, fast, test, or a Hugging Face id / path")
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--gift-cards", help="folder of the Amazon 2018 Gift Cards data")
    parser.add_argument("--out", default="bench/results/chat_quality.json")
    args = parser.parse_args()
    results = {"model": args.model, "stores": {}}
    with tempfile.TemporaryDirectory() as tmp:
        src = generate_demo_store(Path(tmp) / "src", products=1000, users=300)
        shop = Shop.open(Path(tmp) / "demo", llm=args.model)
        shop.ingest(catalog=src.products, reviews=src.reviews, events=src.events, users=src.users)
        shop.build_index()
        results["stores"]["demo"] = run_turns(shop, args.turns)
        if args.gift_cards:
            folder = Path(args.gift_cards)
            gift = Shop.open(Path(tmp) / "gift", llm=args.model)
            gift.ingest(catalog=folder / "meta_Gift_Cards.json.gz", reviews=folder / "Gift_Cards_5.json.gz")
            gift.build_index()
            results["stores"]["gift_cards"] = run_turns(gift, args.turns)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
