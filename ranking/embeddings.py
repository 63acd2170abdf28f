"""Product embeddings for the ranker's content features, cached by content so retraining re-encodes
only what changed."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np

from ranking.files import write_atomically
from retrieval.encoders import Encoder
from retrieval.records import Product

log = logging.getLogger(__name__)


def product_text(p: Product) -> str:
    return f"{p.title}. {p.brand}. {p.category_path}. {p.description}"[:1000]


def product_embeddings(
    products: list[Product], encoder: Encoder, cache: Path, show_progress: bool = False
) -> np.ndarray:
    texts = [product_text(p) for p in products]
    hashes = np.array([hashlib.blake2b(t.encode(), digest_size=12).hexdigest() for t in texts])
    known: dict[str, np.ndarray] = {}
    if cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            if str(data["encoder"]) == encoder.name and data["vectors"].shape[1] == encoder.dim:
                known = dict(zip(data["hashes"].tolist(), data["vectors"], strict=True))
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
