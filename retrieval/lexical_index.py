"""The lexical side of search, built once at `shopmate index` time and saved beside the Chroma index.

Two BM25 indexes: the whole product text (title, brand, category path, description, attributes) and
the passages of positive reviews. What a product *is* is read by the search's category step, not by
a field weight (docs/search.md, "Lexical scoring"). They are saved as bm25s arrays and
memory-mapped on load, so a new process (an API worker, a CLI call) starts searching without
tokenizing the catalog again. A manifest records the catalog version and the tokenizer they were built
with; an index from another version is stale and is rebuilt or refused, never used.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.catalog_store import CatalogStore
from retrieval.index import REBUILD_HINT, SearchIndexError, product_document
from retrieval.lexical import BM25
from retrieval.passages import review_passages

LEXICAL_FORMAT = 1
# Bump when `retrieval.lexical.tokenize` changes: a saved index holds the old tokens.
TOKENIZER_VERSION = 1
MANIFEST = "manifest.json"
MIN_PASSAGE_RATING = 4  # only positive reviews speak for a product


class LexicalIndexStale(SearchIndexError):
    """The saved lexical index does not describe the catalog as it is now."""


@dataclass(slots=True)
class LexicalIndex:
    catalog_version: int
    ids: np.ndarray  # product ids in row order (the catalog's id order)
    products: BM25
    passages: BM25
    passage_product: np.ndarray  # int64: the row of each passage's product
    passage_text: list[str]

    @classmethod
    def build(cls, catalog: CatalogStore) -> LexicalIndex:
        version = catalog.version
        products = list(catalog.iter_products())
        row = {p.id: i for i, p in enumerate(products)}
        passages = [
            x
            for r in catalog.iter_reviews()
            if r.rating >= MIN_PASSAGE_RATING
            for x in review_passages(r)
            if x.product_id in row
        ]
        return cls(
            catalog_version=version,
            ids=np.array([p.id for p in products], dtype=object),
            products=BM25().fit([product_document(p) for p in products]),
            passages=BM25().fit([x.text for x in passages]),
            passage_product=np.array([row[x.product_id] for x in passages], dtype=np.int64),
            passage_text=[x.text for x in passages],
        )

    def save(self, path: str | Path) -> None:
        """Written into a fresh folder, then swapped in: a reader never sees half an index."""
        path = Path(path)
        work = path.with_name(f"{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
        self.products.save(work / "products")
        self.passages.save(work / "passages")
        np.save(work / "ids.npy", self.ids.astype(str))
        np.save(work / "passage_product.npy", self.passage_product)
        (work / "passage_text.json").write_text(json.dumps(self.passage_text, ensure_ascii=False))
        (work / MANIFEST).write_text(json.dumps(self.manifest(), indent=1))
        old = path.with_name(f"{path.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        if path.exists():
            path.rename(old)
        work.rename(path)
        shutil.rmtree(old, ignore_errors=True)

    def manifest(self) -> dict[str, Any]:
        return {
            "format": LEXICAL_FORMAT,
            "tokenizer": TOKENIZER_VERSION,
            "catalog_version": self.catalog_version,
            "products": len(self.ids),
            "passages": len(self.passage_text),
        }

    @classmethod
    def load(cls, path: str | Path, catalog_version: int) -> LexicalIndex:
        """The saved index, memory-mapped; an error naming the fix when it is missing or stale."""
        path = Path(path)
        manifest = read_manifest(path)
        if manifest is None:
            raise LexicalIndexStale(f"no lexical index at {path}; run `shopmate index`")
        if manifest.get("format") != LEXICAL_FORMAT or manifest.get("tokenizer") != TOKENIZER_VERSION:
            raise LexicalIndexStale(
                f"the lexical index at {path} has format {manifest.get('format')} / tokenizer "
                f"{manifest.get('tokenizer')}, this version reads {LEXICAL_FORMAT} / "
                f"{TOKENIZER_VERSION}; {REBUILD_HINT}"
            )
        if manifest.get("catalog_version") != catalog_version:
            raise LexicalIndexStale(
                f"the lexical index at {path} was built for catalog version "
                f"{manifest.get('catalog_version')}, the store is at {catalog_version}; "
                "run `shopmate index` to bring it up to date"
            )
        return cls(
            catalog_version=catalog_version,
            ids=np.load(path / "ids.npy").astype(object),
            products=BM25.load(path / "products"),
            passages=BM25.load(path / "passages"),
            passage_product=np.load(path / "passage_product.npy", mmap_mode="r"),
            passage_text=json.loads((path / "passage_text.json").read_text()),
        )

    def top_products(self, text: str, k: int, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows and scores of the best `k` products within `mask`."""
        return BM25.best(self.products.score(text), k, mask)


def read_manifest(path: str | Path) -> dict[str, Any] | None:
    file = Path(path) / MANIFEST
    return json.loads(file.read_text()) if file.exists() else None
