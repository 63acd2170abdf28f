"""What a conversation sent as history costs (POST /v1/chat/completions, assistant/chat/threads.py).

Against the peer in the same run, a plain turn with a session id (Shop.ask), it times a turn whose
history the store answered (found by its hash) and turns whose history came from elsewhere and is
rebuilt (its shopper messages run again without the model). Writes bench/results/chat_history.json.

    .venv/bin/python bench/chat_history.py --rounds 3 --llm test
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's packages, not an installed copy
NEEDS = [
    "I need hiking boots under $120",
    "a gift for a runner under $50",
    "wireless headphones for the gym",
    "a warm jacket for winter",
    "something for coffee lovers",
    "a tent for 4 people",
    "a yoga mat",
    "a rain jacket",
]
FOLLOW_UP = "cheaper"


def _store(home: Path, products: int, users: int, llm: str):
    from assistant.demo_store import generate_demo_store
    from assistant.shop import Shop

    shop = Shop.open(home, llm=llm)
    if shop.counts()["products"] == 0:
        source = generate_demo_store(home / "demo-source", seed=7, products=products, users=users)
        shop.ingest(catalog=source.products, reviews=source.reviews, events=source.events, users=source.users)
        shop.build_index()
        shop.train()
    return shop


def _timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def run(shop, rounds: int) -> dict:
    from assistant.chat.threads import Said

    user = "U00001"
    shop.ask(user, NEEDS[0])  # load the model and the index before timing
    times: dict[str, list[float]] = {"session_id": [], "answered_history": []}
    times.update({f"rebuilt_{k}_turns": [] for k in (1, 4, 8)})
    for i in range(rounds):
        need = NEEDS[i % len(NEEDS)]
        first = shop.ask(user, need)
        seconds, _ = _timed(lambda first=first: shop.ask(user, FOLLOW_UP, first.session))
        times["session_id"].append(seconds)
        answered = shop.ask_with_history(user, [], need)
        history = [Said("user", need), Said("assistant", answered.reply)]
        seconds, _ = _timed(lambda history=history: shop.ask_with_history(user, history, FOLLOW_UP))
        times["answered_history"].append(seconds)
        for k in (1, 4, 8):
            foreign = [
                s for text in NEEDS[i:] + NEEDS[:i] for s in (Said("user", text), Said("assistant", "ok"))
            ]
            seconds, _ = _timed(
                lambda foreign=foreign, k=k: shop.ask_with_history(user, foreign[: 2 * k], FOLLOW_UP)
            )
            times[f"rebuilt_{k}_turns"].append(seconds)
    peer = statistics.median(times["session_id"])
    return {
        name: {
            "median_s": round(statistics.median(v), 3),
            "runs": len(v),
            "ratio_to_session_id": round(statistics.median(v) / peer, 2),
        }
        for name, v in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, help="a store to use (default: a small generated one)")
    parser.add_argument("--products", type=int, default=120)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--llm", default="test")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "chat_history.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        shop = _store(args.home or Path(tmp) / "home", args.products, args.users, args.llm)
        load_before = os.getloadavg()
        results = run(shop, args.rounds)
        shop.close()
    report = {
        "command": " ".join(["bench/chat_history.py", *sys.argv[1:]]),
        "results": results,
        "llm": args.llm,
        "rounds": args.rounds,
        "products": args.products,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
