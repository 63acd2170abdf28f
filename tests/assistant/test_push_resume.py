"""A real `shopmate push` process killed with SIGKILL halfway, then run again: every selected user
ends with exactly one message for their variant, none twice, and the outbox matches the ledger."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from ranking.records import Event, User
from tests.assistant.push_store import NOW, T, build_push_store, write_campaign

ROOT = Path(__file__).resolve().parents[2]
EXTRA_USERS = 24


def ledger_rows(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute(
                "SELECT user_id, variant FROM push_messages WHERE campaign = 'boots'"
            ).fetchall()
        except sqlite3.OperationalError:
            return []


def outbox_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    text = path.read_text()
    complete = text[: text.rfind("\n") + 1] if "\n" in text else ""
    return [json.loads(line) for line in complete.splitlines()]


def push_command(home: Path, campaign: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "assistant.cli",
        "--home",
        str(home),
        "push",
        str(campaign),
        "--out",
        str(out),
        "--now",
        NOW.isoformat(),
        "--batch-size",
        "2",
        "--json",
        "--generator",
        "tests.assistant.push_fakes:slow_generator",
    ]


def test_kill_9_halfway_then_rerun_gives_exactly_one_message_per_user_and_variant(tmp_path):
    home = tmp_path / "home"
    shop = build_push_store(home)
    extra = [User(id=f"X{i:03d}", name=f"Shopper{i}", marketing_opt_in=True) for i in range(EXTRA_USERS)]
    shop.events.upsert_users(extra)
    shop.events.add_events([Event(u.id, "P1", "view", T - 86400) for u in extra])
    shop.close()
    campaign, out, db = write_campaign(tmp_path), tmp_path / "outbox.jsonl", home / "shopmate.sqlite3"
    env = {
        **os.environ,
        "PUSH_FAKE_DELAY_S": "0.15",
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    expected = 6 + EXTRA_USERS  # all but the opted-out Sam and Nora (bought it all), and every extra shopper

    proc = subprocess.Popen(
        push_command(home, campaign, out), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while len(ledger_rows(db)) < expected // 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, (
        "the run ended before it could be killed: " + proc.stderr.read().decode()[-2000:]
    )
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    cut = ledger_rows(db)
    assert 0 < len(cut) < expected
    assert len(cut) == len(set(cut))
    # A kill never leaves an outbox line without its ledger row.
    assert {(line["user"], line["variant"]) for line in outbox_lines(out)} <= set(cut)

    done = subprocess.run(
        push_command(home, campaign, out), cwd=ROOT, env=env, capture_output=True, timeout=180
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    summary = json.loads(done.stdout)
    assert summary["already_done"] == len(set(u for u, _ in cut)) and summary["written"] == expected - len(
        cut
    )

    rows = ledger_rows(db)
    lines = outbox_lines(out)
    keys = [(line["user"], line["variant"]) for line in lines]
    assert len(rows) == len(set(rows)) == expected
    assert sorted(keys) == sorted(rows) and len(set(keys)) == len(keys)
    assert len({u for u, _ in rows}) == expected  # one variant per user: the A/B split is stable across runs
    assert out.read_text().endswith("\n")
