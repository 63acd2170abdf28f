"""One contract for the vector index, run against each place it can live: Chroma embedded in the
process, and a real `chroma run` server. Whatever the backend: a sync holds exactly the catalog, a
product's own vector finds it first, results come best first and within the filters, review passages
keep their rating floor, and vectors are lent to the ranker only while they match the catalog."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from retrieval.index import PASSAGES, CatalogIndex, IndexNotBuiltError
from retrieval.query import SearchFilters
from tests.retrieval.conftest import SMALL_PRODUCTS, SMALL_REVIEWS, make_catalog
from tests.support.fakes import HashingEncoder

BACKENDS = ["embedded", "server"]


@pytest.fixture(params=BACKENDS)
def index(request, tmp_path):
    catalog = make_catalog(tmp_path)
    if request.param == "embedded":
        built = CatalogIndex(catalog, HashingEncoder(), path=tmp_path / "chroma", batch_size=4)
    else:
        url = request.getfixturevalue("chroma_server")
        built = CatalogIndex(catalog, HashingEncoder(), url=url, batch_size=4)
    yield built
    catalog.db.close()


def test_nothing_is_served_before_the_first_sync(index):
    assert index.ids() == [] and index.count() == 0 and index.current_product_vectors() == {}
    with pytest.raises(IndexNotBuiltError, match="shopmate index"):
        index.query_products(index.encoder.encode(["boots"]), 3)


def test_a_sync_holds_exactly_the_catalog_and_a_second_embeds_nothing(index):
    index.sync()
    assert sorted(index.ids()) == sorted(p.id for p in SMALL_PRODUCTS)
    assert index.count(PASSAGES) >= len(SMALL_REVIEWS)
    assert index.sync().embedded == 0
    index.catalog.delete_products(["H2"])
    index.sync()
    assert "H2" not in index.ids() and index.count() == len(SMALL_PRODUCTS) - 1


def test_each_product_is_found_first_by_its_own_vector_and_results_come_best_first(index):
    index.sync()
    ids, _, vectors = index.product_vectors()
    assert vectors.shape == (len(SMALL_PRODUCTS), index.encoder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    for row, (pid, hits) in enumerate(zip(ids, index.query_products(vectors, 4), strict=True)):
        assert hits[0][0] == pid and hits[0][1] == pytest.approx(1.0, abs=1e-3), row
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(max_price=100),
        SearchFilters(categories=("Home & Kitchen",)),
        SearchFilters(brands=("Trailforge", "Cragline")),
        SearchFilters(min_price=50, exclude_brands=("Crema Lab",)),
        SearchFilters(exclude_ids=("B1", "C1")),
    ],
)
def test_every_hit_passes_the_filters_and_none_that_passes_is_missed(index, filters):
    index.sync()
    wanted = {p.id for p in SMALL_PRODUCTS if filters.accepts(p)}
    hits = index.query_products(index.encoder.encode(["boots for rain"]), len(SMALL_PRODUCTS), filters)[0]
    assert {pid for pid, _ in hits} == wanted


def test_review_passages_keep_their_rating_floor(index):
    index.sync()
    ratings = {r.product_id: r.rating for r in SMALL_REVIEWS}
    hits = index.query_passages(index.encoder.encode(["noisy coffee maker"]), 20, min_rating=4)[0]
    assert hits and all(ratings[pid] >= 4 for _, _, pid, _ in hits)
    assert "C3" not in {pid for _, _, pid, _ in hits}  # its only review is rated 2


def test_vectors_are_lent_only_while_they_match_the_catalog(index):
    index.sync()
    lent = index.current_product_vectors()
    assert set(lent) == {p.id for p in SMALL_PRODUCTS}
    changed = dataclasses.replace(SMALL_PRODUCTS[0], description="Now with a new lining.")
    index.catalog.upsert_products([changed])
    assert index.current_product_vectors() == {}
    index.sync()
    assert set(index.current_product_vectors()) == {p.id for p in SMALL_PRODUCTS}
