"""What a conversation sent as history costs (POST /v1/chat/completions, assistant/chat/threads.py).

Against the peer in the same run, one whole chat turn on a session (Shop.ask with a session id), it
times finding the session of a history the store answered (a hash lookup) and rebuilding one that came
from elsewhere (its last k shopper messages run again without the model). Writes
bench/results/chat_history.json.

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
    """Seconds to find a conversation's session (answered: a lookup; foreign: rebuilt from k shopper
    messages), next to the peer, one whole turn with the model on an existing session."""
    from assistant.chat.threads import Said

    user = "U00001"
    shop.ask(user, NEEDS[0])  # load the model and the index before timing
    times: dict[str, list[float]] = {"turn_with_session_id": [], "find_answered_history": []}
    times.update({f"rebuild_{k}_shopper_messages": [] for k in (1, 4, 8)})
    for i in range(rounds):
        need = NEEDS[i % len(NEEDS)]
        answered = shop.ask_with_history(user, [], need)
        seconds, _ = _timed(lambda answered=answered: shop.ask(user, FOLLOW_UP, answered.session))
        times["turn_with_session_id"].append(seconds)
        history = [Said("user", need), Said("assistant", answered.reply)]
        seconds, found = _timed(lambda history=history: shop.threads.session_for(user, history))
        assert found == answered.session, "the answered history did not find its session"
        times["find_answered_history"].append(seconds)
        for k in (1, 4, 8):
            foreign = [
                s for text in NEEDS[i:] + NEEDS[:i] for s in (Said("user", text), Said("assistant", "ok"))
            ]
            seconds, _ = _timed(lambda foreign=foreign, k=k: shop.threads.session_for(user, foreign[: 2 * k]))
            times[f"rebuild_{k}_shopper_messages"].append(seconds)
    peer = statistics.median(times["turn_with_session_id"])
    return {
        name: {
            "median_s": round(statistics.median(v), 4),
            "runs": len(v),
            "ratio_to_turn": round(statistics.median(v) / peer, 3),
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
