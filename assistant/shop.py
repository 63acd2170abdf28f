"""The Shop facade: the one Python API that the CLI, the HTTP API and the UI call.

Each layer's work lives in its own package; this class only wires one store's parts together and
loads the heavy ones (encoder, index, ranker, language model) on first use.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from assistant.config import Settings
from assistant.ingest import IngestReport, ingest_files
from ranking.event_store import EventStore
from retrieval.catalog_store import CatalogStore
from retrieval.db import Database


class Shop:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings.from_env()
        self.home = Path(self.settings.home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.db = Database.in_home(self.home)
        self.catalog = CatalogStore(self.db)
        self.events = EventStore(self.db)

    @classmethod
    def open(cls, home: str | Path | None = None, **overrides) -> Shop:
        return cls(Settings.from_env(home, **overrides))

    # -- data ---------------------------------------------------------------------------------------
    def ingest(self, catalog=None, reviews=None, events=None, users=None, fmt: str = "auto",
               columns: dict[str, str] | None = None, show_progress: bool = False) -> IngestReport:
        return ingest_files(self.catalog, self.events, catalog=catalog, reviews=reviews, events=events,
                            users=users, fmt=fmt, columns=columns, reject_dir=self.home / "rejects",
                            show_progress=show_progress)

    def counts(self) -> dict[str, int]:
        return {"products": self.catalog.count_products(), "reviews": self.catalog.count_reviews(),
                "users": self.events.count_users(), "events": self.events.count_events()}

    @cached_property
    def encoder(self):
        from retrieval.encoders import load_encoder

        return load_encoder(self.settings.encoder)

    # -- language model -----------------------------------------------------------------------------
    @cached_property
    def generator(self):
        from assistant.llm import load_generator

        return load_generator(self.settings.llm, self.settings.llm_url)

    # -- push ---------------------------------------------------------------------------------------
    @cached_property
    def push_ledger(self):
        from assistant.push.ledger import PushLedger

        return PushLedger(self.db)

    def push(self, campaign_path, out=None, limit=None, dry_run=False, force=False, engine="local", **options):
        """Write one checked message per selected user into the ledger and `out` (resumable)."""
        from assistant.push.run import run_campaign

        return run_campaign(self, campaign_path, out=out, limit=limit, dry_run=dry_run, force=force, engine=engine,
                            **options)

    def push_preview(self, campaign_path, user_id, **options) -> dict:
        from assistant.push.run import preview

        return preview(self, campaign_path, user_id, **options)

    def push_report(self, campaign_id: str) -> dict:
        from assistant.push.report import campaign_report

        return campaign_report(self.push_ledger, self.events, campaign_id)

    # -- api ----------------------------------------------------------------------------------------
    def erase_user(self, user_id: str) -> dict:
        """Right to be forgotten: each layer deletes what it holds of the user; returns what went where."""
        from assistant.api.erasure import erase_user

        return erase_user(self, user_id)

    def close(self) -> None:
        self.db.close()
