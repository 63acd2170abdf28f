"""API keys with scopes, kept in the store as SHA-256 hashes: the plain key is shown once, at creation.

Keys are 32 random bytes, so a fast hash is enough (there is nothing to brute-force); the stored hash
lets the server check a key without the store ever holding one.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from retrieval.db import Database

# metrics: only /metrics (a Prometheus scraper needs nothing else).
SCOPES: tuple[str, ...] = ("read", "chat", "push", "metrics", "admin")
KEY_PREFIX = "smk_"

MIGRATIONS = [
    """
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        key_hash TEXT NOT NULL UNIQUE,
        scopes TEXT NOT NULL,
        rate_per_minute INTEGER,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
    )
    """,
]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    scopes: tuple[str, ...]
    created_at: int
    rate_per_minute: int | None = None
    revoked_at: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        """admin holds every scope."""
        return scope in self.scopes or "admin" in self.scopes

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "scopes": list(self.scopes),
            "created_at": self.created_at,
            "rate_per_minute": self.rate_per_minute,
            "revoked_at": self.revoked_at,
        }


def _row_to_key(row) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        scopes=tuple(json.loads(row["scopes"])),
        created_at=row["created_at"],
        rate_per_minute=row["rate_per_minute"],
        revoked_at=row["revoked_at"],
    )


class ApiKeyStore:
    def __init__(self, db: Database):
        self.db = db
        db.migrate("api_keys", MIGRATIONS)

    def create(
        self, scopes: Iterable[str], name: str = "", rate_per_minute: int | None = None
    ) -> tuple[ApiKey, str]:
        """A new key: returns its record and the plain key, which is not stored anywhere."""
        scopes = tuple(dict.fromkeys(scopes))
        unknown = [s for s in scopes if s not in SCOPES]
        if not scopes or unknown:
            raise ValueError(
                f"scopes must be some of {', '.join(SCOPES)} (got {', '.join(scopes) or 'none'})"
            )
        if rate_per_minute is not None and rate_per_minute < 1:
            raise ValueError(f"rate_per_minute must be at least 1 (got {rate_per_minute})")
        key_id = secrets.token_hex(4)
        plain = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        record = ApiKey(
            id=key_id, name=name, scopes=scopes, created_at=int(time.time()), rate_per_minute=rate_per_minute
        )
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO api_keys (id, name, key_hash, scopes, rate_per_minute, created_at)"
                " VALUES (?,?,?,?,?,?)",
                (key_id, name, hash_key(plain), json.dumps(list(scopes)), rate_per_minute, record.created_at),
            )
        return record, plain

    def verify(self, plain: str) -> ApiKey | None:
        """The active key whose hash matches, or None."""
        row = self.db.conn.execute(
            "SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", (hash_key(plain),)
        ).fetchone()
        return _row_to_key(row) if row else None

    def get(self, key_id: str) -> ApiKey | None:
        """The active key with this id, or None (revoked keys included nowhere)."""
        row = self.db.conn.execute(
            "SELECT * FROM api_keys WHERE id = ? AND revoked_at IS NULL", (key_id,)
        ).fetchone()
        return _row_to_key(row) if row else None

    def list(self, include_revoked: bool = False) -> list[ApiKey]:
        where = "" if include_revoked else " WHERE revoked_at IS NULL"
        rows = self.db.conn.execute(f"SELECT * FROM api_keys{where} ORDER BY created_at, id")
        return [_row_to_key(r) for r in rows]

    def revoke(self, key_id: str) -> bool:
        with self.db.transaction() as conn:
            return (
                conn.execute(
                    "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                    (int(time.time()), key_id),
                ).rowcount
                > 0
            )
