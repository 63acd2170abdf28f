"""Background batch runs of push campaigns, started and polled over HTTP.

Runs are kept in the store, so their status survives a restart. One run works at a time (a batch run
already uses the whole generator); the rest wait their turn. A run cut short by a restart is marked
`interrupted`: starting it again resumes from the push ledger.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from retrieval.db import Database

log = logging.getLogger("shopmate.api.runs")

MIGRATIONS = [
    """
    CREATE TABLE api_campaign_runs (
        run_id TEXT PRIMARY KEY,
        campaign TEXT NOT NULL,
        status TEXT NOT NULL,
        options TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        result TEXT,
        error TEXT
    );
    CREATE INDEX api_campaign_runs_campaign ON api_campaign_runs(campaign, created_at)
    """,
]


def _to_jsonable(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        value = to_dict()
    return json.loads(json.dumps(value, default=str))


def _row(row) -> dict[str, Any]:
    return {
        "run_id": row["run_id"],
        "campaign": row["campaign"],
        "status": row["status"],
        "options": json.loads(row["options"]),
        "created_at": row["created_at"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "result": json.loads(row["result"]) if row["result"] else None,
        "error": row["error"],
    }


class CampaignRuns:
    def __init__(self, db: Database):
        self.db = db
        db.migrate("api_campaign_runs", MIGRATIONS)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="campaign-run")
        self._lock = threading.Lock()
        with db.transaction() as conn:
            conn.execute(
                "UPDATE api_campaign_runs SET status = 'interrupted', finished_at = ? "
                "WHERE status IN ('queued', 'running')",
                (int(time.time()),),
            )

    def start(self, campaign: str, options: dict[str, Any], work: Callable[[], Any]) -> dict[str, Any]:
        run_id = secrets.token_hex(8)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO api_campaign_runs (run_id, campaign, status, options, created_at)"
                " VALUES (?, ?, 'queued', ?, ?)",
                (run_id, campaign, json.dumps(options), int(time.time())),
            )
        self._executor.submit(self._run, run_id, work)
        return self.get(campaign, run_id)

    def _set(self, run_id: str, **values: Any) -> None:
        columns = ", ".join(f"{k} = ?" for k in values)
        with self.db.transaction() as conn:
            conn.execute(
                f"UPDATE api_campaign_runs SET {columns} WHERE run_id = ?", (*values.values(), run_id)
            )

    def _run(self, run_id: str, work: Callable[[], Any]) -> None:
        self._set(run_id, status="running", started_at=int(time.time()))
        try:
            result = _to_jsonable(work())
        except Exception as exc:
            log.exception("campaign run %s failed", run_id)
            self._set(
                run_id, status="failed", finished_at=int(time.time()), error=f"{type(exc).__name__}: {exc}"
            )
            return
        self._set(
            run_id,
            status="succeeded",
            finished_at=int(time.time()),
            result=json.dumps(result if isinstance(result, dict) else {"value": result}),
        )

    def get(self, campaign: str, run_id: str) -> dict[str, Any] | None:
        row = self.db.conn.execute(
            "SELECT * FROM api_campaign_runs WHERE campaign = ? AND run_id = ?", (campaign, run_id)
        ).fetchone()
        return _row(row) if row else None

    def list(self, campaign: str, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.db.conn.execute(
            "SELECT * FROM api_campaign_runs WHERE campaign = ? ORDER BY created_at DESC, run_id LIMIT ?",
            (campaign, limit),
        )
        return [_row(r) for r in rows]

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
