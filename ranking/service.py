"""The ranker wired to one store: training, persistence with a manifest, and per-user requests.

A user's state is rebuilt from the store on each request, so events recorded a moment ago already
shape the next recommendation. The saved model records the data versions it was trained on; a model
trained on another catalog is retrained rather than silently used.
"""

from __future__ import annotations

import json
import logging
import pickle
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ranking.embeddings import product_embeddings
from ranking.event_store import EventStore
from ranking.feedback import Signals, collect
from ranking.files import write_atomically
from ranking.profiles import build_profile
from ranking.ranker import Ranker, RankerParams
from ranking.records import Event, RankedItem, Reason, UserProfile
from ranking.state import UserState
from retrieval.catalog_store import CatalogStore
from retrieval.encoders import Encoder
from retrieval.filters import CatalogColumns, SearchFilters
from retrieval.records import Candidate

log = logging.getLogger(__name__)
# 2: two-stage ranker with tuned parts; 3: reasons gated by relatedness (older pickles lack its fields);
# 4: ALS fitted by `implicit` (float32 factors; older pickles hold the hand-written ALS). Any other version is
# retrained before use, as a model trained on another catalog is.
MODEL_VERSION = 4
_SEARCH = Reason("search")  # the reason of every search result, after the shopper's own


class RankingService:
    def __init__(
        self,
        catalog: CatalogStore,
        events: EventStore,
        encoder_factory,
        model_dir: Path,
        indexed_vectors: Callable[[], dict[str, np.ndarray]] | None = None,
    ):
        """`indexed_vectors`: the search index's product vectors by id when it is current (the
        catalog is then not encoded a second time for training); empty when it is not."""
        self.catalog = catalog
        self.events = events
        self._encoder_factory = encoder_factory
        self._indexed_vectors = indexed_vectors
        self.model_dir = Path(model_dir)
        self._ranker: Ranker | None = None
        self._products: dict | None = None
        self._columns: tuple[Ranker, CatalogColumns] | None = None

    @property
    def encoder(self) -> Encoder:
        return self._encoder_factory()

    # -- training and persistence -------------------------------------------------------------------
    def train(self, params: RankerParams | None = None, show_progress: bool = False) -> dict:
        started = time.perf_counter()
        products = list(self.catalog.iter_products())
        if not products:
            raise ValueError("the store has no products; run shopmate ingest first")
        embeddings = product_embeddings(
            products,
            self.encoder,
            self.model_dir / "embeddings.npz",
            show_progress,
            indexed=self._indexed_vectors() if self._indexed_vectors else None,
        )
        signals = collect((e for _, e in self.events.iter_events()), self.catalog.iter_reviews())
        ranker = Ranker(params).fit(products, embeddings, signals)
        manifest = {
            "model_version": MODEL_VERSION,
            "catalog_version": self.catalog.version,
            "events_version": self.events.version,
            "encoder": self.encoder.name,
            "trained_at": int(time.time()),
            "train_seconds": round(time.perf_counter() - started, 2),
            **ranker.describe(),
        }
        self.model_dir.mkdir(parents=True, exist_ok=True)
        write_atomically(self.model_dir / "ranker.pkl", lambda fh: pickle.dump(ranker, fh))
        write_atomically(
            self.model_dir / "manifest.json", lambda fh: fh.write(json.dumps(manifest, indent=1).encode())
        )
        self._ranker, self._products = ranker, {p.id: p for p in products}
        log.info(
            "trained the ranker in %.1fs on %d users and %d products",
            manifest["train_seconds"],
            manifest["users"],
            manifest["items"],
        )
        return manifest

    def manifest(self) -> dict | None:
        path = self.model_dir / "manifest.json"
        return json.loads(path.read_text()) if path.exists() else None

    @property
    def ranker(self) -> Ranker:
        if self._ranker is None:
            manifest = self.manifest()
            if manifest is None or manifest.get("model_version") != MODEL_VERSION:
                log.info("no trained ranker in %s; training one now", self.model_dir)
                self.train()
            elif manifest["catalog_version"] != self.catalog.version:
                log.info(
                    "the ranker was trained on catalog version %s, the store is at %s; retraining",
                    manifest["catalog_version"],
                    self.catalog.version,
                )
                self.train()
            else:
                with open(self.model_dir / "ranker.pkl", "rb") as fh:
                    self._ranker = pickle.load(fh)
        return self._ranker

    @property
    def products(self) -> dict:
        if self._products is None or len(self._products) != len(self.ranker.item_ids_):
            self._products = self.catalog.get_products(self.ranker.item_ids_)
        return self._products

    @property
    def columns(self) -> CatalogColumns:
        """The ranker's items as filter columns, row i being item i (built once per trained ranker)."""
        ranker = self.ranker
        if self._columns is None or self._columns[0] is not ranker:
            products = self.products
            self._columns = (ranker, CatalogColumns.of_products(products[pid] for pid in ranker.item_ids_))
        return self._columns[1]

    # -- requests -----------------------------------------------------------------------------------
    def state(self, user_id: str | None) -> UserState:
        if not user_id:
            return UserState("")
        signals = Signals()
        for e in self.events.events_for(user_id):
            signals.add_event(e)
        for r in self.catalog.reviews_by(user_id):
            signals.add_review(r)
        return self.ranker.user_state(user_id, signals)

    def _item(self, state: UserState, i: int, score: float, feats, evidence=()) -> RankedItem:
        ranker = self.ranker
        return RankedItem(
            self.products[ranker.item_ids_[i]], score, ranker.reasons(state, i, feats), tuple(evidence)
        )

    def recommend(
        self, user_id: str | None, k: int = 10, filters: SearchFilters | dict | None = None
    ) -> list[RankedItem]:
        """The best `k` items for a user within `filters` (the same rules as search: retrieval/filters.py)."""
        mask = self.columns.mask(SearchFilters.coerce(filters))
        state = self.state(user_id)
        return [self._item(state, i, s, f) for i, s, f in self.ranker.recommend(state, k, mask)]

    def recommend_among(
        self, user_id: str | None, product_ids: Sequence[str], k: int = 10
    ) -> list[RankedItem]:
        """The page for a user drawn only from `product_ids` (a campaign's offers), with recommendation
        reasons: nobody searched, so no reason speaks of a search. Unknown ids are left out."""
        ranker = self.ranker
        wanted = [ranker.index_[p] for p in product_ids if p in ranker.index_]
        mask = np.zeros(len(ranker.item_ids_), dtype=bool)
        mask[wanted] = True
        state = self.state(user_id)
        return [self._item(state, i, s, f) for i, s, f in ranker.recommend(state, k, mask)]

    def rank(
        self, user_id: str | None, candidates: list[Candidate], k: int | None = None
    ) -> list[RankedItem]:
        """Reorder search candidates for this user; query relevance stays the leading signal."""
        ranker = self.ranker
        state = self.state(user_id)
        known = [c for c in candidates if c.product.id in ranker.index_]
        if not known:
            return [RankedItem(c.product, c.score, (_SEARCH,), c.evidence) for c in candidates][:k]
        idx = np.array([ranker.index_[c.product.id] for c in known])
        personal, feats = ranker.score(state, idx)
        query = np.array([c.score for c in known])
        # Near-ties in relevance stay near-ties: spreads under a tenth of the typical score are not stretched.
        query = (query - query.mean()) / max(query.std(), 0.1 * abs(query.mean()), 1e-9)
        # Personal features reorder within what the query found; they are learned on behaviour, which
        # has no queries, so query relevance keeps a fixed, larger weight than the personal blend.
        personal = personal / (personal.std() + 1e-9) if not state.is_cold else personal * 0.3
        total = 2.0 * query + personal
        order = [j for j in np.argsort(-total) if ranker.allowed(state, int(idx[j]))]
        items = []
        for j in order[:k]:
            reasons = ranker.reasons(state, int(idx[j]), feats[j]) if not state.is_cold else ()
            # The personal reason leads: "matches your search" says nothing the shopper does not know.
            items.append(
                RankedItem(
                    known[j].product,
                    float(total[j]),
                    (*reasons, _SEARCH)[:3],
                    known[j].evidence,
                )
            )
        return items

    def profile(self, user_id: str) -> UserProfile:
        events = self.events.events_for(user_id)
        reviews = self.catalog.reviews_by(user_id)
        ids = list({e.product_id for e in events} | {r.product_id for r in reviews})
        return build_profile(user_id, events, reviews, self.catalog.get_products(ids))

    def record_events(self, events: list[Event]) -> dict:
        """Store feedback; the next request for these users already reflects it (state is rebuilt)."""
        known = self.catalog.get_products(list({e.product_id for e in events}))
        unknown = sorted({e.product_id for e in events} - set(known))
        if unknown:
            raise ValueError(f"unknown product ids {unknown[:5]}; events must name products in the catalog")
        self.events.ensure_users(e.user_id for e in events)
        return self.events.add_events(events).to_dict()
