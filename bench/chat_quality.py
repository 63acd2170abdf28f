"""Chat: time to first token, time to full reply, and how often the model's words passed the fact check.

    python bench/chat_quality.py --model default --turns 200 --concurrency 8 \
        --out bench/results/chat_quality.json [--gift-cards ../shared/datasets/amazon2018_gift_cards]

Turns come in scripted conversations built from the store's own categories, brands and prices (so the
right answers exist): a need, a refinement ("cheaper", "only <brand>", "not that one"), a question about
a shown product and a store-policy question, each a turn the model writes. Conversations run side by
side and their `generate` calls are batched, as in the HTTP server. Outcomes are those the engine
records per turn: passed (the model's words passed the check), repaired, or replaced by a reply built
from the facts. First-token and full-reply times come from separate streamed turns run one at a time.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from assistant.chat.engine import ChatReply
from assistant.demo_store import generate_demo_store
from assistant.llm.batching import install_batching
from assistant.shop import Shop

NEEDS = ["I need {leaf} under ${cap}", "a gift for someone who likes {leaf}", "{brand} {leaf}",
         "something from {brand} around ${cap}", "best rated {leaf}"]
REFINEMENTS = ["cheaper", "only {brand}", "not that one", "something better rated"]
QUESTIONS = ["is the first one good quality?", "do people say the second one is worth it?",
             "what do reviewers say about the first one?", "is the first one easy to use?"]
POLICIES = ["what is your return policy?", "how long does shipping take?", "is there a warranty?"]


def conversations(shop: Shop, n: int, seed: int = 0) -> list[list[str]]:
    """`n` four-turn scripts; "{brand}" in a refinement is filled with a brand shown in the reply before."""
    rng = np.random.default_rng(seed)
    products = list(shop.catalog.iter_products())
    scripts = []
    for _ in range(n):
        p = products[int(rng.integers(len(products)))]
        leaf = (p.category[-1] if p.category else p.title.split()[0]).lower()
        need = str(rng.choice(NEEDS)).format(leaf=leaf, brand=p.brand or "any brand", cap=int((p.price or 50) * 1.2) + 1)
        scripts.append([need, str(rng.choice(REFINEMENTS)), str(rng.choice(QUESTIONS)), str(rng.choice(POLICIES))])
    return scripts


def run_conversation(shop: Shop, user: str | None, script: list[str]) -> list[ChatReply]:
    replies: list[ChatReply] = []
    session = None
    for message in script:
        if "{brand}" in message:
            shown = [p["brand"] for p in replies[-1].products if p.get("brand")] if replies else []
            message = message.format(brand=shown[-1]) if shown else "cheaper"
        replies.append(shop.ask(user, message, session))
        session = replies[-1].session
    return replies


def streamed_latency(shop: Shop, users: list, scripts: list[list[str]]) -> dict:
    shop.ask(users[0], scripts[0][0])  # warm: the encoder, index, ranker and model loaded, not timed
    first, full = [], []
    for i, script in enumerate(scripts):
        started = time.perf_counter()
        first_at = None
        for piece in shop.ask_stream(users[i % len(users)], script[0]):
            if first_at is None and isinstance(piece, str) and piece.strip():
                first_at = time.perf_counter() - started
        full.append(time.perf_counter() - started)
        first.append(first_at if first_at is not None else full[-1])
    return {"turns": len(scripts),
            "first_token_s": {"p50": round(float(np.median(first)), 2), "p95": round(float(np.percentile(first, 95)), 2)},
            "full_reply_s": {"p50": round(float(np.median(full)), 2), "p95": round(float(np.percentile(full, 95)), 2)}}


def run_store(shop: Shop, turns: int, concurrency: int, latency_turns: int) -> dict:
    users = [u.id for u in shop.events.iter_users()][:50] or [None]
    scripts = conversations(shop, max(1, turns // 4))
    result = {"latency": streamed_latency(shop, users, conversations(shop, latency_turns, seed=1))}
    batcher = install_batching(shop, concurrency)  # as the HTTP server does; streamed turns pass through it
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        done = list(pool.map(lambda i: run_conversation(shop, users[i % len(users)], scripts[i]), range(len(scripts))))
    seconds = time.perf_counter() - started
    outcomes: Counter = Counter()
    by_intent: dict[str, Counter] = defaultdict(Counter)
    violations: Counter = Counter()
    failures = []
    for reply in (r for conversation in done for r in conversation):
        outcome = reply.checks.get("outcome", "unknown")
        outcomes[outcome] += 1
        by_intent[reply.intent][outcome] += 1
        violations.update(v.split(":")[0] for v in reply.checks.get("violations", []))
        if outcome in ("repaired", "replaced") and len(failures) < 12:
            failures.append({"intent": reply.intent, "violations": reply.checks.get("violations", []),
                             "reply": reply.reply[:400]})
    written = sum(n for o, n in outcomes.items() if o != "template")  # turns whose words came from the model
    result.update({"turns": sum(outcomes.values()), "model_written_turns": written, "outcomes": dict(outcomes),
                   "pass_rate": round(outcomes["passed"] / written, 3) if written else None,
                   "by_intent": {k: dict(v) for k, v in by_intent.items()},
                   "violation_kinds": dict(violations.most_common()),
                   "batched_seconds": round(seconds, 1), "turns_per_minute": round(60 * written / seconds, 2),
                   "mean_batch": round(float(np.mean(batcher.batches)), 2) if batcher.batches else None,
                   "failure_examples": failures})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default", help="default, fast, test, or a Hugging Face id / path")
    parser.add_argument("--turns", type=int, default=200, help="turns per store, in four-turn conversations")
    parser.add_argument("--concurrency", type=int, default=8, help="conversations at once (the batch size)")
    parser.add_argument("--latency-turns", type=int, default=5, help="streamed turns, one at a time, for timing")
    parser.add_argument("--gift-cards", help="folder of the Amazon 2018 Gift Cards data")
    parser.add_argument("--demo-products", type=int, default=1000)
    parser.add_argument("--out", default="bench/results/chat_quality.json")
    args = parser.parse_args()
    results = {"model": args.model, "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
               "command": "python bench/chat_quality.py " + " ".join(
                   f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v is not None and k != "out"),
               "stores": {}}
    with tempfile.TemporaryDirectory() as tmp:
        src = generate_demo_store(Path(tmp) / "src", products=args.demo_products, users=300)
        shop = Shop.open(Path(tmp) / "demo", llm=args.model)
        shop.ingest(catalog=src.products, reviews=src.reviews, events=src.events, users=src.users)
        shop.build_index()
        shop.train()
        results["stores"]["demo"] = run_store(shop, args.turns, args.concurrency, args.latency_turns)
        print(json.dumps(results["stores"]["demo"], indent=1), flush=True)
        if args.gift_cards:
            folder = Path(args.gift_cards)
            gift = Shop.open(Path(tmp) / "gift", llm=args.model)
            gift.ingest(catalog=folder / "meta_Gift_Cards.json.gz", reviews=folder / "Gift_Cards_5.json.gz")
            gift.build_index()
            gift.train()
            results["stores"]["gift_cards"] = run_store(gift, args.turns, args.concurrency, args.latency_turns)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
