"""Hybrid search: dense (Chroma) and lexical (BM25) rankings of products, plus review-passage evidence,
fused within hard filters.

Each channel adds `weight x its score scaled to [0, 1]` (the default blend) or `weight / (RRF_K + rank)`
(reciprocal rank fusion) for every product it ranks; a product whose positive reviews match the need
("quiet", "fits wide feet") gains from the review channel and carries those passages as its evidence.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from retrieval.catalog_store import CatalogStore
from retrieval.categories import CategoryGuess, CategoryModel, Reading, category_label
from retrieval.filters import CatalogColumns, SearchFilters
from retrieval.index import MULTILINGUAL, PRODUCTS, CatalogIndex
from retrieval.language import detect_language
from retrieval.lexical_index import LexicalIndex, LexicalIndexStale, read_manifest
from retrieval.query import clean_query, parse_query
from retrieval.records import Candidate

log = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "lexical")
RRF_K = 60
QUERY_CACHE = 256  # query vectors (and translations) remembered per searcher
# A query in another language than the catalog's, written as a search query in the catalog's language
# (`HybridSearcher(translate=...)`: the facade passes the local language model's).
Translate = Callable[[str], str]
# Dense hits asked of HNSW per hit wanted within the filters, beyond their share of the catalog, and the
# most asked for before an exact scan of the allowed products instead (bench/retrieval_scale.py).
OVERFETCH_MARGIN = 1.5
OVERFETCH_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class FusionWeights:
    """How the rankings combine. `rrf` adds weight / (RRF_K + rank); `blend` adds weight x the
    channel's score scaled to [0, 1] by its best hit (so a clear lexical winner keeps its lead).

    Tuned on the tune half of the hand-written needs and on generated queries (the bench's guard)
    (bench/retrieval_relevance.py); `category` and `gate` belong to the category step."""

    dense: float = 1.0
    lexical: float = 5.0
    reviews: float = 0.6
    method: str = "blend"
    multilingual: float = 1.0  # the multilingual view of the products, for a query in the catalog's language
    category: float = 2.0  # boost x how likely a product's kind is next to the likeliest kind
    gate: float = 0.15  # kinds less likely than this share of the likeliest are left out
    category_multilingual: float = (
        1.0  # the multilingual channel's say in the category step (same-language query)
    )
    # A query in another language, translated (`HybridSearcher(translate=...)`): the catalog-language
    # channels (dense, BM25, reviews) read the translation with these shares of their weights, beside the
    # multilingual view of the original (weight 1); `category_translated` is the catalog-language
    # channel's say in the category step next to the multilingual one's 1.
    translated: float = 0.5
    category_translated: float = 1.0
    # A query in the catalog's language whose likeliest kind is less likely than `rewrite_below` is read
    # again in the category step: the translator's rewrite of the need ("stretching in hotel rooms when I
    # travel for work" -> "stretching mat for hotel use") by the catalog-language channel, with this say
    # beside the query's.
    category_rewrite: float = 0.5
    rewrite_below: float = 0.6


@dataclass(slots=True)
class _StoredVectors:
    """The index's product vectors per channel, read once per catalog version for the category step."""

    version: int
    ids: np.ndarray
    channels: dict[str, np.ndarray]
    _rows: tuple[CatalogColumns, np.ndarray] | None = None

    def exact(
        self, name: str, vector: np.ndarray, depth: int, mask: np.ndarray, columns: CatalogColumns
    ) -> dict[str, float]:
        """Cosine (the vectors are L2-normalized) with every stored product the mask allows, best `depth`."""
        if self._rows is None or self._rows[0] is not columns:
            self._rows = (columns, np.array([columns.row.get(pid, -1) for pid in self.ids], dtype=np.int64))
        rows = self._rows[1]
        keep = np.flatnonzero((rows >= 0) & mask[np.maximum(rows, 0)])
        scores = self.channels[name][keep] @ np.asarray(vector, dtype=np.float32).ravel()
        best = np.argsort(-scores, kind="stable")[:depth]
        return {self.ids[keep[j]]: float(scores[j]) for j in best}


@dataclass(frozen=True, slots=True)
class _CatalogView:
    """What search reads of one catalog version: the lexical index, the filter columns in the same row
    order, each row's kind, and the brand and category names the query parser looks for."""

    text: LexicalIndex
    columns: CatalogColumns
    kind: np.ndarray
    brands: list[str]
    categories: list[tuple[str, ...]]

    @property
    def version(self) -> int:
        return self.text.catalog_version

    @classmethod
    def of(cls, text: LexicalIndex, columns: CatalogColumns) -> _CatalogView:
        kinds = np.array([category_label(path) for path in columns.paths] or [""], dtype=object)
        return cls(
            text=text,
            columns=columns,
            kind=kinds[columns.path_code],
            brands=sorted({b for names in columns.brand_spellings.values() for b in names if b}),
            categories=sorted(p for p in columns.paths if p),
        )


def _readings(vectors: dict[str, np.ndarray], says: dict[str, float]) -> tuple[Reading, ...]:
    return tuple(Reading(c, vectors[c], say) for c, say in says.items() if c in vectors)


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
    """How one query is searched: its language, the text BM25 and the reviews read (the query's, or its
    translation), its vectors per channel, each channel's weight, and what the category step reads."""

    language: str
    text: str
    vectors: dict[str, np.ndarray]
    dense: float
    multilingual: float
    lexical: float
    reviews: float
    category: tuple[Reading, ...]


@dataclass(slots=True)
class _Found:
    """What the channels found for one query: fused scores, and each channel's own for the candidates."""

    scores: dict[str, float] = field(default_factory=dict)
    dense: dict[str, float] = field(default_factory=dict)
    lexical: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, list[str]] = field(default_factory=dict)


class HybridSearcher:
    """`search(query, filters, k)` over one catalog and its Chroma index.

    With a multilingual view in the index (`index.multilingual`), the query's language decides the
    channels: a query in English (the catalog's language) weighs the English encoder, BM25 and the
    multilingual view; any other language is read by the multilingual view alone, with BM25, or, given
    `translate` (a query in another language -> one in the catalog's), by the multilingual view of the
    original beside every catalog-language channel reading the translation (weighed by
    `FusionWeights.translated`). Translations are remembered per query like the vectors; a translator
    that fails or answers in another language leaves the query to the multilingual view.
    """

    def __init__(
        self,
        index: CatalogIndex,
        catalog: CatalogStore,
        weights: FusionWeights | None = None,
        depth: int = 50,
        auto_refresh: bool = True,
        catalog_language: str = "en",
        lexical_dir: str | Path | None = None,
        translate: Translate | None = None,
    ):
        self.index = index
        self.translate = translate
        self.catalog = catalog
        self.weights = weights or FusionWeights()
        self.depth = depth
        self.auto_refresh = auto_refresh
        self.catalog_language = catalog_language
        # Where the lexical index is saved (None: built in memory by each searcher, as in tests).
        self.lexical_dir = Path(lexical_dir) if lexical_dir is not None else None
        self._view: _CatalogView | None = None
        self._kinds: tuple[tuple[int, bool], CategoryModel] | None = None
        self._stored: _StoredVectors | None = None
        self._vectors: OrderedDict[tuple[str, str, str], np.ndarray] = OrderedDict()
        self._translations: OrderedDict[str, str | None] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def view(self) -> _CatalogView:
        """The lexical index and filter columns of the catalog's current version (loaded once per version)."""
        with self._lock:
            version = self.catalog.version
            if self._view is None or self._view.version != version:
                columns = self.catalog.filter_columns()
                text = self._lexical_index(version)
                if not np.array_equal(text.ids, columns.ids):
                    # Same version, other products: the saved index cannot be trusted.
                    text = self._rebuild_lexical("its products differ from the catalog's")
                self._view = _CatalogView.of(text, columns)
            return self._view

    def _lexical_index(self, version: int) -> LexicalIndex:
        if self.lexical_dir is None:
            return LexicalIndex.build(self.catalog)
        try:
            return LexicalIndex.load(self.lexical_dir, version)
        except LexicalIndexStale as exc:
            if not self.auto_refresh:
                raise
            return self._rebuild_lexical(str(exc))

    def _rebuild_lexical(self, why: str) -> LexicalIndex:
        log.info("rebuilding the lexical index (%s)", why)
        text = LexicalIndex.build(self.catalog)
        if self.lexical_dir is not None:
            text.save(self.lexical_dir)
        return text

    def build_lexical(self, rebuild: bool = False) -> dict:
        """Build and save the lexical index unless the saved one is current (`shopmate index` calls this)."""
        started = time.perf_counter()
        manifest = read_manifest(self.lexical_dir) if self.lexical_dir is not None else None
        current = manifest is not None and not rebuild
        if current:
            try:
                LexicalIndex.load(self.lexical_dir, self.catalog.version)
            except LexicalIndexStale:
                current = False
        if not current:
            with self._lock:
                self._view = None
                text = self._rebuild_lexical("rebuild asked for" if rebuild else "it is behind the catalog")
                manifest = text.manifest()
        return {
            **manifest,
            "built": not current,
            "seconds": round(time.perf_counter() - started, 3),
            "location": str(self.lexical_dir) if self.lexical_dir is not None else None,
        }

    @property
    def kinds(self) -> CategoryModel:
        """The category step, learned from the index's own product vectors and the titles, once per
        catalog version."""
        with self._lock:
            # Learned again when the catalog changes or the multilingual view comes or goes: a model
            # learned without that channel would read every query without it for good.
            fitted_for = (self.catalog.version, self.index.multilingual is not None)
            if self._kinds is None or self._kinds[0] != fitted_for:
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
                    [category_label(p) for p in paths],
                    channels,
                    titles=[p.title if p else "" for p in products],
                    brands=[p.brand if p else "" for p in products],
                    encoders={c: e for c, e in encoders.items() if c in channels},
                )
                self._kinds = (fitted_for, model)
                # Kept for the exact scan of narrow filters (`_dense`): they were read anyway.
                self._stored = _StoredVectors(self.catalog.version, np.array(ids, dtype=object), channels)
            return self._kinds[1]

    def _ready(self) -> None:
        """The index must fit this encoder; a stale one (catalog changed since) is brought up to date."""
        manifest = self.index.check()
        behind = (
            not manifest["complete"]
            or manifest["catalog_version"] != self.catalog.version
            or not self.index.multilingual_current()
        )
        if self.auto_refresh and behind:
            log.info(
                "search index is behind the catalog (v%s vs v%s); updating what changed",
                manifest["catalog_version"],
                self.catalog.version,
            )
            self.index.sync()

    def _plan(self, text: str, mode: str, model: bool = True) -> _Plan:
        w = self.weights
        language = detect_language(text, self.catalog_language)
        if language != self.catalog_language and (plan := self._foreign_plan(text, language, mode, model)):
            return plan
        vectors: dict[str, np.ndarray] = {}
        if mode != "lexical" or w.category > 0 or w.gate > 0:
            vectors[PRODUCTS] = self._encode(PRODUCTS, text)
            if self.index.multilingual is not None and (w.multilingual > 0 or w.category_multilingual > 0):
                vectors[MULTILINGUAL] = self._encode(MULTILINGUAL, text)
        return _Plan(
            language,
            text,
            vectors,
            w.dense,
            w.multilingual if MULTILINGUAL in vectors else 0.0,
            w.lexical,
            w.reviews,
            _readings(vectors, {PRODUCTS: 1.0, MULTILINGUAL: w.category_multilingual}),
        )

    def _foreign_plan(self, text: str, language: str, mode: str, model: bool = True) -> _Plan | None:
        """A query in another language than the catalog's: the multilingual view reads it; with a
        translation, the catalog-language channels read that too. Without one, the English encoder would
        read Chinese as noise, and English reviews do not match it either. None when there is neither a
        multilingual view nor a translation (the query is then read as any other)."""
        w = self.weights
        english = (
            self.translation(text) if model and self.translate is not None and w.translated > 0 else None
        )
        multilingual = self.index.multilingual is not None
        if english is None and not multilingual:
            return None
        vectors: dict[str, np.ndarray] = {}
        if mode != "lexical" or w.category > 0 or w.gate > 0:
            if multilingual:
                vectors[MULTILINGUAL] = self._encode(MULTILINGUAL, text)
            if english is not None:
                vectors[PRODUCTS] = self._encode(PRODUCTS, english)
        if english is None:
            return _Plan(
                language, text, vectors, 0.0, 1.0, w.lexical, 0.0, _readings(vectors, {MULTILINGUAL: 1.0})
            )
        t = w.translated
        return _Plan(
            language,
            english,
            vectors,
            t * w.dense,
            1.0 if multilingual else 0.0,
            t * w.lexical,
            t * w.reviews,
            _readings(
                vectors,
                {MULTILINGUAL: 1.0, PRODUCTS: w.category_translated} if multilingual else {PRODUCTS: 1.0},
            ),
        )

    def translation(self, text: str) -> str | None:
        """`text` as the translator writes it in the catalog's language (remembered per text), or None
        without a translator, when it fails, or when its answer is not in the catalog's language."""
        if self.translate is None:
            return None
        with self._lock:
            if text in self._translations:
                self._translations.move_to_end(text)
                return self._translations[text]
        try:
            answer = self.translate(text)
        except Exception:  # a translator is a model or a server: search goes on without it
            log.warning("query translation failed; searching with the multilingual view alone", exc_info=True)
            answer = None
        answer = " ".join(answer.split()) if isinstance(answer, str) else ""
        english = (
            clean_query(answer) if answer and detect_language(answer, "") == self.catalog_language else None
        )
        with self._lock:
            self._translations[text] = english
            while len(self._translations) > QUERY_CACHE:
                self._translations.popitem(last=False)
        return english

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

    def guess_category(self, query: str, model: bool = True) -> CategoryGuess:
        """The kinds of product the query most likely asks for (the category step alone). `model=False`
        reads it by the encoders only, with no translation or rewrite: for a quick check that needs
        only a sure guess (the chat's "one for my dry face" after backpacks)."""
        text = clean_query(query)
        self._ready()
        return self._guess(self._plan(text, "hybrid", model), model)

    def _guess(self, plan: _Plan, model: bool = True) -> CategoryGuess:
        """The category step's guess. An unsure one, for a query in the catalog's language, is read again
        with the translator's rewrite of the need: the model names a product where the encoders weigh
        situation words ("travel" in a need for stretching pulls towards backpacks). Only unsure queries
        pay for the model, and once (remembered)."""
        guess = self.kinds.predict(plan.category)[0]
        w = self.weights
        if (
            not model
            or self.translate is None
            or w.category_rewrite <= 0
            or plan.language != self.catalog_language
            or not guess.probs
            or guess.probs[0] >= w.rewrite_below
        ):
            return guess
        rewrite = self.translation(plan.text)
        if rewrite is None or rewrite.casefold() == plan.text.casefold():
            return guess
        again = Reading(PRODUCTS, self._encode(PRODUCTS, rewrite), w.category_rewrite)
        return self.kinds.predict([*plan.category, again])[0]

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        k: int = 10,
        mode: str = "hybrid",
        use_category: bool = True,
    ) -> list[Candidate]:
        filters = SearchFilters.coerce(filters)
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a whole number >= 1, got {k!r}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        text = clean_query(query)
        self._ready()
        view = self.view
        parsed = parse_query(text, view.brands, view.categories)
        plan = self._plan(parsed.text or text, mode)
        guess, wanted, gated = self._gate(plan, parsed.filters.merged(filters), use_category)
        found = self._channels(plan, mode, wanted, max(self.depth, 3 * k))
        if guess is not None and self.weights.category > 0:
            for pid in found.scores:
                found.scores[pid] += self.weights.category * guess.weight(view.kind[view.columns.row[pid]])
        if gated and not found.scores and wanted.brands:
            # The brand the shopper named makes nothing of the likely kinds ("anything by Beatnik"): their
            # words win over the guess. A price, rating or exclusion that leaves nothing does not make
            # another kind right: the caller loosens those and keeps the kind.
            return self.search(query, filters, k, mode, use_category=False)
        return self._page(found, k)

    def _gate(
        self, plan: _Plan, wanted: SearchFilters, use_category: bool
    ) -> tuple[CategoryGuess | None, SearchFilters, bool]:
        """The category step's guess at the kind, and the filters gated to the likely kinds when the
        guess is clear (no gate when the shopper named a category, or the step is off)."""
        if not use_category or wanted.categories or (self.weights.category <= 0 and self.weights.gate <= 0):
            return None, wanted, False
        guess = self._guess(plan)
        likely = tuple(n for n in guess.names if guess.weight(n) >= self.weights.gate)
        if 0 < len(likely) < len(guess.names):
            # The gate is a filter on the kind: every channel searches within the likely kinds, so
            # a shared word cannot pull in another kind, and a ranker downstream cannot either.
            return guess, replace(wanted, categories=likely), True
        return guess, wanted, False

    def _channels(self, plan: _Plan, mode: str, wanted: SearchFilters, depth: int) -> _Found:
        """Every channel of the mode, fused; each searches within the same mask (Chroma gets it as a
        `where` built by the same rules)."""
        view = self.view
        found = _Found()
        mask = view.columns.mask(wanted)
        if mode in ("hybrid", "dense"):
            self._dense_channels(plan, mode, wanted, mask, depth, found)
        if mode in ("hybrid", "lexical"):
            self._lexical_channel(plan, mode, mask, depth, found)
        if mode == "hybrid" and plan.reviews > 0 and PRODUCTS in plan.vectors:
            self._review_channel(
                plan.text,
                plan.vectors[PRODUCTS],
                view,
                mask,
                depth,
                found.scores,
                found.evidence,
                plan.reviews,
            )
        return found

    def _dense_channels(
        self, plan: _Plan, mode: str, wanted: SearchFilters, mask: np.ndarray, depth: int, found: _Found
    ) -> None:
        single, columns = mode != "hybrid", self.view.columns
        if PRODUCTS in plan.vectors and (plan.dense > 0 or single):
            found.dense = self._dense(plan.vectors[PRODUCTS], depth, wanted, columns, mask, PRODUCTS)
            _fuse(found.dense, 1.0 if single else plan.dense, self.weights.method, found.scores)
        if MULTILINGUAL in plan.vectors and plan.multilingual > 0:
            cross = self._dense(plan.vectors[MULTILINGUAL], depth, wanted, columns, mask, MULTILINGUAL)
            weight = 1.0 if single and not found.dense else plan.multilingual
            _fuse(cross, weight, self.weights.method, found.scores)
            for pid, value in cross.items():
                found.dense[pid] = max(found.dense.get(pid, value), value)

    def _lexical_channel(self, plan: _Plan, mode: str, mask: np.ndarray, depth: int, found: _Found) -> None:
        rows, values = self.view.text.top_products(plan.text, depth, mask)
        found.lexical = {self.view.columns.ids[r]: float(v) for r, v in zip(rows, values, strict=True)}
        weight = 1.0 if mode != "hybrid" else plan.lexical
        if self.weights.method != "blend":
            _rrf(list(found.lexical), weight, found.scores)
            return
        # BM25 is scaled by its best hit alone: a weak best match should not count as a full one.
        for pid, v in found.lexical.items():
            found.scores[pid] = found.scores.get(pid, 0.0) + weight * v / max(values[0], 1e-9)

    def _page(self, found: _Found, k: int) -> list[Candidate]:
        best = sorted(found.scores, key=lambda pid: (-found.scores[pid], pid))[:k]
        products = self.catalog.get_products(best)  # one query for the whole page
        return [
            Candidate(
                product=products[pid],
                score=found.scores[pid],
                evidence=tuple(found.evidence.get(pid, ())[:2]),
                dense_score=found.dense.get(pid),
                lexical_score=found.lexical.get(pid),
            )
            for pid in best
            if pid in products
        ]

    def _dense(
        self,
        vector: np.ndarray,
        depth: int,
        wanted: SearchFilters,
        columns: CatalogColumns,
        mask: np.ndarray,
        name: str,
    ) -> dict[str, float]:
        """Chroma's best `depth` hits within the mask.

        Chroma evaluates a `where` in SQLite over every product before its HNSW search, which costs
        ten times the search itself (about 30 ms against 3 ms at 10k products, and it grows with the
        catalog). So HNSW is asked for enough more hits that `depth` of them pass the mask, and filters
        too narrow for that get an exact scan of the products they allow. The mask has the last word
        (Chroma holds 4 category levels)."""
        allowed = int(np.count_nonzero(mask))
        if not allowed:
            return {}
        fetch = depth if allowed == len(mask) else math.ceil(depth * len(mask) / allowed * OVERFETCH_MARGIN)
        if fetch <= OVERFETCH_LIMIT:
            hits = self.index.query_products(vector, fetch, None, name)[0]
        else:
            # Too narrow for HNSW: an exact scan of the allowed products' vectors, which the category step
            # has read already; Chroma's `where` (seconds at 100k products) only if they are not there.
            self.kinds  # noqa: B018
            stored = self._stored
            if stored is not None and stored.version == self.catalog.version and name in stored.channels:
                return stored.exact(name, vector, depth, mask, columns)
            hits = self.index.query_products(vector, depth, wanted, name, columns=columns)[0]
        kept = ((pid, s) for pid, s in hits if (row := columns.row.get(pid)) is not None and mask[row])
        return dict(itertools.islice(kept, depth))

    def _review_channel(
        self,
        text: str,
        vector: np.ndarray,
        view: _CatalogView,
        mask: np.ndarray,
        depth: int,
        scores: dict[str, float],
        evidence: dict[str, list[str]],
        weight: float,
    ) -> None:
        """Rank products by their best-matching passage from a positive review (dense and BM25, fused)."""
        row_of = view.columns.row
        lex = view.text
        passage_scores: dict[tuple[str, str], float] = {}
        for rank, (_, _, pid, passage) in enumerate(self.index.query_passages(vector, depth * 2)[0]):
            row = row_of.get(pid)
            if row is not None and mask[row]:
                key = (pid, passage)
                passage_scores[key] = passage_scores.get(key, 0.0) + 1.0 / (RRF_K + rank + 1)
        allowed = mask[lex.passage_product] if len(lex.passage_product) else None
        rows, _ = lex.passages.top(text, depth * 2, allowed)
        for rank, r in enumerate(rows):
            key = (str(view.columns.ids[lex.passage_product[r]]), lex.passage_text[r])
            passage_scores[key] = passage_scores.get(key, 0.0) + 1.0 / (RRF_K + rank + 1)
        by_product: dict[str, float] = {}
        for (pid, passage), value in sorted(passage_scores.items(), key=lambda kv: -kv[1]):
            by_product.setdefault(pid, value)
            evidence.setdefault(pid, [])
            if passage not in evidence[pid]:
                evidence[pid].append(passage)
        _fuse(by_product, weight, self.weights.method, scores)
