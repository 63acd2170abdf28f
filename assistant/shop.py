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

    def close(self) -> None:
        self.db.close()
