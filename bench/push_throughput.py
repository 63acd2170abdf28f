"""Push copy throughput on this machine: messages per minute and the share that passed every check on
the first try, per model and batch size, over a generated demo store.

    .venv/bin/python bench/push_throughput.py                      # default and fast models, 1/4/8/16
    .venv/bin/python bench/push_throughput.py --models test --batch-sizes 1,8 --messages 16
    .venv/bin/python bench/push_throughput.py --models default --backends ctranslate2,openvino --batch-sizes 8,16
    .venv/bin/python bench/push_throughput.py --models test --batch-sizes 8 --messages 64 \
        --ray-workers 1,2,4 --out bench/results/push_throughput_ray.json

Each (model, batch size) writes `--messages` messages (at least one full batch) as a dry run of the
campaign (nothing recorded), after the model is loaded once per model; load time is reported apart.
With `--ray-workers`, the same dry run is then written by a pool of that many Ray actors at each batch
size, and each Ray row gives its ratio to the local run of the same model and batch size (the peer in
this run). A Ray row's seconds include starting the actors and loading the model in each, as every
real run pays them; Ray itself is started once, before any timing. Each row records the load average
before and after it (other work shares the machine). Results go to bench/results/push_throughput.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.demo_store import generate_demo_store  # noqa: E402
from assistant.shop import Shop  # noqa: E402

DEFAULT_CAMPAIGN = ROOT / "examples" / "campaigns" / "winter-outdoor.toml"
SEND_AT = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


def demo_shop(home: Path, seed: int, products: int, users: int, llm: str) -> Shop:
    source = generate_demo_store(home / "source", seed=seed, products=products, users=users)
    shop = Shop.open(home, llm=llm)
    shop.ingest(catalog=source.products, reviews=source.reviews, events=source.events, users=source.users)
    shop.train()
    return shop


RUNS: list[dict] = []


def row(
    model: str, generator: str, engine: str, workers: int, size: int, summary, load_before: float, **extra
) -> dict:
    """One measured run, printed as it ends and kept for the JSON."""
    data = {
        "model": model,
        "generator": generator,
        "engine": engine,
        "workers": workers,
        "batch_size": size,
        "messages": summary.written,
        "seconds": summary.seconds,
        "messages_per_min": round(summary.messages_per_minute, 2),
        "first_try_pct": summary.to_dict()["first_try_pct"],
        "fallbacks": summary.fallbacks,
        "skipped": summary.skipped,
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        **extra,
    }
    RUNS.append(data)
    print(json.dumps(data), flush=True)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", default="default,fast", help="comma-separated settings.llm values")
    parser.add_argument(
        "--backends",
        default="",
        help="comma-separated local backends to compare (ctranslate2,openvino); each row of a later backend "
        "gives its ratio to the first at the same model and batch size (default: the configured one)",
    )
    parser.add_argument("--batch-sizes", default="1,4,8,16")
    parser.add_argument(
        "--messages", type=int, default=16, help="messages per (model, batch size), at least one batch"
    )
    parser.add_argument("--campaign", default=str(DEFAULT_CAMPAIGN))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--products", type=int, default=600)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument(
        "--ray-workers", default="", help="comma-separated Ray pool sizes, e.g. 1,2,4 (none: local only)"
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "push_throughput.json"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.batch_sizes.split(",")]
    pools = [int(w) for w in args.ray_workers.split(",") if w]
    if pools:
        import ray

        ray.init(include_dashboard=False, log_to_driver=False)
    with tempfile.TemporaryDirectory() as tmp:
        shop = demo_shop(Path(tmp), args.seed, args.products, args.users, args.models.split(",")[0])
        backends = [b for b in args.backends.split(",") if b] or [None]
        for model, backend in [(m, b) for m in args.models.split(",") for b in backends]:
            chosen = {"llm_backend": backend} if backend else {}
            model_shop = Shop.open(Path(tmp), llm=model, **chosen)
            started = time.monotonic()
            generator = model_shop.generator
            load_s = time.monotonic() - started
            for size in sizes:
                count = max(args.messages, size)
                load_before = os.getloadavg()[0]
                summary = model_shop.push(
                    args.campaign,
                    dry_run=True,
                    limit=count,
                    batch_size=size,
                    now=SEND_AT,
                    generator=generator,
                )
                peer = next(
                    (
                        r
                        for r in RUNS
                        if r["model"] == model and r["batch_size"] == size and r["engine"] == "local"
                    ),
                    None,
                )
                row(
                    model,
                    getattr(generator, "name", model),
                    "local",
                    1,
                    size,
                    summary,
                    load_before,
                    load_s=round(load_s, 1),
                    backend=model_shop.settings.llm_backend,
                    **(
                        {
                            "vs_first_backend": round(
                                summary.messages_per_minute / max(peer["messages_per_min"], 1e-9), 2
                            )
                        }
                        if peer
                        else {}
                    ),
                )
                for workers in pools:
                    load_before = os.getloadavg()[0]
                    pooled = model_shop.push(
                        args.campaign,
                        dry_run=True,
                        limit=count,
                        batch_size=size,
                        now=SEND_AT,
                        engine="ray",
                        workers=workers,
                    )
                    row(
                        model,
                        model,
                        "ray",
                        workers,
                        size,
                        pooled,
                        load_before,
                        vs_local=round(
                            pooled.messages_per_minute / max(summary.messages_per_minute, 1e-9), 2
                        ),
                    )
            model_shop.close()
        shop.close()
    result = {
        "bench": "push_throughput",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "campaign": args.campaign,
        "store": {"seed": args.seed, "products": args.products, "users": args.users},
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "runs": RUNS,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
