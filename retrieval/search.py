"""Hybrid search: dense (Chroma) and lexical (BM25) rankings of products, plus review-passage evidence,
fused within hard filters.

Each channel adds `weight x its score scaled to [0, 1]` (the default blend) or `weight / (RRF_K + rank)`
(reciprocal rank fusion) for every product it ranks; a product whose positive reviews match the need
("quiet", "fits wide feet") gains from the review channel and carries those passages as its evidence.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from retrieval.catalog_store import CatalogStore
from retrieval.categories import CategoryGuess, CategoryModel, category_label
from retrieval.index import CATEGORY_LEVELS, MULTILINGUAL, PRODUCTS, CatalogIndex, product_document
from retrieval.language import detect_language
from retrieval.lexical import BM25
from retrieval.passages import review_passages
from retrieval.query import SearchFilters, clean_query, parse_query, resolve_filters
from retrieval.records import Candidate

log = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "lexical")
RRF_K = 60
QUERY_CACHE = 256  # query vectors remembered per searcher


@dataclass(frozen=True, slots=True)
class FusionWeights:
    """How the rankings combine. `rrf` adds weight / (RRF_K + rank); `blend` adds weight x the
    channel's score scaled to [0, 1] by its best hit (so a clear lexical winner keeps its lead).

    Tuned on the tune half of the hand-written needs and the generated queries' dev half
    (bench/retrieval_relevance.py); `category` and `gate` belong to the category step."""

    dense: float = 1.0
    lexical: float = 5.0
    reviews: float = 0.6
    method: str = "blend"
    multilingual: float = 0.0   # the multilingual view of the products, for a query in the catalog's language
    category: float = 0.25      # boost x how likely a product's kind is next to the likeliest kind
    gate: float = 0.3           # kinds less likely than this share of the likeliest are left out
    category_multilingual: float = 1.0  # the multilingual channel's say in the category step (same-language query)


class _LexicalSide:
    """BM25 over product documents and review passages, with numpy columns for vectorized filtering."""

    def __init__(self, catalog: CatalogStore):
        products = list(catalog.iter_products())
        self.version = catalog.version
        self.ids = np.array([p.id for p in products], dtype=object)
        self.row = {p.id: i for i, p in enumerate(products)}
        self.price = np.array([np.nan if p.price is None else p.price for p in products], dtype=np.float64)
        self.rating = np.array([np.nan if p.rating is None else p.rating for p in products], dtype=np.float64)
        self.brand = np.array([p.brand for p in products], dtype=object)
        self.levels = [np.array([p.category[i] if len(p.category) > i else "" for p in products], dtype=object)
                       for i in range(CATEGORY_LEVELS)]
        self.kind = np.array([category_label(p.category) for p in products], dtype=object)
        self.products = BM25().fit([product_document(p) for p in products])
        passages = [x for r in catalog.iter_reviews() if r.rating >= 4 for x in review_passages(r)]
        self.passage_product = np.array([self.row.get(x.product_id, -1) for x in passages], dtype=np.int64)
        self.passage_text = [x.text for x in passages]
        self.passages = BM25().fit(self.passage_text)
        self.brands = sorted({p.brand for p in products if p.brand})
        self.categories = sorted({p.category for p in products if p.category})

    def top(self, text: str, k: int, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.products.top(text, k, mask)

    def mask(self, filters: SearchFilters) -> np.ndarray:
        """`SearchFilters.accepts` for every product at once."""
        keep = np.ones(len(self.ids), dtype=bool)
        if filters.categories:
            keep &= np.logical_or.reduce([np.isin(level, filters.categories) for level in self.levels])
        if filters.brands:
            keep &= np.isin(self.brand, filters.brands)
        if filters.exclude_brands:
            keep &= ~np.isin(self.brand, filters.exclude_brands)
        with np.errstate(invalid="ignore"):
            if filters.min_price is not None:
                keep &= self.price >= filters.min_price
            if filters.max_price is not None:
                keep &= self.price <= filters.max_price
            if filters.min_rating is not None:
                keep &= self.rating >= filters.min_rating
        if filters.exclude_ids:
            keep &= ~np.isin(self.ids, filters.exclude_ids)
        return keep


def _rrf(ranked: Sequence[str], weight: float, into: dict[str, float]) -> None:
    for rank, pid in enumerate(ranked):
        into[pid] = into.get(pid, 0.0) + weight / (RRF_K + rank + 1)


def _blend(scored: dict[str, float], weight: float, into: dict[str, float]) -> None:
    if not scored:
        return
    low, high = min(scored.values()), max(scored.values())
    span = high - low if high > low else 1.0
    for pid, value in scored.items():
        into[pid] = into.get(pid, 0.0) + weight * (value - low) / span


def _fuse(scored: dict[str, float], weight: float, method: str, into: dict[str, float]) -> None:
    """`scored` is one channel's hits in rank order (dicts keep insertion order)."""
    if weight <= 0:
        return
    if method == "blend":
        _blend(scored, weight, into)
    else:
        _rrf(list(scored), weight, into)


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one query is searched: its language, its vectors per channel and each channel's weight."""

    language: str
    vectors: dict[str, np.ndarray]
    dense: float
    multilingual: float
    lexical: float
    reviews: float
    category_channels: dict[str, float]


class HybridSearcher:
    """`search(query, filters, k)` over one catalog and its Chroma index.

    With a multilingual view in the index (`index.multilingual`), the query's language decides the
    channels: a query in English (the catalog's language) weighs the English encoder, BM25 and the
    multilingual view; any other language is read by the multilingual view alone, with BM25.
    """

    def __init__(self, index: CatalogIndex, catalog: CatalogStore, weights: FusionWeights | None = None,
                 depth: int = 50, auto_refresh: bool = True, catalog_language: str = "en"):
        self.index = index
        self.catalog = catalog
        self.weights = weights or FusionWeights()
        self.depth = depth
        self.auto_refresh = auto_refresh
        self.catalog_language = catalog_language
        self._lexical: _LexicalSide | None = None
        self._kinds: tuple[int, CategoryModel] | None = None
        self._vectors: OrderedDict[tuple[str, str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def lexical(self) -> _LexicalSide:
        with self._lock:
            if self._lexical is None or self._lexical.version != self.catalog.version:
                self._lexical = _LexicalSide(self.catalog)
            return self._lexical

    @property
    def kinds(self) -> CategoryModel:
        """The category step, learned from the index's own product vectors and the titles, once per
        catalog version."""
        with self._lock:
            if self._kinds is None or self._kinds[0] != self.catalog.version:
                ids, paths, vectors = self.index.product_vectors(PRODUCTS)
                channels = {PRODUCTS: vectors}
                if self.index.multilingual is not None:
                    ml_ids, _, ml_vectors = self.index.product_vectors(MULTILINGUAL)
                    order = {pid: i for i, pid in enumerate(ml_ids)}
                    if set(order) == set(ids):
                        channels[MULTILINGUAL] = ml_vectors[[order[pid] for pid in ids]]
                encoders = {PRODUCTS: self.index.encoder, MULTILINGUAL: self.index.multilingual}
                found = self.catalog.get_products(ids)
                products = [found.get(pid) for pid in ids]
                model = CategoryModel().fit(
                    [category_label(p) for p in paths], channels,
                    titles=[p.title if p else "" for p in products], brands=[p.brand if p else "" for p in products],
                    encoders={c: e for c, e in encoders.items() if c in channels})
                self._kinds = (self.catalog.version, model)
            return self._kinds[1]

    def _ready(self) -> None:
        """The index must fit this encoder; a stale one (catalog changed since) is brought up to date."""
        manifest = self.index.check()
        behind = not manifest["complete"] or manifest["catalog_version"] != self.catalog.version \
            or not self.index.multilingual_current()
        if self.auto_refresh and behind:
            log.info("search index is behind the catalog (v%s vs v%s); updating what changed",
                     manifest["catalog_version"], self.catalog.version)
            self.index.sync()

    def _plan(self, text: str, mode: str) -> _Plan:
        w = self.weights
        language = detect_language(text, self.catalog_language)
        foreign = self.index.multilingual is not None and language != self.catalog_language
        vectors: dict[str, np.ndarray] = {}
        if mode != "lexical" or w.category > 0 or w.gate > 0:
            if not foreign:
                vectors[PRODUCTS] = self._encode(PRODUCTS, text)
            if self.index.multilingual is not None and (foreign or w.multilingual > 0 or w.category_multilingual > 0):
                vectors[MULTILINGUAL] = self._encode(MULTILINGUAL, text)
        if foreign:
            # The English encoder reads Chinese as noise, and English reviews do not match it either.
            return _Plan(language, vectors, 0.0, 1.0, w.lexical, 0.0, {MULTILINGUAL: 1.0})
        return _Plan(language, vectors, w.dense, w.multilingual if MULTILINGUAL in vectors else 0.0, w.lexical,
                     w.reviews, {PRODUCTS: 1.0, MULTILINGUAL: w.category_multilingual})

    def _encode(self, channel: str, text: str) -> np.ndarray:
        """A query's vector, remembered for a while: the chat asks the category step, then searches."""
        encoder = self.index.multilingual if channel == MULTILINGUAL else self.index.encoder
        key = (channel, encoder.name, text)
        with self._lock:
            if key in self._vectors:
                self._vectors.move_to_end(key)
                return self._vectors[key]
        vector = encoder.encode([text])
        with self._lock:
            self._vectors[key] = vector
            while len(self._vectors) > QUERY_CACHE:
                self._vectors.popitem(last=False)
        return vector

    def guess_category(self, query: str) -> CategoryGuess:
        """The kinds of product the query most likely asks for (the category step alone)."""
        text = clean_query(query)
        self._ready()
        plan = self._plan(text, "hybrid")
        return self.kinds.predict(plan.vectors, plan.category_channels)[0]

    def search(self, query: str, filters: SearchFilters | None = None, k: int = 10, mode: str = "hybrid",
               use_category: bool = True) -> list[Candidate]:
        if filters is not None and not isinstance(filters, SearchFilters):
            if isinstance(filters, dict):
                filters = SearchFilters.from_dict(filters)
            else:
                raise TypeError(f"filters must be a SearchFilters (from retrieval.query) or None, got "
                                f"{type(filters).__name__}")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a whole number >= 1, got {k!r}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        text = clean_query(query)
        self._ready()
        lex = self.lexical
        parsed = parse_query(text, lex.brands, lex.categories)
        wanted = parsed.filters.merged(resolve_filters(filters, lex.brands, lex.categories) if filters else None)
        free_text = parsed.text or text
        depth = max(self.depth, 3 * k)
        plan = self._plan(free_text, mode)
        guess = None
        gated = False
        if use_category and not wanted.categories and (self.weights.category > 0 or self.weights.gate > 0):
            guess = self.kinds.predict(plan.vectors, plan.category_channels)[0]
            likely = tuple(n for n in guess.names if guess.weight(n) >= self.weights.gate)
            if 0 < len(likely) < len(guess.names):
                # The gate is a filter on the kind: every channel searches within the likely kinds, so
                # a shared word cannot pull in another kind, and a ranker downstream cannot either.
                wanted = replace(wanted, categories=likely)
                gated = True
        scores: dict[str, float] = {}
        dense: dict[str, float] = {}
        lexical: dict[str, float] = {}
        evidence: dict[str, list[str]] = {}
        single = mode != "hybrid"

        if mode in ("hybrid", "dense"):
            if PRODUCTS in plan.vectors and (plan.dense > 0 or single):
                dense = dict(self.index.query_products(plan.vectors[PRODUCTS], depth, wanted)[0])
                _fuse(dense, 1.0 if single else plan.dense, self.weights.method, scores)
            if MULTILINGUAL in plan.vectors and plan.multilingual > 0:
                cross = dict(self.index.query_products(plan.vectors[MULTILINGUAL], depth, wanted, MULTILINGUAL)[0])
                _fuse(cross, 1.0 if single and not dense else plan.multilingual, self.weights.method, scores)
                for pid, value in cross.items():
                    dense[pid] = max(dense.get(pid, value), value)
        mask = lex.mask(wanted)
        if mode in ("hybrid", "lexical"):
            rows, values = lex.top(free_text, depth, mask)
            lexical = {lex.ids[r]: float(v) for r, v in zip(rows, values, strict=True)}
            # BM25 is scaled by its best hit alone: a weak best match should not count as a full one.
            scaled = {pid: v / max(values[0], 1e-9) for pid, v in lexical.items()} if lexical else {}
            weight = 1.0 if single else plan.lexical
            if self.weights.method == "blend":
                for pid, v in scaled.items():
                    scores[pid] = scores.get(pid, 0.0) + weight * v
            else:
                _rrf(list(lexical), weight, scores)
        if mode == "hybrid" and plan.reviews > 0 and PRODUCTS in plan.vectors:
            self._review_channel(free_text, plan.vectors[PRODUCTS], lex, mask, depth, scores, evidence, plan.reviews)
        if guess is not None and self.weights.category > 0:
            for pid in scores:
                row = lex.row.get(pid)
                if row is not None:
                    scores[pid] += self.weights.category * guess.weight(lex.kind[row])

        if gated and not scores and wanted.brands:
            # The brand the shopper named makes nothing of the likely kinds ("anything by Beatnik"): their
            # words win over the guess. A price, rating or exclusion that leaves nothing does not make
            # another kind right: the caller loosens those and keeps the kind.
            return self.search(query, filters, k, mode, use_category=False)
        best = sorted(scores, key=lambda pid: (-scores[pid], pid))[:k]
        products = self.catalog.get_products(best)
        return [Candidate(product=products[pid], score=scores[pid], evidence=tuple(evidence.get(pid, ())[:2]),
                          dense_score=dense.get(pid), lexical_score=lexical.get(pid))
                for pid in best if pid in products and wanted.accepts(products[pid])]

    def _review_channel(self, text: str, vector: np.ndarray, lex: _LexicalSide, mask: np.ndarray, depth: int,
                        scores: dict[str, float], evidence: dict[str, list[str]], weight: float) -> None:
        """Rank products by their best-matching passage from a positive review (dense and BM25, fused)."""
        passage_scores: dict[tuple[str, str], float] = {}
        for rank, (_, _, pid, passage) in enumerate(self.index.query_passages(vector, depth * 2)[0]):
            row = lex.row.get(pid)
            if row is not None and mask[row]:
                key = (pid, passage)
                passage_scores[key] = passage_scores.get(key, 0.0) + 1.0 / (RRF_K + rank + 1)
        allowed = mask[lex.passage_product] & (lex.passage_product >= 0) if len(lex.passage_product) else None
        rows, _ = lex.passages.top(text, depth * 2, allowed)
        for rank, r in enumerate(rows):
            key = (str(lex.ids[lex.passage_product[r]]), lex.passage_text[r])
            passage_scores[key] = passage_scores.get(key, 0.0) + 1.0 / (RRF_K + rank + 1)
        by_product: dict[str, float] = {}
        for (pid, passage), value in sorted(passage_scores.items(), key=lambda kv: -kv[1]):
            by_product.setdefault(pid, value)
            evidence.setdefault(pid, [])
            if passage not in evidence[pid]:
                evidence[pid].append(passage)
        _fuse(by_product, weight, self.weights.method, scores)
