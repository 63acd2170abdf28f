"""Conversations from stateless clients, which send the whole conversation with every turn (OpenAI's
chat completions) instead of a session id.

After each turn the store keeps a key, a hash of (shopper, the conversation so far), pointing at the
session that said it; the next turn's history hashes to the same key, so the dialogue state (the need,
its filters, the products shown) carries on. A history the store never produced (another assistant's,
or one the client edited) is rebuilt: its last few shopper messages run again as turns without the
model (retrieval and ranking only, nothing written), so "cheaper" or "compare the first two" still
refer to what that conversation was about.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from assistant.chat.engine import ChatEngine, ChatReply

MIGRATIONS = [
    """
    CREATE TABLE chat_threads (
        key TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE
    );
    CREATE INDEX chat_threads_session ON chat_threads(session_id)
    """,
]

# Rebuilding a foreign history costs a retrieval per shopper message; the most recent ones decide the
# dialogue state anyway (a new need replaces the old one).
MAX_REBUILT_TURNS = 8


@dataclass(frozen=True, slots=True)
class Said:
    """One message of a conversation as the client holds it."""

    role: Literal["user", "assistant"]
    text: str


def thread_key(user_id: str | None, history: Sequence[Said]) -> str:
    # Whitespace is normalised: clients trim or re-wrap what they send back.
    said = [[s.role, " ".join(s.text.split())] for s in history]
    return hashlib.sha256(json.dumps([user_id, said], ensure_ascii=False).encode()).hexdigest()


class ThreadedChat:
    """The chat engine for clients that send the history: finds or rebuilds the session, then asks."""

    def __init__(self, engine: ChatEngine):
        self.engine = engine
        self.db = engine.sources.db
        self.db.migrate("chat_threads", MIGRATIONS)

    def ask(self, user_id: str | None, history: Sequence[Said], message: str) -> ChatReply:
        # One `generate` call (batchable), as ChatEngine.ask.
        *_, reply = self.ask_stream(user_id, history, message, streamed=False)
        return reply

    def ask_stream(
        self, user_id: str | None, history: Sequence[Said], message: str, streamed: bool = True
    ) -> Iterator[str | ChatReply]:
        session_id = self.session_for(user_id, history)
        for item in self.engine.ask_stream(user_id, message, session_id, streamed=streamed):
            if isinstance(item, ChatReply):
                self._remember(
                    user_id, [*history, Said("user", message), Said("assistant", item.reply)], item.session
                )
            yield item

    def session_for(self, user_id: str | None, history: Sequence[Said]) -> str | None:
        """The session that produced `history`; a rebuilt one when none did; None for no history."""
        if not history:
            return None
        row = self.db.conn.execute(
            "SELECT t.session_id FROM chat_threads t JOIN chat_sessions s ON s.id = t.session_id "
            "WHERE t.key = ? AND s.user_id IS ?",
            (thread_key(user_id, history), user_id),
        ).fetchone()
        if row is not None:
            return row["session_id"]
        session_id = None
        for said in [s for s in history if s.role == "user" and s.text.strip()][-MAX_REBUILT_TURNS:]:
            *_, reply = self.engine.ask_stream(user_id, said.text, session_id, streamed=False, write=False)
            session_id = reply.session
        return session_id

    def _remember(self, user_id: str | None, history: Sequence[Said], session_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO chat_threads (key, session_id) VALUES (?, ?)",
                (thread_key(user_id, history), session_id),
            )
