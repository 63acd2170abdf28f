"""The catalog is embedded once: the ranker's content features reuse the search index's vectors while
the index holds the catalog as it is, and encode only what changed once it does not."""

from __future__ import annotations

import dataclasses

import numpy as np

from ranking.embeddings import product_embeddings
from retrieval.index import CatalogIndex
from tests.retrieval.conftest import make_catalog
from tests.support.fakes import HashingEncoder


class CountingEncoder(HashingEncoder):
    def __init__(self):
        self.encoded: list[str] = []

    def encode(self, texts, batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        self.encoded += list(texts)
        return super().encode(texts, batch_size, show_progress)


def test_training_after_indexing_encodes_no_product_and_a_changed_catalog_encodes_only_the_change(tmp_path):
    catalog = make_catalog(tmp_path)
    index = CatalogIndex(catalog, HashingEncoder(), path=tmp_path / "chroma")
    index.sync()
    products = list(catalog.iter_products())
    encoder = CountingEncoder()
    cache = tmp_path / "ranker" / "embeddings.npz"

    vectors = product_embeddings(products, encoder, cache, indexed=index.current_product_vectors())
    assert encoder.encoded == []
    stored = index.current_product_vectors()
    assert np.allclose(vectors, np.stack([stored[p.id] for p in products]), atol=1e-6)

    changed = dataclasses.replace(products[0], title=products[0].title + " Pro")
    catalog.upsert_products([changed])
    assert index.current_product_vectors() == {}  # the index is behind the catalog now
    products = list(catalog.iter_products())
    product_embeddings(products, encoder, cache, indexed=index.current_product_vectors())
    assert len(encoder.encoded) == 1 and "Pro" in encoder.encoded[0]
    catalog.db.close()


def test_an_index_built_by_another_encoder_lends_no_vectors(tmp_path):
    catalog = make_catalog(tmp_path)
    index = CatalogIndex(catalog, HashingEncoder(), path=tmp_path / "chroma")
    index.sync()
    other = CountingEncoder()
    other.name = "another-model"
    index.encoder = other
    assert index.current_product_vectors() == {}
    catalog.db.close()
