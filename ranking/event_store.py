"""Users and their behaviour events in the store: idempotent writes and typed reads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator

from ranking.records import Event, User
from retrieval.catalog_store import UpsertCounts
from retrieval.db import Database

MIGRATIONS = [
    """
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        locale TEXT NOT NULL DEFAULT 'en',
        marketing_opt_in INTEGER NOT NULL DEFAULT 0,
        timezone TEXT NOT NULL DEFAULT 'UTC',
        quiet_hours TEXT,
        created_seq INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('view','click','cart','purchase','rate','dismiss')),
        value REAL,
        time INTEGER NOT NULL,
        session TEXT
    );
    CREATE INDEX events_user ON events(user_id, time);
    CREATE INDEX events_product ON events(product_id)
    """,
]

EVENTS_VERSION_KEY = "events_version"


def event_id(e: Event) -> str:
    """Same event, same id: loading a file twice adds nothing."""
    key = json.dumps([e.user_id, e.product_id, e.kind, e.time, e.value, e.session])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _row_to_user(row) -> User:
    quiet = json.loads(row["quiet_hours"]) if row["quiet_hours"] else None
    return User(
        id=row["id"],
        name=row["name"],
        locale=row["locale"],
        marketing_opt_in=bool(row["marketing_opt_in"]),
        timezone=row["timezone"],
        quiet_hours=tuple(quiet) if quiet else None,
    )


def _row_to_event(row) -> Event:
    return Event(
        user_id=row["user_id"],
        product_id=row["product_id"],
        kind=row["kind"],
        time=row["time"],
        value=row["value"],
        session=row["session"],
    )


class EventStore:
    def __init__(self, db: Database):
        self.db = db
        db.migrate("behaviour", MIGRATIONS)

    @property
    def version(self) -> int:
        return int(self.db.get_meta(EVENTS_VERSION_KEY, "0"))

    @property
    def last_seq(self) -> int:
        return self.db.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]

    # -- writes -------------------------------------------------------------------------------------
    def upsert_users(self, users: Iterable[User]) -> UpsertCounts:
        counts = UpsertCounts()
        with self.db.transaction() as conn:
            for u in users:
                values = (
                    u.name,
                    u.locale,
                    int(u.marketing_opt_in),
                    u.timezone,
                    json.dumps(list(u.quiet_hours)) if u.quiet_hours else None,
                )
                row = conn.execute(
                    "SELECT name, locale, marketing_opt_in, timezone, quiet_hours FROM users WHERE id = ?",
                    (u.id,),
                ).fetchone()
                if row is None:
                    conn.execute(
                        "INSERT INTO users (name, locale, marketing_opt_in, timezone, quiet_hours, id)"
                        " VALUES (?,?,?,?,?,?)",
                        (*values, u.id),
                    )
                    counts.inserted += 1
                elif tuple(row) == values:
                    counts.unchanged += 1
                else:
                    conn.execute(
                        "UPDATE users SET name=?, locale=?, marketing_opt_in=?, timezone=?, quiet_hours=?"
                        " WHERE id=?",
                        (*values, u.id),
                    )
                    counts.updated += 1
        return counts

    def ensure_users(self, user_ids: Iterable[str], names: dict[str, str] | None = None) -> int:
        """Create bare users (not opted in to marketing) for ids seen in events or reviews."""
        names = names or {}
        with self.db.transaction() as conn:
            return sum(
                conn.execute(
                    "INSERT OR IGNORE INTO users (id, name) VALUES (?, ?)", (uid, names.get(uid, ""))
                ).rowcount
                for uid in set(user_ids)
            )

    def add_events(self, events: Iterable[Event]) -> UpsertCounts:
        counts = UpsertCounts()
        with self.db.transaction() as conn:
            for e in events:
                cur = conn.execute(
                    "INSERT OR IGNORE INTO events (id, user_id, product_id, kind, value, time, session)"
                    " VALUES (?,?,?,?,?,?,?)",
                    (event_id(e), e.user_id, e.product_id, e.kind, e.value, e.time, e.session),
                )
                if cur.rowcount:
                    counts.inserted += 1
                else:
                    counts.unchanged += 1
            if counts.inserted:
                self.db.bump_version(EVENTS_VERSION_KEY)
        return counts

    def erase_user(self, user_id: str) -> dict[str, int]:
        """Right to be forgotten: the user's events and the user row go."""
        with self.db.transaction() as conn:
            events = conn.execute("DELETE FROM events WHERE user_id = ?", (user_id,)).rowcount
            users = conn.execute("DELETE FROM users WHERE id = ?", (user_id,)).rowcount
            if events:
                self.db.bump_version(EVENTS_VERSION_KEY)
        return {"events": events, "users": users}

    # -- reads --------------------------------------------------------------------------------------
    def count_users(self) -> int:
        return self.db.conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]

    def count_events(self) -> int:
        return self.db.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    def get_user(self, user_id: str) -> User | None:
        row = self.db.conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return _row_to_user(row) if row else None

    def iter_users(self, batch_size: int = 1000) -> Iterator[User]:
        cursor = self.db.conn.execute("SELECT * FROM users ORDER BY id")
        while rows := cursor.fetchmany(batch_size):
            yield from (_row_to_user(r) for r in rows)

    def events_for(self, user_id: str, since_time: int | None = None) -> list[Event]:
        rows = self.db.conn.execute(
            "SELECT * FROM events WHERE user_id = ? AND time >= ? ORDER BY time, seq",
            (user_id, since_time or 0),
        )
        return [_row_to_event(r) for r in rows]

    def iter_events(self, after_seq: int = 0, batch_size: int = 5000) -> Iterator[tuple[int, Event]]:
        """Events in arrival order with their sequence numbers (for incremental profile updates)."""
        cursor = self.db.conn.execute("SELECT * FROM events WHERE seq > ? ORDER BY seq", (after_seq,))
        while rows := cursor.fetchmany(batch_size):
            yield from ((r["seq"], _row_to_event(r)) for r in rows)
