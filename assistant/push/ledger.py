"""The push ledger: which user got which message of which campaign, in the store's SQLite database.

The ledger is the truth and the outbox file is derived from it: a batch of messages is committed in
one transaction, and only then are its lines appended to the outbox; every run starts and ends by
rewriting the outbox from the ledger (write, fsync, rename). A kill at any moment therefore never
leaves an outbox line without a ledger row, and the next run restores any line the kill cut off.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.push.records import PushMessage
from retrieval.db import Database

MIGRATIONS = [
    """
    CREATE TABLE push_campaigns (
        id TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        path TEXT NOT NULL DEFAULT '',
        started_at INTEGER NOT NULL,
        finished_at INTEGER
    );
    CREATE TABLE push_messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        campaign TEXT NOT NULL,
        user_id TEXT NOT NULL,
        variant TEXT NOT NULL,
        segment TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL,
        send_at INTEGER NOT NULL,
        fallback TEXT,
        first_try INTEGER NOT NULL DEFAULT 0,
        line TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (campaign, user_id, variant)
    );
    CREATE INDEX push_messages_user ON push_messages(user_id, send_at);
    CREATE INDEX push_messages_body ON push_messages(campaign, segment, body);
    CREATE TABLE push_skips (
        campaign TEXT NOT NULL,
        user_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (campaign, user_id)
    )
    """,
]


class CampaignChanged(RuntimeError):
    """The campaign file changed since its messages were written."""


@dataclass(frozen=True, slots=True)
class Skip:
    """A selected user who gets no message this run, and why (opted out, quiet hours, ...)."""

    campaign: str
    user: str
    reason: str


class PushLedger:
    def __init__(self, db: Database):
        self.db = db
        db.migrate("push", MIGRATIONS)

    # -- campaigns ----------------------------------------------------------------------------------
    def start(self, campaign_id: str, fingerprint: str, path: str, force: bool = False) -> int:
        """Begin or resume a run; returns how many messages the campaign already has.

        A rerun of a changed campaign file is refused (its messages would mix two versions) unless
        `force`, which deletes the campaign's messages so they are written again.
        """
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT fingerprint FROM push_campaigns WHERE id = ?", (campaign_id,)
            ).fetchone()
            if force:
                conn.execute("DELETE FROM push_messages WHERE campaign = ?", (campaign_id,))
                conn.execute("DELETE FROM push_skips WHERE campaign = ?", (campaign_id,))
            elif row is not None and row["fingerprint"] != fingerprint and self.count(campaign_id):
                raise CampaignChanged(
                    f"{path}: campaign {campaign_id!r} changed since its {self.count(campaign_id)} messages were "
                    "written; run again with --force to regenerate them all, or give the new version another id"
                )
            conn.execute(
                "INSERT INTO push_campaigns (id, fingerprint, path, started_at) VALUES (?,?,?,?) "
                "ON CONFLICT(id) DO UPDATE SET fingerprint = excluded.fingerprint, path = excluded.path, "
                "started_at = excluded.started_at, finished_at = NULL",
                (campaign_id, fingerprint, path, int(time.time())),
            )
            return self.count(campaign_id)

    def finish(self, campaign_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE push_campaigns SET finished_at = ? WHERE id = ?", (int(time.time()), campaign_id)
            )

    def campaign_info(self, campaign_id: str) -> dict[str, Any] | None:
        row = self.db.conn.execute("SELECT * FROM push_campaigns WHERE id = ?", (campaign_id,)).fetchone()
        return dict(row) if row else None

    # -- messages -----------------------------------------------------------------------------------
    def commit(self, messages: Sequence[PushMessage], skips: Sequence[Skip] = ()) -> list[PushMessage]:
        """Record a batch in one transaction; returns the messages actually added (never a second one)."""
        added = []
        now = int(time.time())
        with self.db.transaction() as conn:
            for m in messages:
                cur = conn.execute(
                    "INSERT INTO push_messages (campaign, user_id, variant, segment, body, send_at, fallback, "
                    "first_try, line, created_at) VALUES (?,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT(campaign, user_id, variant) DO NOTHING",
                    (
                        m.campaign,
                        m.user,
                        m.variant,
                        m.segment,
                        m.body,
                        int(m.send_at.timestamp()),
                        m.fallback,
                        int(bool(m.checks.get("first_try"))),
                        json.dumps(m.to_line(), ensure_ascii=False),
                        now,
                    ),
                )
                if cur.rowcount:
                    added.append(m)
                    conn.execute(
                        "DELETE FROM push_skips WHERE campaign = ? AND user_id = ?", (m.campaign, m.user)
                    )
            for s in skips:
                conn.execute(
                    "INSERT INTO push_skips (campaign, user_id, reason) VALUES (?,?,?) "
                    "ON CONFLICT(campaign, user_id) DO UPDATE SET reason = excluded.reason",
                    (s.campaign, s.user, s.reason),
                )
        return added

    def count(self, campaign_id: str) -> int:
        return self.db.conn.execute(
            "SELECT COUNT(*) FROM push_messages WHERE campaign = ?", (campaign_id,)
        ).fetchone()[0]

    def done_users(self, campaign_id: str) -> set[str]:
        rows = self.db.conn.execute(
            "SELECT DISTINCT user_id FROM push_messages WHERE campaign = ?", (campaign_id,)
        )
        return {r[0] for r in rows}

    def bodies(self, campaign_id: str) -> dict[str, set[str]]:
        taken: dict[str, set[str]] = {}
        for r in self.db.conn.execute(
            "SELECT segment, body FROM push_messages WHERE campaign = ?", (campaign_id,)
        ):
            taken.setdefault(r["segment"], set()).add(r["body"])
        return taken

    def other_sends(self, user_id: str, campaign_id: str) -> list[datetime]:
        rows = self.db.conn.execute(
            "SELECT send_at FROM push_messages WHERE user_id = ? AND campaign != ?", (user_id, campaign_id)
        )
        return [datetime.fromtimestamp(r[0], UTC) for r in rows]

    def lines(self, campaign_id: str) -> Iterator[dict[str, Any]]:
        for r in self.db.conn.execute(
            "SELECT line FROM push_messages WHERE campaign = ? ORDER BY seq", (campaign_id,)
        ):
            yield json.loads(r[0])

    def skips(self, campaign_id: str) -> dict[str, str]:
        rows = self.db.conn.execute(
            "SELECT user_id, reason FROM push_skips WHERE campaign = ?", (campaign_id,)
        )
        return {r[0]: r[1] for r in rows}

    def erase_user(self, user_id: str) -> dict[str, int]:
        with self.db.transaction() as conn:
            messages = conn.execute("DELETE FROM push_messages WHERE user_id = ?", (user_id,)).rowcount
            skips = conn.execute("DELETE FROM push_skips WHERE user_id = ?", (user_id,)).rowcount
        return {"push_messages": messages, "push_skips": skips}

    # -- the outbox file ----------------------------------------------------------------------------
    def write_outbox(self, campaign_id: str, path: str | Path) -> int:
        """Rewrite the outbox from the ledger, atomically (a reader sees the old file or the new one)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        count = 0
        with open(tmp, "w", encoding="utf-8") as fh:
            for line in self.lines(campaign_id):
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
                count += 1
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return count


def append_outbox(path: str | Path, messages: Iterable[PushMessage]) -> None:
    """Append committed messages to the outbox (called only after their ledger transaction)."""
    with open(path, "a", encoding="utf-8") as fh:
        for m in messages:
            fh.write(json.dumps(m.to_line(), ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
