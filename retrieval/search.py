"""Hybrid search: dense (Chroma) and lexical (BM25) rankings of products, plus review-passage evidence,
fused within hard filters.

Each channel adds `weight x its score scaled to [0, 1]` (the default blend) or `weight / (RRF_K + rank)`
(reciprocal rank fusion) for every product it ranks; a product whose positive reviews match the need
("quiet", "fits wide feet") gains from the review channel and carries those passages as its evidence.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.catalog_store import CatalogStore
from retrieval.index import CATEGORY_LEVELS, CatalogIndex, product_document
from retrieval.lexical import BM25
from retrieval.passages import review_passages
from retrieval.query import SearchFilters, clean_query, parse_query, resolve_filters
from retrieval.records import Candidate

log = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "lexical")
RRF_K = 60


@dataclass(frozen=True, slots=True)
class FusionWeights:
    """How the three rankings combine. `rrf` adds weight / (RRF_K + rank); `blend` adds weight x the
    channel's score scaled to [0, 1] by its best hit (so a clear lexical winner keeps its lead)."""

    dense: float = 1.0
    lexical: float = 5.0
    reviews: float = 0.6
    method: str = "blend"  # tuned on the demo store's dev queries (bench/retrieval_relevance.py)


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
        self.products = BM25().fit([product_document(p) for p in products])
        passages = [x for r in catalog.iter_reviews() if r.rating >= 4 for x in review_passages(r)]
        self.passage_product = np.array([self.row.get(x.product_id, -1) for x in passages], dtype=np.int64)
        self.passage_text = [x.text for x in passages]
        self.passages = BM25().fit(self.passage_text)
        self.brands = sorted({p.brand for p in products if p.brand})
        self.categories = sorted({p.category for p in products if p.category})

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
    if method == "blend":
        _blend(scored, weight, into)
    else:
        _rrf(list(scored), weight, into)


class HybridSearcher:
    """`search(query, filters, k)` over one catalog and its Chroma index."""

    def __init__(self, index: CatalogIndex, catalog: CatalogStore, weights: FusionWeights | None = None,
                 depth: int = 50, auto_refresh: bool = True):
        self.index = index
        self.catalog = catalog
        self.weights = weights or FusionWeights()
        self.depth = depth
        self.auto_refresh = auto_refresh
        self._lexical: _LexicalSide | None = None
        self._lock = threading.Lock()

    @property
    def lexical(self) -> _LexicalSide:
        with self._lock:
            if self._lexical is None or self._lexical.version != self.catalog.version:
                self._lexical = _LexicalSide(self.catalog)
            return self._lexical

    def _ready(self) -> None:
        """The index must fit this encoder; a stale one (catalog changed since) is brought up to date."""
        manifest = self.index.check()
        if self.auto_refresh and (not manifest["complete"] or manifest["catalog_version"] != self.catalog.version):
            log.info("search index is behind the catalog (v%s vs v%s); updating what changed",
                     manifest["catalog_version"], self.catalog.version)
            self.index.sync()

    def search(self, query: str, filters: SearchFilters | None = None, k: int = 10, mode: str = "hybrid"
               ) -> list[Candidate]:
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
        scores: dict[str, float] = {}
        dense: dict[str, float] = {}
        lexical: dict[str, float] = {}
        evidence: dict[str, list[str]] = {}
        vector = self.index.encoder.encode([free_text]) if mode != "lexical" else None

        if mode in ("hybrid", "dense"):
            dense = dict(self.index.query_products(vector, depth, wanted)[0])
            _fuse(dense, self.weights.dense if mode == "hybrid" else 1.0, self.weights.method, scores)
        if mode in ("hybrid", "lexical"):
            mask = lex.mask(wanted)
            rows, values = lex.products.top(free_text, depth, mask)
            lexical = {lex.ids[r]: float(v) for r, v in zip(rows, values, strict=True)}
            # BM25 is scaled by its best hit alone: a weak best match should not count as a full one.
            scaled = {pid: v / max(values[0], 1e-9) for pid, v in lexical.items()} if lexical else {}
            if self.weights.method == "blend":
                for pid, v in scaled.items():
                    scores[pid] = scores.get(pid, 0.0) + (self.weights.lexical if mode == "hybrid" else 1.0) * v
            else:
                _rrf(list(lexical), self.weights.lexical if mode == "hybrid" else 1.0, scores)
        if mode == "hybrid" and self.weights.reviews > 0:
            self._review_channel(free_text, vector, lex, mask, depth, scores, evidence)

        best = sorted(scores, key=lambda pid: (-scores[pid], pid))[:k]
        products = self.catalog.get_products(best)
        return [Candidate(product=products[pid], score=scores[pid], evidence=tuple(evidence.get(pid, ())[:2]),
                          dense_score=dense.get(pid), lexical_score=lexical.get(pid))
                for pid in best if pid in products and wanted.accepts(products[pid])]

    def _review_channel(self, text: str, vector: np.ndarray, lex: _LexicalSide, mask: np.ndarray, depth: int,
                        scores: dict[str, float], evidence: dict[str, list[str]]) -> None:
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
        _fuse(by_product, self.weights.reviews, self.weights.method, scores)
