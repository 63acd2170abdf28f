"""The Shop facade: the one Python API that the CLI, the HTTP API and the UI call.

Each layer's work lives in its own package; this class only wires one store's parts together and
loads the heavy ones (encoder, index, ranker, language model) on first use.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.ingest import IngestReport, ingest_files
from ranking.event_store import EventStore
from ranking.records import RankedItem, User, UserProfile
from retrieval.catalog_store import CatalogStore
from retrieval.db import Database
from retrieval.records import Candidate, Product

if TYPE_CHECKING:  # the heavy parts load on first use, so their modules are imported there
    from assistant.chat.engine import ChatReply
    from assistant.llm.batching import BatchingGenerator
    from assistant.push.run import PushRunSummary

# What takes seconds to load, in the order a server warms them up (`load`, `loaded`).
HEAVY_PARTS = ("encoder", "index", "ranking", "generator")


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
    def ingest(
        self,
        catalog=None,
        reviews=None,
        events=None,
        users=None,
        fmt: str = "auto",
        columns: dict[str, str] | None = None,
        show_progress: bool = False,
    ) -> IngestReport:
        return ingest_files(
            self.catalog,
            self.events,
            catalog=catalog,
            reviews=reviews,
            events=events,
            users=users,
            fmt=fmt,
            columns=columns,
            reject_dir=self.home / "rejects",
            show_progress=show_progress,
        )

    def user(self, user_id: str) -> User | None:
        return self.events.get_user(user_id)

    def users(self) -> Iterator[User]:
        return self.events.iter_users()

    def add_users(self, names: dict[str, str]) -> int:
        """Users the store does not know yet (a new visitor of the demo), by id and display name."""
        return self.events.ensure_users(list(names), names=names)

    def products(self, ids: list[str]) -> dict[str, Product]:
        """The products with these ids, by id (ids not in the catalog are left out)."""
        return self.catalog.get_products(ids)

    def categories(self) -> list[tuple[str, ...]]:
        return self.catalog.categories()

    def versions(self) -> dict[str, Any]:
        """The data versions; the index's only when it is loaded, so that asking stays cheap."""
        found: dict[str, Any] = {"catalog": self.catalog.version, "events": self.events.version}
        if self.loaded("index"):
            found["index"] = self.index.manifest()
        return found

    def counts(self) -> dict[str, int]:
        return {
            "products": self.catalog.count_products(),
            "reviews": self.catalog.count_reviews(),
            "users": self.events.count_users(),
            "events": self.events.count_events(),
        }

    @cached_property
    def encoder(self):
        from assistant.llm.weights import cache_dir
        from retrieval.encoders import load_encoder

        return load_encoder(self.settings.encoder, cache=cache_dir())

    # -- retrieval ----------------------------------------------------------------------------------
    @cached_property
    def index(self):
        """Products and review passages in Chroma (<home>/chroma, or the server at settings.chroma_url)."""
        from retrieval.encoders import load_multilingual
        from retrieval.index import CatalogIndex

        return CatalogIndex(
            self.catalog,
            self.encoder,
            path=self.home / "chroma",
            url=self.settings.chroma_url,
            multilingual=load_multilingual(self.settings.encoder, self.settings.multilingual),
        )

    @cached_property
    def searcher(self):
        from retrieval.search import HybridSearcher

        # The lexical index lives beside the Chroma one (<home>/lexical), built by `build_index`.
        return HybridSearcher(
            self.index, self.catalog, lexical_dir=self.home / "lexical", translate=self.query_translator
        )

    @cached_property
    def query_translator(self):
        """What writes a query in another language, or an English need the category step is unsure of, as
        an English product query for search (the language model, on first use), or None unless
        settings.translate_queries."""
        if not self.settings.translate_queries:
            return None
        from assistant.query_translation import QueryTranslator

        return QueryTranslator(lambda: self.generator, kinds=lambda: self.searcher.kinds.names_)

    def build_index(self, show_progress: bool = False, rebuild: bool = False):
        """Embed what changed since the last run (all of it with rebuild=True) and rebuild the lexical
        index if the catalog changed; returns a SyncReport."""
        report = self.index.sync(rebuild=rebuild, show_progress=show_progress)
        report.lexical = self.searcher.build_lexical(rebuild=rebuild)
        return report

    def search(self, query: str, filters=None, k: int = 10) -> list[Candidate]:
        """Hybrid search -> list[Candidate], best first; filters is a retrieval.query.SearchFilters."""
        return self.searcher.search(query, filters=filters, k=k)

    # -- ranking ------------------------------------------------------------------------------------
    @cached_property
    def ranking(self):
        from ranking.service import RankingService

        return RankingService(
            self.catalog,
            self.events,
            lambda: self.encoder,
            self.home / "models" / "ranker",
            indexed_vectors=self._indexed_vectors,
        )

    def _indexed_vectors(self) -> dict:
        """The search index's product vectors, when an index was built (opening none costs nothing)."""
        if not (self.settings.chroma_url or (self.home / "chroma").exists()):
            return {}
        return self.index.current_product_vectors()

    def train(self, show_progress: bool = False) -> dict:
        """Learn the ranker from the store's events and reviews; returns its manifest."""
        return self.ranking.train(show_progress=show_progress)

    def recommend(self, user_id: str | None, k: int = 10, filters=None) -> list[RankedItem]:
        """RankedItems for a user (a new or unknown user gets popularity and content), best first."""
        return self.ranking.recommend(user_id, k, filters)

    def rank(
        self, user_id: str | None, candidates: list[Candidate], k: int | None = None
    ) -> list[RankedItem]:
        """Reorder search candidates for a user -> list[RankedItem]."""
        return self.ranking.rank(user_id, candidates, k)

    def search_for_user(self, user_id: str | None, query: str, filters=None, k: int = 10) -> list[RankedItem]:
        return self.rank(user_id, self.search(query, filters=filters, k=max(3 * k, 30)), k)

    def profile(self, user_id: str) -> UserProfile:
        return self.ranking.profile(user_id)

    def record_events(self, events: list) -> dict:
        """Feedback (clicks, carts, purchases, dismissals): the user's next results reflect it at once."""
        return self.ranking.record_events(events)

    def evaluate(self, **options) -> dict:
        from ranking.evaluation import evaluate_store

        return evaluate_store(
            self.catalog, self.events, self.encoder, self.home, indexed=self._indexed_vectors(), **options
        )

    # -- chat ---------------------------------------------------------------------------------------
    @cached_property
    def chat(self):
        from assistant.chat.engine import ChatEngine, ChatSources

        return ChatEngine(
            ChatSources(
                catalog=self.catalog,
                events=self.events,
                db=self.db,
                home=self.home,
                searcher=lambda: self.searcher,
                rank=self.rank,
                encoder=lambda: self.encoder,
                generator=lambda: self.generator,
            )
        )

    def ask(self, user_id: str | None, message: str, session_id: str | None = None) -> ChatReply:
        """One chat turn -> ChatReply (reply, products, session, language, intent, checks)."""
        return self.chat.ask(user_id, message, session_id)

    def ask_stream(self, user_id: str | None, message: str, session_id: str | None = None):
        """Text chunks as they are checked, then the final ChatReply."""
        return self.chat.ask_stream(user_id, message, session_id)

    @cached_property
    def threads(self):
        from assistant.chat.threads import ThreadedChat

        return ThreadedChat(self.chat)

    def ask_with_history(self, user_id: str | None, history: list, message: str) -> ChatReply:
        """One chat turn for a client that sends the conversation so far (a list of chat.threads.Said)
        instead of a session id -> ChatReply; the history's session carries on (or is rebuilt)."""
        return self.threads.ask(user_id, history, message)

    def ask_stream_with_history(self, user_id: str | None, history: list, message: str):
        """ask_with_history's text chunks as they are checked, then the final ChatReply."""
        return self.threads.ask_stream(user_id, history, message)

    @property
    def sessions(self):
        """The chat sessions store (transcripts, erasure)."""
        return self.chat.sessions

    def transcript(self, session_id: str) -> dict | None:
        return self.chat.sessions.transcript(session_id)

    # -- llm ----------------------------------------------------------------------------------------
    @cached_property
    def generator(self):
        """The language model (settings.llm, or the server at settings.llm_url); see assistant/llm."""
        from assistant.llm import load_generator

        return load_generator(self.settings)

    def batch_generation(self, max_batch: int) -> BatchingGenerator | None:
        """From now on, concurrent generations (the server's requests) run as one batch; None when the
        model is a server that batches by itself."""
        from assistant.llm.batching import batched

        wrapped = batched(self.generator, max_batch)
        if wrapped is not None:
            self.__dict__["generator"] = wrapped  # the cached part itself, so every user of it batches
        return wrapped

    def load(self, part: str) -> None:
        """Load one of HEAVY_PARTS now (a server warms them up before its first request)."""
        if part not in HEAVY_PARTS:
            raise ValueError(f"no heavy part {part!r}; the parts are {', '.join(HEAVY_PARTS)}")
        getattr(self, part)

    def loaded(self, part: str) -> bool:
        return part in self.__dict__  # a cached_property keeps its value in the instance dict

    # -- push ---------------------------------------------------------------------------------------
    @cached_property
    def push_ledger(self):
        from assistant.push.ledger import PushLedger

        return PushLedger(self.db)

    @cached_property
    def push_sources(self):
        """What push reads and writes (assistant.push.run.PushSources): the push package gets these
        parts, never the Shop."""
        from assistant.push.engines import ModelSpec
        from assistant.push.run import PushSources

        s = self.settings
        return PushSources(
            catalog=self.catalog,
            events=self.events,
            ledger=self.push_ledger,
            pick=self.ranking.recommend_among,
            profile=self.profile,
            model=ModelSpec(s.llm, s.llm_url, s.llm_backend),
            local_generator=lambda: self.generator,
        )

    def outbox_path(self, campaign_id: str) -> Path:
        """Where the store's own campaign runs (API and UI) write a campaign's outbox; erasure scrubs
        these files."""
        return self.home / "outbox" / f"{campaign_id}.jsonl"

    def push(
        self,
        campaign_path,
        out=None,
        limit=None,
        dry_run=False,
        force=False,
        engine="local",
        batch_size=8,
        workers=1,
        gpus_per_worker=0.0,
        **options,
    ) -> PushRunSummary:
        """Write one checked message per selected user into the ledger and `out` (resumable); `engine`
        "ray" writes in `workers` Ray actors with `gpus_per_worker` GPUs each. `options`: now,
        show_progress, generator, only_users (assistant.push.run.RunOptions)."""
        from assistant.push.engines import EngineOptions
        from assistant.push.run import RunOptions, run_campaign

        return run_campaign(
            self.push_sources,
            campaign_path,
            RunOptions(
                out=out,
                limit=limit,
                dry_run=dry_run,
                force=force,
                engine=EngineOptions(engine, batch_size, workers, gpus_per_worker),
                **options,
            ),
        )

    def push_preview(self, campaign_path, user_id, **options) -> dict:
        from assistant.push.run import preview

        return preview(self.push_sources, campaign_path, user_id, **options)

    def push_previews(self, campaign_path, user_ids, **options) -> list[dict]:
        """What each of these users would get now, written in one batch (the UI's sample of shoppers)."""
        from assistant.push.run import previews

        return previews(self.push_sources, campaign_path, user_ids, **options)

    def push_report(self, campaign_id: str) -> dict:
        from assistant.push.report import campaign_report

        return campaign_report(self.push_ledger, self.events, campaign_id)

    # -- users ----------------------------------------------------------------------------------------
    def erase_user(self, user_id: str) -> dict:
        """Right to be forgotten: each layer deletes what it holds of the user; returns what went where."""
        from assistant.erasure import UserData, erase_user

        held = UserData(
            self.db, self.events, self.catalog, self.push_ledger, self.sessions, self.home / "outbox"
        )
        return erase_user(held, user_id)

    def close(self) -> None:
        self.db.close()
