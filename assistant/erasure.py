"""Erasing a user everywhere the store keeps them (the right to be forgotten).

Each layer deletes its own rows through its own function; this module only calls them in turn and
then makes sure the deleted bytes do not linger in the SQLite file or its write-ahead log.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.chat.sessions import SessionStore
from assistant.push.ledger import PushLedger
from ranking.event_store import EventStore
from retrieval.catalog_store import CatalogStore
from retrieval.db import Database

log = logging.getLogger("shopmate.erasure")


def _scrub_outboxes(outbox_dir: Path, user_id: str) -> int:
    """Outbox files the API's campaign runs wrote: drop the user's lines (atomically per file)."""
    removed = 0
    for path in sorted(outbox_dir.glob("*.jsonl")) if outbox_dir.is_dir() else ():
        kept, dropped = [], 0
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    mine = json.loads(line).get("user") == user_id
                except (json.JSONDecodeError, AttributeError):
                    mine = False
                if mine:
                    dropped += 1
                else:
                    kept.append(line)
        if dropped:
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text("".join(kept), encoding="utf-8")
            os.replace(tmp, path)
            removed += dropped
    return removed


@dataclass(frozen=True, slots=True)
class UserData:
    """Every place the store keeps a user's rows, as the facade hands them over."""

    db: Database
    events: EventStore
    catalog: CatalogStore
    push_ledger: PushLedger
    sessions: SessionStore
    outbox_dir: Path  # where the store's own campaign runs write their outboxes


def erase_user(data: UserData, user_id: str) -> dict[str, Any]:
    conn = data.db.conn
    # Deleted rows otherwise stay readable in free pages until SQLite reuses them.
    conn.execute("PRAGMA secure_delete = ON")
    erased: dict[str, Any] = {}
    erased.update(data.events.erase_user(user_id))
    erased["review_authorship"] = data.catalog.forget_review_author(user_id)
    erased.update(data.push_ledger.erase_user(user_id))
    erased["sessions"] = data.sessions.erase_user(user_id)
    # Chroma holds no user ids (review passages carry product, review id and rating only), so the
    # index has nothing to erase; tests/api/test_erase_user.py checks that.
    # The saved ranker holds no per-user rows (users are rebuilt from the store per request), so
    # deleting the user's events above already removed them from ranking.
    erased["outbox_lines"] = _scrub_outboxes(data.outbox_dir, user_id)
    # Fold the log back into the file and empty it, so no old copy of the pages stays in the -wal file.
    busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        log.warning(
            "erased %s, but readers kept the write-ahead log from being emptied; it empties at the next "
            "checkpoint",
            user_id,
        )
    return erased
