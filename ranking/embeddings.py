"""Product embeddings for the ranker's content features: the same text search embeds
(`retrieval.index.product_document`), taken from the search index when it is current, and cached by
content, so the catalog is encoded once and retraining re-encodes only what changed."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np

from ranking.files import write_atomically
from retrieval.encoders import Encoder
from retrieval.index import product_document
from retrieval.records import Product

log = logging.getLogger(__name__)


def product_embeddings(
    products: list[Product],
    encoder: Encoder,
    cache: Path,
    show_progress: bool = False,
    indexed: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """One vector per product, in order. `indexed`: the search index's vectors by product id, which
    must be `encoder`'s vectors of the products' current texts (`CatalogIndex.current_product_vectors`)."""
    texts = [product_document(p) for p in products]
    hashes = np.array([hashlib.blake2b(t.encode(), digest_size=12).hexdigest() for t in texts])
    known: dict[str, np.ndarray] = {}
    if cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            if str(data["encoder"]) == encoder.name and data["vectors"].shape[1] == encoder.dim:
                known = dict(zip(data["hashes"].tolist(), data["vectors"], strict=True))
    for p, h in zip(products, hashes.tolist(), strict=True):
        if indexed and p.id in indexed:
            known[h] = indexed[p.id]
    missing = [i for i, h in enumerate(hashes) if h not in known]
    if missing:
        log.info("encoding %d of %d products for the ranker's content features", len(missing), len(products))
        vectors = encoder.encode([texts[i] for i in missing], show_progress=show_progress)
        known.update(zip(hashes[missing].tolist(), vectors, strict=True))
    out = np.stack([known[h] for h in hashes]) if len(hashes) else np.zeros((0, encoder.dim), np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(
        cache, lambda fh: np.savez(fh, encoder=np.array(encoder.name), hashes=hashes, vectors=out)
    )
    return out
