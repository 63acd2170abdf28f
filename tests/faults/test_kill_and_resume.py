"""Real `shopmate` processes killed with SIGKILL mid-ingest and mid-index, then run again; and two push
runs of one campaign at once. After each: nothing lost, nothing doubled."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.assistant.push_store import T, build_push_store, write_campaign
from tests.assistant.test_push_resume import EXTRA_USERS, ledger_rows, outbox_lines, push_command

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
N_PRODUCTS, N_EVENTS = 8_000, 20_000


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "SHOPMATE_LLM": "test",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }


def _shopmate(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "assistant.cli", "--home", str(home), *args]


def _count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # the table is not made yet
        return 0


def _kill_when(proc: subprocess.Popen, ready, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "finished before it could be killed: " + proc.stderr.read().decode()[-2000:]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _write_store_files(src: Path) -> tuple[Path, Path]:
    src.mkdir()
    catalog, events = src / "products.jsonl", src / "events.jsonl"
    with open(catalog, "w") as fh:
        for i in range(N_PRODUCTS):
            fh.write(
                json.dumps({"id": f"P{i:06d}", "title": f"Product {i}", "price": f"{i % 500}.99"}) + "\n"
            )
    with open(events, "w") as fh:
        for i in range(N_EVENTS):
            fh.write(
                json.dumps(
                    {
                        "user_id": f"U{i % 997:04d}",
                        "product_id": f"P{i % N_PRODUCTS:06d}",
                        "kind": "view",
                        "time": 1_700_000_000 + i,
                    }
                )
                + "\n"
            )
    return catalog, events


def test_ingest_killed_mid_file_then_rerun_has_every_row_once(tmp_path):
    catalog, events = _write_store_files(tmp_path / "src")
    home, db = tmp_path / "home", tmp_path / "home" / "shopmate.sqlite3"
    cmd = _shopmate(home, "ingest", "--catalog", str(catalog), "--events", str(events))
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _kill_when(proc, lambda: _count(db, "SELECT COUNT(*) FROM events") > 0)
    assert _count(db, "SELECT COUNT(*) FROM events") < N_EVENTS
    done = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert _count(db, "SELECT COUNT(*) FROM products") == N_PRODUCTS
    assert _count(db, "SELECT COUNT(DISTINCT id) FROM products") == N_PRODUCTS
    assert _count(db, "SELECT COUNT(*) FROM events") == N_EVENTS


def test_index_killed_mid_sync_then_rerun_equals_the_catalog(tmp_path, demo_source):
    home = tmp_path / "home"
    subprocess.run(
        _shopmate(
            home, "ingest", "--catalog", str(demo_source.products), "--reviews", str(demo_source.reviews)
        ),
        cwd=ROOT,
        env=_env(),
        check=True,
        capture_output=True,
        timeout=600,
    )
    chroma_db = home / "chroma" / "chroma.sqlite3"
    proc = subprocess.Popen(
        _shopmate(home, "index"), cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _kill_when(proc, lambda: _count(chroma_db, "SELECT COUNT(*) FROM embeddings") > 0, seconds=300)
    done = subprocess.run(
        _shopmate(home, "index", "--json"), cwd=ROOT, env=_env(), capture_output=True, timeout=600
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    from assistant.shop import Shop

    shop = Shop.open(home, llm="test")
    try:
        ids = shop.index.ids()
        wanted = {p.id for p in shop.catalog.iter_products()}
        assert len(ids) == len(set(ids)) and set(ids) == wanted
        assert shop.index.is_current()
    finally:
        shop.close()


def test_two_push_runs_of_one_campaign_at_once_write_each_message_once(tmp_path):
    from ranking.records import Event, User

    home = tmp_path / "home"
    shop = build_push_store(home)
    extra = [User(id=f"X{i:03d}", name=f"Shopper{i}", marketing_opt_in=True) for i in range(EXTRA_USERS)]
    shop.events.upsert_users(extra)
    shop.events.add_events([Event(u.id, "P1", "view", T - 86400) for u in extra])
    shop.close()
    campaign, db = write_campaign(tmp_path), home / "shopmate.sqlite3"
    env = {**_env(), "PUSH_FAKE_DELAY_S": "0.05"}
    outs = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    procs = [
        subprocess.Popen(
            push_command(home, campaign, out),
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for out in outs
    ]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err.decode()[-3000:]
    rows = ledger_rows(db)
    expected = 6 + EXTRA_USERS
    assert len(rows) == len(set(rows)) == expected
    assert len({u for u, _ in rows}) == expected
    written = [json.loads(r[0])["written"] for r in results]
    assert sum(written) == expected, written
    for out in outs:  # each outbox is rewritten from the ledger: complete, and each message once
        keys = [(line["user"], line["variant"]) for line in outbox_lines(out)]
        assert len(keys) == len(set(keys))
        assert set(keys) <= set(rows)
