"""Load test of the HTTP API from a second process, on loopback only.

Starts `shopmate serve` on a free 127.0.0.1 port over a store (a small generated demo store unless
--home names one), creates an API key with `shopmate keys create`, then drives it with N concurrent
clients: first a search + recommend mix, then a chat mix with the chosen model. Prints and writes
requests/s, p50/p95/p99 latency and errors (which must be none) per phase and per operation.

    .venv/bin/python bench/api_load.py --clients 20 --duration 60 --chat-duration 60 --llm test
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
QUERIES = [
    "hiking boots",
    "wireless headphones",
    "a gift for a runner",
    "rain jacket",
    "coffee grinder",
    "running shoes under $80",
    "noise cancelling",
    "warm winter jacket",
    "yoga mat",
    "kitchen knife",
]
CHATS = [
    "I need hiking boots under $120",
    "a gift for a runner under $50",
    "something for coffee lovers",
    "wireless headphones for the gym",
    "a warm jacket for winter",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _shopmate(home: Path, *args: str, env: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "--home", str(home), *args],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _prepare_store(home: Path, products: int, users: int) -> None:
    from assistant.demo_store import generate_demo_store
    from assistant.shop import Shop

    source = generate_demo_store(home / "demo-source", seed=7, products=products, users=users)
    shop = Shop.open(home)
    shop.ingest(catalog=source.products, reviews=source.reviews, events=source.events, users=source.users)
    for step in ("build_index", "train"):
        if hasattr(shop, step):
            getattr(shop, step)()
    shop.close()


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def _summary(samples: list[tuple[str, float, int]], seconds: float) -> dict:
    def stats(rows):
        latencies = [lat for _, lat, _ in rows]
        errors = sum(1 for _, _, status in rows if not 200 <= status < 300)
        return {
            "requests": len(rows),
            "requests_per_s": round(len(rows) / seconds, 2),
            "errors": errors,
            "p50_ms": round(_percentile(latencies, 50) * 1000, 1),
            "p95_ms": round(_percentile(latencies, 95) * 1000, 1),
            "p99_ms": round(_percentile(latencies, 99) * 1000, 1),
        }

    by_op = defaultdict(list)
    for row in samples:
        by_op[row[0]].append(row)
    statuses = defaultdict(int)
    for _, _, status in samples:
        statuses[str(status)] += 1
    return {
        "seconds": round(seconds, 1),
        **stats(samples),
        "statuses": dict(statuses),
        "operations": {op: stats(rows) for op, rows in sorted(by_op.items())},
    }


async def _client(
    http: httpx.AsyncClient,
    mix: list[tuple[str, float]],
    users: list[str],
    deadline: float,
    samples: list,
    rng: random.Random,
) -> None:
    ops, weights = zip(*mix, strict=True)
    sessions: dict[str, str] = {}
    while time.monotonic() < deadline:
        op = rng.choices(ops, weights)[0]
        user = rng.choice(users)
        started = time.perf_counter()
        try:
            if op == "search":
                response = await http.post("/v1/search", json={"query": rng.choice(QUERIES), "k": 10})
            elif op == "search_for_user":
                response = await http.post(
                    "/v1/search", json={"query": rng.choice(QUERIES), "k": 10, "user_id": user}
                )
            elif op == "recommend":
                response = await http.get(f"/v1/users/{user}/recommendations", params={"k": 10})
            else:
                body = {"user_id": user, "message": rng.choice(CHATS)}
                if user in sessions:
                    body["session_id"] = sessions[user]
                response = await http.post("/v1/chat", json=body)
                if response.status_code == 200:
                    sessions[user] = response.json()["session"]
            status = response.status_code
        except httpx.HTTPError:
            status = 0
        samples.append((op, time.perf_counter() - started, status))


async def _phase(url: str, key: str, mix, users, clients: int, seconds: float, seed: int) -> dict:
    samples: list = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=300, limits=limits
    ) as http:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *[_client(http, mix, users, deadline, samples, random.Random(seed + i)) for i in range(clients)]
        )
        elapsed = time.monotonic() - started
    return _summary(samples, elapsed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--home", type=Path, help="an existing store (default: a generated demo store in a temp dir)"
    )
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60, help="seconds of the search + recommend phase")
    parser.add_argument(
        "--chat-clients", type=int, default=None, help="clients in the chat phase (default: --clients)"
    )
    parser.add_argument(
        "--chat-duration", type=float, default=60, help="seconds of the chat phase (0: skip it)"
    )
    parser.add_argument("--llm", default="test", help="the model the server chats with (default: test)")
    parser.add_argument("--workers", type=int, default=4, help="the server's generation workers")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "api_load.json")
    args = parser.parse_args(argv)

    env = {
        **os.environ,
        "SHOPMATE_LLM": args.llm,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    os.environ.update({k: env[k] for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "ANONYMIZED_TELEMETRY")})
    tmp = None
    home = args.home
    if home is None:
        tmp = tempfile.TemporaryDirectory(prefix="shopmate-bench-")
        home = Path(tmp.name)
        print(
            f"generating a demo store ({args.products} products, {args.users} users) in {home} ...",
            flush=True,
        )
        _prepare_store(home, args.products, args.users)
    key = (
        _shopmate(
            home,
            "keys",
            "create",
            "--scope",
            "read",
            "--scope",
            "chat",
            "--name",
            "bench",
            "--rate",
            "1000000",
            env=env,
        )
        .strip()
        .splitlines()[-1]
    )
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(home / "bench-server.log", "ab")  # noqa: SIM115 (held open for the server's lifetime)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "--home",
            str(home),
            "serve",
            "--port",
            str(port),
            "--no-ui",
            "--workers",
            str(args.workers),
            "--generation-timeout",
            "300",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                health = httpx.get(f"{url}/healthz", timeout=2).json()
                if all(health["ready"].values()):
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not come up; see {home / 'bench-server.log'}")
            time.sleep(0.5)
        import sqlite3

        with sqlite3.connect(home / "shopmate.sqlite3") as conn:
            users = [
                r[0] for r in conn.execute("SELECT DISTINCT user_id FROM events ORDER BY user_id LIMIT 200")
            ]
        results = {
            "command": " ".join([Path(sys.executable).name, "bench/api_load.py", *(argv or sys.argv[1:])]),
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
            },
            "store": {
                "home": str(home) if args.home else "generated",
                "products": args.products,
                "users": args.users,
            },
            "server": {"url": url, "generation_workers": args.workers, "llm": args.llm},
            "phases": {},
        }
        print(f"phase 1: {args.clients} clients, search + recommend, {args.duration:g} s ...", flush=True)
        read_mix = [("search", 0.4), ("search_for_user", 0.2), ("recommend", 0.4)]
        results["phases"]["search_recommend"] = {
            "clients": args.clients,
            "mix": dict(read_mix),
            **asyncio.run(_phase(url, key, read_mix, users, args.clients, args.duration, seed=1)),
        }
        if args.chat_duration > 0:
            clients = args.chat_clients or args.clients
            print(
                f"phase 2: {clients} clients, chat mix with the {args.llm} model, {args.chat_duration:g} s ...",
                flush=True,
            )
            chat_mix = [("chat", 0.5), ("search", 0.25), ("recommend", 0.25)]
            results["phases"]["chat_mix"] = {
                "clients": clients,
                "mix": dict(chat_mix),
                **asyncio.run(_phase(url, key, chat_mix, users, clients, args.chat_duration, seed=2)),
            }
        results["server_metrics_sample"] = [
            line
            for line in httpx.get(f"{url}/metrics").text.splitlines()
            if line.startswith(("shopmate_generation", "shopmate_api_rate"))
        ]
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if tmp:
            tmp.cleanup()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    for name, phase in results["phases"].items():
        print(
            f"{name:<17} {phase['requests_per_s']:>8.1f} req/s  p50 {phase['p50_ms']:>7.1f} ms  "
            f"p95 {phase['p95_ms']:>7.1f} ms  p99 {phase['p99_ms']:>7.1f} ms  errors {phase['errors']}"
        )
        for op, s in phase["operations"].items():
            print(
                f"  {op:<15} {s['requests_per_s']:>8.1f} req/s  p50 {s['p50_ms']:>7.1f} ms  p95 {s['p95_ms']:>7.1f} ms"
                f"  p99 {s['p99_ms']:>7.1f} ms  errors {s['errors']}"
            )
    print(f"wrote {args.out}")
    return 1 if any(p["errors"] for p in results["phases"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
