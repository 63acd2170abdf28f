"""Kill -9 in the middle of `shopmate ingest` and `shopmate index`, then run the same command again:
how long the rerun takes (the time to recover), and what is lost or doubled (must be 0 and 0).

Each scenario also runs the command once on a fresh store without a kill, as the peer: the ratio of
recovery to a clean run says what a kill costs. The machine is shared, so the load average is recorded.

    .venv/bin/python bench/fault_recovery.py --products 20000 --events 50000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENV = {
    **os.environ,
    "SHOPMATE_LLM": "test",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
}


def shopmate(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "assistant.cli", "--home", str(home), *args]


def count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, env=ENV, check=True, capture_output=True)
    return time.perf_counter() - started


def kill_when(cmd: list[str], ready) -> float:
    """Start `cmd`, SIGKILL it once `ready()` holds; returns when (seconds) it was killed."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not ready() and proc.poll() is None:
        time.sleep(0.02)
    if proc.poll() is not None:
        raise RuntimeError(f"{cmd[4]} finished before it could be killed; give it more rows")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return time.perf_counter() - started


def write_files(src: Path, products: int, events: int) -> tuple[Path, Path]:
    src.mkdir(parents=True, exist_ok=True)
    catalog, log = src / "products.jsonl", src / "events.jsonl"
    with open(catalog, "w") as fh:
        for i in range(products):
            fh.write(
                json.dumps(
                    {
                        "id": f"P{i:07d}",
                        "title": f"Product {i} steel kettle",
                        "price": f"{i % 500}.99",
                        "description": f"A kettle, model {i}.",
                    }
                )
                + "\n"
            )
    with open(log, "w") as fh:
        for i in range(events):
            fh.write(
                json.dumps(
                    {
                        "user_id": f"U{i % 997:04d}",
                        "product_id": f"P{i % products:07d}",
                        "kind": "view",
                        "time": 1_700_000_000 + i,
                    }
                )
                + "\n"
            )
    return catalog, log


def ingest_scenario(work: Path, products: int, events: int) -> dict:
    catalog, log = write_files(work / "src", products, events)
    args = ("ingest", "--catalog", str(catalog), "--events", str(log))
    clean = timed(shopmate(work / "clean", *args))
    home = work / "killed"
    db = home / "shopmate.sqlite3"
    killed_at = kill_when(shopmate(home, *args), lambda: count(db, "SELECT COUNT(*) FROM events") > 0)
    before = count(db, "SELECT COUNT(*) FROM events")
    recover = timed(shopmate(home, *args))
    got_p, got_e = count(db, "SELECT COUNT(*) FROM products"), count(db, "SELECT COUNT(*) FROM events")
    return {
        "scenario": "kill -9 during ingest",
        "rows": products + events,
        "killed_after_s": round(killed_at, 2),
        "events_before_rerun": before,
        "clean_run_s": round(clean, 2),
        "recover_s": round(recover, 2),
        "lost": (products - got_p) + (events - got_e),
        "doubled": max(0, got_p - products) + max(0, got_e - events),
    }


def index_scenario(work: Path, products: int) -> dict:
    catalog, _ = write_files(work / "src-index", products, 1)
    for name in ("clean-index", "killed-index"):
        subprocess.run(
            shopmate(work / name, "ingest", "--catalog", str(catalog)),
            cwd=REPO,
            env=ENV,
            check=True,
            capture_output=True,
        )
    clean = timed(shopmate(work / "clean-index", "index"))
    home = work / "killed-index"
    chroma = home / "chroma" / "chroma.sqlite3"
    killed_at = kill_when(
        shopmate(home, "index"), lambda: count(chroma, "SELECT COUNT(*) FROM embeddings") > 0
    )
    recover = timed(shopmate(home, "index"))
    sys.path.insert(0, str(REPO))
    from assistant.shop import Shop

    shop = Shop.open(home, llm="test")
    try:
        ids = shop.index.ids()
        wanted = {p.id for p in shop.catalog.iter_products()}
    finally:
        shop.close()
    return {
        "scenario": "kill -9 during index",
        "rows": products,
        "killed_after_s": round(killed_at, 2),
        "clean_run_s": round(clean, 2),
        "recover_s": round(recover, 2),
        "lost": len(wanted - set(ids)),
        "doubled": len(ids) - len(set(ids)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--index-products", type=int, default=2_000)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "fault_recovery.json"))
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results = [
            ingest_scenario(work, args.products, args.events),
            index_scenario(work, args.index_products),
        ]
    report = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
            "note": "measured on a shared machine beside other work",
        },
        "results": results,
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    for r in results:
        print(
            f"{r['scenario']:<24} rows {r['rows']:>7}  clean {r['clean_run_s']:>6.1f} s  recover "
            f"{r['recover_s']:>6.1f} s  lost {r['lost']}  doubled {r['doubled']}"
        )


if __name__ == "__main__":
    main()
