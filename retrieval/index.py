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
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
from tqdm import tqdm

from retrieval.catalog_store import CatalogStore
from retrieval.encoders import Encoder
from retrieval.passages import review_passages
from retrieval.query import SearchFilters
from retrieval.records import Product

log = logging.getLogger(__name__)

PRODUCTS = "shopmate_products"
PASSAGES = "shopmate_review_passages"
INDEX_FORMAT = 1
CATEGORY_LEVELS = 4
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
    seconds: float = 0.0
    catalog_version: int = 0

    @property
    def embedded(self) -> int:
        return self.products.get("embedded", 0) + self.passages.get("embedded", 0)

    def to_dict(self) -> dict[str, Any]:
        return {"products": self.products, "passages": self.passages, "seconds": round(self.seconds, 3),
                "catalog_version": self.catalog_version,
                "items_per_s": round(self.embedded / self.seconds, 1) if self.seconds and self.embedded else None}


def product_document(p: Product) -> str:
    """The text a product is found by: title, brand, category, description and attributes."""
    attributes = "; ".join(f"{k}: {v}" for k, v in sorted(p.attributes.items()) if v)
    parts = [p.title, f"Brand: {p.brand}" if p.brand else "", f"Category: {p.category_path}" if p.category else "",
             p.description, attributes]
    return "\n".join(part for part in parts if part)


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


def chroma_where(filters: SearchFilters | None) -> dict[str, Any] | None:
    """The same constraints as `SearchFilters.accepts`, as a Chroma `where` clause."""
    if filters is None:
        return None
    clauses: list[dict[str, Any]] = []
    if filters.categories:
        levels = [{f"cat_{i}": {"$in": list(filters.categories)}} for i in range(CATEGORY_LEVELS)]
        clauses.append({"$or": levels})
    if filters.brands:
        clauses.append({"brand": {"$in": list(filters.brands)}})
    if filters.exclude_brands:
        clauses.append({"brand": {"$nin": list(filters.exclude_brands)}})
    if filters.min_price is not None:
        clauses.append({"price": {"$gte": filters.min_price}})
    if filters.max_price is not None:
        clauses.append({"price": {"$lte": filters.max_price}})
    if filters.min_rating is not None:
        clauses.append({"rating": {"$gte": filters.min_rating}})
    if filters.exclude_ids:
        clauses.append({"product_id": {"$nin": list(filters.exclude_ids)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def make_client(path: str | Path | None = None, url: str | None = None):
    """Chroma's server at `url` (`chroma run`), else the embedded client storing its files in `path`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        if not parsed.hostname:
            raise ValueError(f"--chroma-url {url!r} is not a URL; write e.g. http://localhost:8000")
        return chromadb.HttpClient(host=parsed.hostname, port=parsed.port or (443 if parsed.scheme == "https" else 80),
                                   ssl=parsed.scheme == "https", settings=settings)
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

    def __init__(self, catalog: CatalogStore, encoder: Encoder, path: str | Path | None = None,
                 url: str | None = None, batch_size: int = 128, client=None):
        self.catalog = catalog
        self.encoder = encoder
        self.location = url or str(path)
        self.batch_size = batch_size
        self.client = client if client is not None else make_client(path, url)
        self._lock = threading.RLock()
        self._collections: dict[str, Any] = {}

    # -- collections and manifest -------------------------------------------------------------------
    def _collection(self, name: str, create: bool = False):
        if name not in self._collections:
            if create:
                self._collections[name] = self.client.get_or_create_collection(
                    name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
                    metadata=self._manifest_metadata(complete=False))
            else:
                try:
                    self._collections[name] = self.client.get_collection(name, embedding_function=None)
                except Exception as exc:  # chromadb raises NotFoundError (or ValueError in older clients)
                    if "does not exist" in str(exc) or "not found" in str(exc).lower():
                        return None
                    raise
        return self._collections[name]

    def _manifest_metadata(self, complete: bool, catalog_version: int | None = None) -> dict[str, Any]:
        return {"shopmate_format": INDEX_FORMAT, "shopmate_encoder": self.encoder.name,
                "shopmate_dim": int(self.encoder.dim), "shopmate_complete": complete,
                "shopmate_catalog_version": int(catalog_version if catalog_version is not None else -1)}

    def manifest(self) -> dict[str, Any] | None:
        """What built the index: encoder name and dim, catalog version, whether the last sync finished."""
        products = self._collection(PRODUCTS)
        if products is None:
            return None
        meta = dict(products.metadata or {})
        return {"encoder": meta.get("shopmate_encoder"), "dim": meta.get("shopmate_dim"),
                "catalog_version": meta.get("shopmate_catalog_version"), "complete": meta.get("shopmate_complete"),
                "format": meta.get("shopmate_format"), "location": self.location}

    def check(self) -> dict[str, Any]:
        """The manifest, or an error naming the fix when this index cannot serve this store's encoder."""
        manifest = self.manifest()
        if manifest is None:
            raise IndexNotBuiltError(f"no search index at {self.location}; run `shopmate index` first")
        self._check_encoder(manifest)
        if not manifest["complete"] and manifest["catalog_version"] == -1:
            raise IndexNotBuiltError(f"the search index at {self.location} was never finished; "
                                     "run `shopmate index` to resume it")
        return manifest

    def _check_encoder(self, manifest: dict[str, Any]) -> None:
        if manifest["format"] != INDEX_FORMAT or manifest["encoder"] != self.encoder.name \
                or manifest["dim"] != self.encoder.dim:
            raise IndexMismatchError(
                f"the search index at {self.location} was built with encoder {manifest['encoder']!r} "
                f"(dim {manifest['dim']}, format {manifest['format']}), but this store uses "
                f"{self.encoder.name!r} (dim {self.encoder.dim}, format {INDEX_FORMAT}); {REBUILD_HINT}")

    def is_current(self) -> bool:
        manifest = self.manifest()
        return bool(manifest and manifest["complete"] and manifest["catalog_version"] == self.catalog.version)

    # -- sync ---------------------------------------------------------------------------------------
    def _wanted_products(self) -> Iterator[_Item]:
        for p in self.catalog.iter_products():
            doc = product_document(p)
            meta = product_metadata(p)
            digest = _digest(doc, meta)
            yield _Item(p.id, doc, {**meta, "hash": digest}, digest)

    def _wanted_passages(self) -> Iterator[_Item]:
        for review in self.catalog.iter_reviews():
            for passage in review_passages(review):
                meta = {"product_id": passage.product_id, "review_id": passage.review_id, "rating": passage.rating}
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
                for name in (PRODUCTS, PASSAGES):
                    if self._collection(name) is not None:
                        self.client.delete_collection(name)
                    self._collections.pop(name, None)
            elif manifest is not None:
                self._check_encoder(manifest)
            products = self._collection(PRODUCTS, create=True)
            passages = self._collection(PASSAGES, create=True)
            products.modify(metadata=self._manifest_metadata(complete=False, catalog_version=(
                manifest or {}).get("catalog_version", -1) if not rebuild else -1))
            report = SyncReport(catalog_version=version)
            report.products = self._sync_collection(products, self._wanted_products(), "products", show_progress)
            report.passages = self._sync_collection(passages, self._wanted_passages(), "review passages",
                                                    show_progress)
            products.modify(metadata=self._manifest_metadata(complete=True, catalog_version=version))
            report.seconds = time.perf_counter() - started
            log.info("index synced: %s", report.to_dict())
            return report

    def _sync_collection(self, collection, wanted: Iterator[_Item], label: str, show_progress: bool
                         ) -> dict[str, int]:
        stored = self.stored_hashes(collection)
        todo: list[_Item] = []
        seen: set[str] = set()
        for item in wanted:
            seen.add(item.id)
            if stored.get(item.id) != item.hash:
                todo.append(item)
        stale = [i for i in stored if i not in seen]
        for start in range(0, len(stale), 5000):
            collection.delete(ids=stale[start:start + 5000])
        bar = tqdm(total=len(todo), desc=f"indexing {label}", unit=" items", disable=not show_progress)
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start:start + self.batch_size]
            vectors = self.encoder.encode([b.document for b in batch], batch_size=32)
            self.upsert(collection, batch, vectors)
            bar.update(len(batch))
        bar.close()
        updated = sum(1 for t in todo if t.id in stored)
        return {"embedded": len(todo), "added": len(todo) - updated, "updated": updated, "deleted": len(stale),
                "unchanged": len(seen) - len(todo), "total": len(seen)}

    @staticmethod
    def upsert(collection, items: Sequence[_Item], vectors: np.ndarray) -> None:
        collection.upsert(ids=[b.id for b in items], embeddings=np.asarray(vectors, dtype=np.float32),
                          documents=[b.document for b in items], metadatas=[b.metadata for b in items])

    # -- queries ------------------------------------------------------------------------------------
    def ids(self, name: str = PRODUCTS) -> list[str]:
        collection = self._collection(name)
        return [] if collection is None else list(self.stored_hashes(collection))

    def count(self, name: str = PRODUCTS) -> int:
        collection = self._collection(name)
        return 0 if collection is None else collection.count()

    def _query(self, name: str, vectors: np.ndarray, n: int, where: dict | None) -> list[list[tuple[str, float, dict, str]]]:
        collection = self._collection(name)
        if collection is None:
            raise IndexNotBuiltError(f"no search index at {self.location}; run `shopmate index` first")
        n = min(n, collection.count())
        if n <= 0:
            return [[] for _ in range(len(vectors))]
        got = collection.query(query_embeddings=np.asarray(vectors, dtype=np.float32), n_results=n, where=where,
                               include=["distances", "metadatas", "documents"])
        return [[(i, 1.0 - float(d), m or {}, doc or "") for i, d, m, doc in zip(ids, dists, metas, docs, strict=True)]
                for ids, dists, metas, docs in zip(got["ids"], got["distances"], got["metadatas"], got["documents"],
                                                   strict=True)]

    def query_products(self, vectors: np.ndarray, n: int, filters: SearchFilters | None = None
                       ) -> list[list[tuple[str, float]]]:
        """Per query vector: (product id, cosine similarity), best first, within the filters."""
        hits = self._query(PRODUCTS, vectors, n, chroma_where(filters))
        return [[(i, s) for i, s, _, _ in row] for row in hits]

    def query_passages(self, vectors: np.ndarray, n: int, min_rating: int = 4
                       ) -> list[list[tuple[str, float, str, str]]]:
        """Per query vector: (passage id, similarity, product id, text) from reviews rated `min_rating`+."""
        where = {"rating": {"$gte": min_rating}} if min_rating else None
        hits = self._query(PASSAGES, vectors, n, where)
        return [[(i, s, m.get("product_id", ""), doc) for i, s, m, doc in row] for row in hits]
