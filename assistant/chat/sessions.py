"""Conversations kept in the store: a session survives a restart and can be read back by a
customer-service agent taking over."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from retrieval.db import Database

MIGRATIONS = [
    """
    CREATE TABLE chat_sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT,
        created INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX chat_sessions_user ON chat_sessions(user_id);
    CREATE TABLE chat_turns (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        text TEXT NOT NULL,
        intent TEXT,
        language TEXT,
        products TEXT NOT NULL DEFAULT '[]',
        checks TEXT NOT NULL DEFAULT '{}',
        time INTEGER NOT NULL
    );
    CREATE INDEX chat_turns_session ON chat_turns(session_id, seq)
    """,
]


@dataclass(slots=True)
class DialogueState:
    """What the conversation has settled so far; refinements change it, a new need replaces it."""

    need: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    extra_terms: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    language: str = "en"
    pending: list[str] = field(default_factory=list)  # the kinds of product a clarifying question offered
    # The product the last answer was about, when it was one of those shown and not the first ("the third
    # one", the cheapest): what "it" means next. A new list clears it.
    focus: str = ""


@dataclass(frozen=True, slots=True)
class Turn:
    role: str
    text: str
    intent: str | None
    language: str | None
    products: list[dict]
    checks: dict
    time: int

    def to_dict(self) -> dict:
        return asdict(self)


class SessionStore:
    def __init__(self, db: Database):
        self.db = db
        db.migrate("chat", MIGRATIONS)

    def open(self, session_id: str | None, user_id: str | None) -> tuple[str, DialogueState]:
        if session_id:
            row = self.db.conn.execute(
                "SELECT state FROM chat_sessions WHERE id = ?", (session_id,)
            ).fetchone()
            if row is not None:
                return session_id, DialogueState(**json.loads(row["state"]))
        session_id = session_id or uuid.uuid4().hex[:16]
        now = int(time.time())
        self.db.conn.execute(
            "INSERT INTO chat_sessions (id, user_id, created, updated) VALUES (?,?,?,?)",
            (session_id, user_id, now, now),
        )
        return session_id, DialogueState()

    def record(self, session_id: str, state: DialogueState, turns: list[Turn]) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE chat_sessions SET state = ?, updated = ? WHERE id = ?",
                (json.dumps(asdict(state), ensure_ascii=False), int(time.time()), session_id),
            )
            for t in turns:
                conn.execute(
                    "INSERT INTO chat_turns (session_id, role, text, intent, language, products, checks, time)"
                    " VALUES (?,?,?,?,?,?,?,?)",
                    (
                        session_id,
                        t.role,
                        t.text,
                        t.intent,
                        t.language,
                        json.dumps(t.products, ensure_ascii=False),
                        json.dumps(t.checks),
                        t.time,
                    ),
                )

    def transcript(self, session_id: str) -> dict | None:
        row = self.db.conn.execute("SELECT * FROM chat_sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        turns = [
            Turn(
                r["role"],
                r["text"],
                r["intent"],
                r["language"],
                json.loads(r["products"]),
                json.loads(r["checks"]),
                r["time"],
            ).to_dict()
            for r in self.db.conn.execute(
                "SELECT * FROM chat_turns WHERE session_id = ? ORDER BY seq", (session_id,)
            )
        ]
        return {
            "session": session_id,
            "user_id": row["user_id"],
            "created": row["created"],
            "updated": row["updated"],
            "state": json.loads(row["state"]),
            "turns": turns,
        }

    def check_counts(self) -> dict[str, int]:
        """How often replies passed the fact check, were repaired, or were replaced by a template."""
        counts: dict[str, int] = {}
        for row in self.db.conn.execute("SELECT checks FROM chat_turns WHERE role = 'assistant'"):
            outcome = json.loads(row["checks"]).get("outcome", "unknown")
            counts[outcome] = counts.get(outcome, 0) + 1
        return counts

    def erase_user(self, user_id: str) -> int:
        with self.db.transaction() as conn:
            return conn.execute("DELETE FROM chat_sessions WHERE user_id = ?", (user_id,)).rowcount
