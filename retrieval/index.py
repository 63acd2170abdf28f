"""Products and review passages embedded in Chroma, kept in step with the catalog incrementally.

Each item's content hash is stored in its Chroma metadata, next to its vector, so the index itself
says what it holds: a sync embeds only items whose hash changed, deletes what left the catalog, and an
interrupted sync resumes where it stopped (every batch is committed on its own). The products
collection's metadata is the manifest: which encoder (name, dim) and catalog version built the index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
from tqdm import tqdm

from retrieval.catalog_store import CatalogStore
from retrieval.encoders import Encoder
from retrieval.filters import CATEGORY_LEVELS, CatalogColumns, SearchFilters, chroma_where
from retrieval.passages import review_passages
from retrieval.records import Product

log = logging.getLogger(__name__)

PRODUCTS = "shopmate_products"
PASSAGES = "shopmate_review_passages"
# Products once more, read by the multilingual encoder: a Chinese need meets an English catalog here.
MULTILINGUAL = "shopmate_products_multilingual"
INDEX_FORMAT = 1
REBUILD_HINT = "run `shopmate index --rebuild`"


class SearchIndexError(RuntimeError):
    """Base of the index's errors; each message names the fix."""


class IndexNotBuiltError(SearchIndexError):
    pass


class IndexMismatchError(SearchIndexError):
    pass


@dataclass(slots=True)
class SyncReport:
    products: dict[str, int] = field(default_factory=dict)
    passages: dict[str, int] = field(default_factory=dict)
    multilingual: dict[str, int] = field(default_factory=dict)
    lexical: dict[str, Any] = field(
        default_factory=dict
    )  # the lexical index's manifest, filled by Shop.build_index
    seconds: float = 0.0
    catalog_version: int = 0

    @property
    def embedded(self) -> int:
        return sum(part.get("embedded", 0) for part in (self.products, self.passages, self.multilingual))

    def to_dict(self) -> dict[str, Any]:
        return {
            "products": self.products,
            "passages": self.passages,
            "multilingual": self.multilingual,
            "lexical": self.lexical,
            "seconds": round(self.seconds, 3),
            "catalog_version": self.catalog_version,
            "items_per_s": round(self.embedded / self.seconds, 1) if self.seconds and self.embedded else None,
        }


def product_document(p: Product) -> str:
    """The text a product is found by: title, brand, category, description and attributes."""
    attributes = "; ".join(f"{k}: {v}" for k, v in sorted(p.attributes.items()) if v)
    parts = [
        p.title,
        f"Brand: {p.brand}" if p.brand else "",
        f"Category: {p.category_path}" if p.category else "",
        p.description,
        attributes,
    ]
    return "\n".join(part for part in parts if part)


def product_brief(p: Product) -> str:
    """A short text for the multilingual encoder: the kind, title and attributes carry a product's meaning
    across languages, and that encoder reads long texts slowly (here about 3 descriptions a second)."""
    attributes = "; ".join(f"{k}: {v}" for k, v in sorted(p.attributes.items()) if v)
    return ". ".join(part for part in (p.title, " > ".join(p.category), attributes) if part)


def product_metadata(p: Product) -> dict[str, Any]:
    """Filterable fields (Chroma metadata holds no None: a missing price or rating is left out)."""
    meta: dict[str, Any] = {"product_id": p.id, "brand": p.brand}
    if p.price is not None:
        meta["price"] = float(p.price)
    if p.rating is not None:
        meta["rating"] = float(p.rating)
    for level, name in enumerate(p.category[:CATEGORY_LEVELS]):
        meta[f"cat_{level}"] = name
    return meta


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


def store_collection(name: str, store: str | None) -> str:
    """The collection a store uses on a shared Chroma server: its name inside, so stores never collide."""
    return name if not store else name.replace("shopmate_", f"shopmate_{store}_", 1)


def store_name(catalog: CatalogStore) -> str:
    """A stable name for this store: its directory's name and an id made once and kept in its database."""
    store_id = catalog.db.get_meta("store_id")
    if store_id is None:
        store_id = uuid.uuid4().hex[:10]
        catalog.db.set_meta("store_id", store_id)
    # Chroma names are at most 63 characters: "shopmate_" + this + "_review_passages" stays under.
    slug = re.sub(r"[^A-Za-z0-9]+", "-", catalog.db.path.parent.name)[:16].strip("-") or "store"
    return f"{slug}-{store_id}"


def make_client(path: str | Path | None = None, url: str | None = None, attempts: int = 5):
    """Chroma's server at `url` (`chroma run`), else the embedded client storing its files in `path`.

    A server still starting (or restarting) is tried again with backoff; one that stays down is an
    error naming it."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        if not parsed.hostname:
            raise ValueError(f"--chroma-url {url!r} is not a URL; write e.g. http://localhost:8000")
        from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

        try:
            return Retrying(
                retry=retry_if_exception_type(Exception),
                stop=stop_after_attempt(attempts),
                wait=wait_exponential(multiplier=0.5, max=8),
                reraise=True,
            )(
                chromadb.HttpClient,
                host=parsed.hostname,
                port=parsed.port or (443 if parsed.scheme == "https" else 80),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        except Exception as exc:  # chromadb raises ValueError / httpx errors for a server that is not there
            raise SearchIndexError(
                f"the Chroma server at {url} did not answer after {attempts} tries ({exc}); "
                "start it (`chroma run --path DIR --port PORT`), fix --chroma-url / "
                "SHOPMATE_CHROMA_URL, or unset it to use the embedded index"
            ) from exc
    if path is None:
        raise ValueError("the index needs a directory (path) or a Chroma server (url)")
    Path(path).mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


@dataclass(frozen=True, slots=True)
class _Item:
    id: str
    document: str
    metadata: dict[str, Any]
    hash: str


class CatalogIndex:
    """The Chroma side of retrieval: `sync()` it with the catalog, then `query_products` / `query_passages`."""

    def __init__(
        self,
        catalog: CatalogStore,
        encoder: Encoder,
        path: str | Path | None = None,
        url: str | None = None,
        batch_size: int = 1024,
        client=None,
        store: str | None = None,
        multilingual: Encoder | None = None,
    ):
        self.catalog = catalog
        self.encoder = encoder
        # A second, multilingual view of the products (None: the primary encoder's view only).
        self.multilingual = multilingual
        self.location = url or str(path)
        self.batch_size = batch_size
        self.client = client if client is not None else make_client(path, url)
        # On a server many stores may share, each store's collections carry its name.
        self.store = store or (store_name(catalog) if url else None)
        self._lock = threading.RLock()
        self._collections: dict[str, Any] = {}

    # -- collections and manifest -------------------------------------------------------------------
    def _collection(self, name: str, create: bool = False):
        if name not in self._collections:
            if create:
                self._collections[name] = self.client.get_or_create_collection(
                    store_collection(name, self.store),
                    embedding_function=None,
                    configuration={"hnsw": {"space": "cosine"}},
                    metadata=self._manifest_metadata(complete=False, encoder=self._encoder_of(name)),
                )
            else:
                try:
                    self._collections[name] = self.client.get_collection(
                        store_collection(name, self.store), embedding_function=None
                    )
                except Exception as exc:  # chromadb raises NotFoundError (or ValueError in older clients)
                    if "does not exist" in str(exc) or "not found" in str(exc).lower():
                        return None
                    raise
        return self._collections[name]

    def _encoder_of(self, name: str) -> Encoder:
        return self.multilingual if name == MULTILINGUAL and self.multilingual is not None else self.encoder

    def _manifest_metadata(
        self, complete: bool, catalog_version: int | None = None, encoder: Encoder | None = None
    ) -> dict[str, Any]:
        encoder = encoder or self.encoder
        return {
            "shopmate_format": INDEX_FORMAT,
            "shopmate_encoder": encoder.name,
            "shopmate_dim": int(encoder.dim),
            "shopmate_complete": complete,
            "shopmate_catalog_version": int(catalog_version if catalog_version is not None else -1),
        }

    def manifest(self, name: str = PRODUCTS) -> dict[str, Any] | None:
        """What built the index: encoder name and dim, catalog version, whether the last sync finished.

        The products collection's manifest covers the whole index; `name=MULTILINGUAL` reads the
        multilingual view's own (its encoder, and the catalog version it last caught up with)."""
        products = self._collection(name)
        if products is None:
            return None
        meta = dict(products.metadata or {})
        return {
            "encoder": meta.get("shopmate_encoder"),
            "dim": meta.get("shopmate_dim"),
            "catalog_version": meta.get("shopmate_catalog_version"),
            "complete": meta.get("shopmate_complete"),
            "format": meta.get("shopmate_format"),
            "location": self.location,
        }

    def check(self) -> dict[str, Any]:
        """The manifest, or an error naming the fix when this index cannot serve this store's encoder."""
        manifest = self.manifest()
        if manifest is None:
            raise IndexNotBuiltError(f"no search index at {self.location}; run `shopmate index` first")
        self._check_encoder(manifest)
        if not manifest["complete"] and manifest["catalog_version"] == -1:
            raise IndexNotBuiltError(
                f"the search index at {self.location} was never finished; run `shopmate index` to resume it"
            )
        return manifest

    def _check_encoder(self, manifest: dict[str, Any], encoder: Encoder | None = None) -> None:
        encoder = encoder or self.encoder
        if (
            manifest["format"] != INDEX_FORMAT
            or manifest["encoder"] != encoder.name
            or manifest["dim"] != encoder.dim
        ):
            raise IndexMismatchError(
                f"the search index at {self.location} was built with encoder {manifest['encoder']!r} "
                f"(dim {manifest['dim']}, format {manifest['format']}), but this store uses "
                f"{encoder.name!r} (dim {encoder.dim}, format {INDEX_FORMAT}); {REBUILD_HINT}"
            )

    def _holds_catalog(self, manifest: dict[str, Any] | None) -> bool:
        """A collection whose last sync finished at the catalog's current version."""
        return bool(manifest and manifest["complete"] and manifest["catalog_version"] == self.catalog.version)

    def multilingual_current(self) -> bool:
        """True when no multilingual view is wanted, or it holds the catalog's current version."""
        return self.multilingual is None or self._holds_catalog(self.manifest(MULTILINGUAL))

    def is_current(self) -> bool:
        return self._holds_catalog(self.manifest()) and self.multilingual_current()

    # -- sync ---------------------------------------------------------------------------------------
    def _wanted_products(self) -> Iterator[_Item]:
        for p in self.catalog.iter_products():
            doc = product_document(p)
            meta = product_metadata(p)
            digest = _digest(doc, meta)
            yield _Item(p.id, doc, {**meta, "hash": digest}, digest)

    def _wanted_briefs(self) -> Iterator[_Item]:
        for p in self.catalog.iter_products():
            doc = product_brief(p)
            meta = product_metadata(p)
            digest = _digest(doc, meta)
            yield _Item(p.id, doc, {**meta, "hash": digest}, digest)

    def _wanted_passages(self) -> Iterator[_Item]:
        for review in self.catalog.iter_reviews():
            for passage in review_passages(review):
                meta = {
                    "product_id": passage.product_id,
                    "review_id": passage.review_id,
                    "rating": passage.rating,
                }
                digest = _digest(passage.text, meta)
                yield _Item(passage.id, passage.text, {**meta, "hash": digest}, digest)

    @staticmethod
    def stored_hashes(collection, page: int = 5000) -> dict[str, str]:
        hashes: dict[str, str] = {}
        offset = 0
        while True:
            got = collection.get(include=["metadatas"], limit=page, offset=offset)
            for item_id, meta in zip(got["ids"], got["metadatas"], strict=True):
                hashes[item_id] = (meta or {}).get("hash", "")
            if len(got["ids"]) < page:
                return hashes
            offset += page

    def sync(self, rebuild: bool = False, show_progress: bool = False) -> SyncReport:
        """Bring Chroma in line with the catalog; only new or changed items are embedded."""
        with self._lock:
            started = time.perf_counter()
            version = self.catalog.version
            manifest = self.manifest()
            if rebuild:
                for name in (PRODUCTS, PASSAGES, MULTILINGUAL):
                    if self._collection(name) is not None:
                        self.client.delete_collection(store_collection(name, self.store))
                    self._collections.pop(name, None)
            elif manifest is not None:
                self._check_encoder(manifest)
            products = self._collection(PRODUCTS, create=True)
            passages = self._collection(PASSAGES, create=True)
            products.modify(
                metadata=self._manifest_metadata(
                    complete=False,
                    catalog_version=(manifest or {}).get("catalog_version", -1) if not rebuild else -1,
                )
            )
            report = SyncReport(catalog_version=version)
            report.products = self._sync_collection(
                products, self._wanted_products(), "products", show_progress
            )
            report.passages = self._sync_collection(
                passages, self._wanted_passages(), "review passages", show_progress
            )
            if self.multilingual is not None:
                report.multilingual = self._sync_multilingual(version, show_progress)
            products.modify(metadata=self._manifest_metadata(complete=True, catalog_version=version))
            report.seconds = time.perf_counter() - started
            log.info("index synced: %s", report.to_dict())
            return report

    def _sync_multilingual(self, version: int, show_progress: bool) -> dict[str, int]:
        """The multilingual view keeps its own manifest, so it can be added to (or dropped from) an index."""
        manifest = self.manifest(MULTILINGUAL)
        if manifest is not None:
            self._check_encoder(manifest, self.multilingual)
        collection = self._collection(MULTILINGUAL, create=True)
        report = self._sync_collection(
            collection,
            self._wanted_briefs(),
            "products (multilingual)",
            show_progress,
            encoder=self.multilingual,
        )
        collection.modify(
            metadata=self._manifest_metadata(
                complete=True, catalog_version=version, encoder=self.multilingual
            )
        )
        return report

    def _sync_collection(
        self,
        collection,
        wanted: Iterator[_Item],
        label: str,
        show_progress: bool,
        encoder: Encoder | None = None,
    ) -> dict[str, int]:
        encoder = encoder or self.encoder
        stored = self.stored_hashes(collection)
        todo: list[_Item] = []
        seen: set[str] = set()
        for item in wanted:
            seen.add(item.id)
            if stored.get(item.id) != item.hash:
                todo.append(item)
        stale = [i for i in stored if i not in seen]
        for start in range(0, len(stale), 5000):
            collection.delete(ids=stale[start : start + 5000])
        # Only the passages' texts are read back (as evidence); storing product texts in Chroma would
        # only feed its full-text index, which search does not use.
        documents = collection.name == store_collection(PASSAGES, self.store)
        bar = tqdm(total=len(todo), desc=f"indexing {label}", unit=" items", disable=not show_progress)
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start : start + self.batch_size]
            vectors = encoder.encode([b.document for b in batch], batch_size=32)
            self.upsert(collection, batch, vectors, documents)
            bar.update(len(batch))
        bar.close()
        updated = sum(1 for t in todo if t.id in stored)
        return {
            "embedded": len(todo),
            "added": len(todo) - updated,
            "updated": updated,
            "deleted": len(stale),
            "unchanged": len(seen) - len(todo),
            "total": len(seen),
        }

    @staticmethod
    def upsert(collection, items: Sequence[_Item], vectors: np.ndarray, documents: bool = True) -> None:
        collection.upsert(
            ids=[b.id for b in items],
            embeddings=np.asarray(vectors, dtype=np.float32),
            documents=[b.document for b in items] if documents else None,
            metadatas=[b.metadata for b in items],
        )

    # -- queries ------------------------------------------------------------------------------------
    def ids(self, name: str = PRODUCTS) -> list[str]:
        collection = self._collection(name)
        return [] if collection is None else list(self.stored_hashes(collection))

    def count(self, name: str = PRODUCTS) -> int:
        collection = self._collection(name)
        return 0 if collection is None else collection.count()

    def _query(
        self, name: str, vectors: np.ndarray, n: int, where: dict | None
    ) -> list[list[tuple[str, float, dict, str]]]:
        collection = self._collection(name)
        if collection is None:
            raise IndexNotBuiltError(f"no search index at {self.location}; run `shopmate index` first")
        if n <= 0:
            return [[] for _ in range(len(vectors))]
        # No count() first: Chroma answers a larger n with what it has, and counting costs a round trip.
        # Products need ids and distances only; reading their metadata would cost a join per hit.
        include = ["distances", "metadatas", "documents"] if name == PASSAGES else ["distances"]
        got = collection.query(
            query_embeddings=np.asarray(vectors, dtype=np.float32), n_results=n, where=where, include=include
        )
        metas_of = got.get("metadatas") or [[None] * len(ids) for ids in got["ids"]]
        docs_of = got.get("documents") or [[None] * len(ids) for ids in got["ids"]]
        return [
            [
                (i, 1.0 - float(d), m or {}, doc or "")
                for i, d, m, doc in zip(ids, dists, metas, docs, strict=True)
            ]
            for ids, dists, metas, docs in zip(got["ids"], got["distances"], metas_of, docs_of, strict=True)
        ]

    def query_products(
        self,
        vectors: np.ndarray,
        n: int,
        filters: SearchFilters | None = None,
        name: str = PRODUCTS,
        columns: CatalogColumns | None = None,
    ) -> list[list[tuple[str, float]]]:
        """Per query vector: (product id, cosine similarity), best first, within the filters.

        `name=MULTILINGUAL` searches the multilingual view (vectors from `self.multilingual`); `columns`
        (the catalog's) lets names in the filters match whatever their case there."""
        hits = self._query(name, vectors, n, chroma_where(filters, columns))
        return [[(i, s) for i, s, _, _ in row] for row in hits]

    def product_vectors(
        self, name: str = PRODUCTS, page: int = 5000
    ) -> tuple[list[str], list[tuple[str, ...]], np.ndarray]:
        """Every product's id, category path and stored vector (to learn the category step from)."""
        collection = self._collection(name)
        if collection is None:
            raise IndexNotBuiltError(f"no search index at {self.location}; run `shopmate index` first")
        ids: list[str] = []
        paths: list[tuple[str, ...]] = []
        parts: list[np.ndarray] = []
        offset = 0
        while True:
            got = collection.get(include=["embeddings", "metadatas"], limit=page, offset=offset)
            ids.extend(got["ids"])
            paths.extend(
                tuple(m[f"cat_{i}"] for i in range(CATEGORY_LEVELS) if f"cat_{i}" in m)
                for m in (meta or {} for meta in got["metadatas"])
            )
            if len(got["ids"]):
                parts.append(np.asarray(got["embeddings"], dtype=np.float32))
            if len(got["ids"]) < page:
                break
            offset += page
        dim = self._encoder_of(name).dim
        return ids, paths, np.concatenate(parts) if parts else np.zeros((0, dim), dtype=np.float32)

    def current_product_vectors(self) -> dict[str, np.ndarray]:
        """Each product's search vector by id, when the index holds the catalog as it is now and was built
        by this encoder; empty otherwise. The ranker's content features start from these, so the
        catalog is embedded once, for search, and not a second time for ranking."""
        manifest = self.manifest()
        if not (self._holds_catalog(manifest) and manifest["encoder"] == self.encoder.name):
            return {}
        ids, _, vectors = self.product_vectors()
        return dict(zip(ids, vectors, strict=True))

    def query_passages(
        self, vectors: np.ndarray, n: int, min_rating: int = 4
    ) -> list[list[tuple[str, float, str, str]]]:
        """Per query vector: (passage id, similarity, product id, text) from reviews rated `min_rating`+."""
        where = {"rating": {"$gte": min_rating}} if min_rating else None
        hits = self._query(PASSAGES, vectors, n, where)
        return [[(i, s, m.get("product_id", ""), doc) for i, s, m, doc in row] for row in hits]
