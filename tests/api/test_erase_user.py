"""DELETE /v1/users/{id}: afterwards the user's id is nowhere in the database (rows or bytes) or Chroma."""

from __future__ import annotations

import json
import sqlite3

import pytest

from assistant.client import ApiError, ShopmateClient
from assistant.shop import Shop
from tests.api.conftest import demo_user

pytestmark = pytest.mark.slow


def rows_mentioning(db_path, needle: str) -> list[tuple[str, str]]:
    """(table, column) of every value in every table that contains `needle`."""
    hits = []
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                n = conn.execute(
                    f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE ?', (f"%{needle}%",)
                ).fetchone()[0]
                if n:
                    hits.append((table, column))
    return hits


def chroma_mentions(home, needle: str) -> list[str]:
    chroma_files = [p for p in home.rglob("chroma.sqlite3")]
    if not chroma_files:
        return []
    import chromadb

    hits = []
    for path in chroma_files:
        client = chromadb.PersistentClient(path=str(path.parent))
        for collection in client.list_collections():
            data = collection.get(include=["metadatas", "documents"])
            for i, doc_id in enumerate(data["ids"]):
                meta = (data["metadatas"] or [None] * len(data["ids"]))[i] or {}
                doc = (data["documents"] or [None] * len(data["ids"]))[i] or ""
                if needle in doc_id or needle in doc or any(needle in str(v) for v in meta.values()):
                    hits.append(f"{collection.name}:{doc_id}")
    return hits


def plant_push_traces(home, user: str, other: str) -> None:
    """A ledger row and outbox lines for the user (and one outbox line for someone else, which must stay)."""
    from datetime import UTC, datetime

    from assistant.push.ledger import PushLedger
    from assistant.push.records import PushMessage
    from retrieval.db import Database

    db = Database.in_home(home)
    ledger = PushLedger(db)
    ledger.start("erase-test", "fingerprint", "erase-test.toml")
    message = PushMessage(
        campaign="erase-test",
        user=user,
        variant="A",
        products=("P1",),
        title="Hi",
        body=f"Hello {user}",
        deep_link="",
        reasons=(),
        checks={},
        model="test",
        language="en",
        channel="push",
        send_at=datetime(2026, 11, 23, tzinfo=UTC),
    )
    ledger.commit([message])
    db.close()
    outbox = home / "outbox"
    outbox.mkdir(exist_ok=True)
    lines = [
        json.dumps({"campaign": "erase-test", "user": u, "body": f"for {u}"}) + "\n" for u in (user, other)
    ]
    (outbox / "erase-test.jsonl").write_text("".join(lines))


def test_erasing_a_user_leaves_no_trace_in_the_database_or_chroma(server):
    user = demo_user(server.home, -1, with_reviews=True)
    other = demo_user(server.home, 0)
    db = server.home / "shopmate.sqlite3"
    plant_push_traces(server.home, user, other)
    before = rows_mentioning(db, user)
    assert ("events", "user_id") in before and ("users", "id") in before and ("reviews", "user_id") in before
    assert ("push_messages", "user_id") in before
    with ShopmateClient(server.url, server.keys["admin"]) as api:
        session = api.chat(user, "hiking boots please")["session"] if hasattr(Shop, "ask") else None
        erased = api.erase_user(user)
        assert erased["user_id"] == user
        counts = erased["erased"]
        assert counts["events"] > 0 and counts["users"] == 1 and counts["review_authorship"] > 0
        assert counts["push_messages"] == 1 and counts["outbox_lines"] == 1
        if session:
            assert counts["sessions"] >= 1
        outbox = (server.home / "outbox" / "erase-test.jsonl").read_text()
        assert user not in outbox and other in outbox
        assert rows_mentioning(db, user) == []
        raw = db.read_bytes() + (
            db.with_name(db.name + "-wal").read_bytes() if db.with_name(db.name + "-wal").exists() else b""
        )
        assert user.encode() not in raw, "deleted rows still readable in the database file or its log"
        assert chroma_mentions(server.home, user) == []
        leftovers = [
            str(p.relative_to(server.home))
            for p in server.home.rglob("*")
            if p.is_file() and "chroma" not in p.parts and user.encode() in p.read_bytes()
        ]
        assert leftovers == [], "the user's id is still in these files (a model, an outbox, a log?)"
        again = api.erase_user(user)
        assert again["erased"]["events"] == 0 and again["erased"]["users"] == 0
        with pytest.raises(ApiError) as err:
            api.profile(user)
        assert err.value.status == 404
        if session:
            with pytest.raises(ApiError) as err:
                api.session(session)
            assert err.value.status == 404
