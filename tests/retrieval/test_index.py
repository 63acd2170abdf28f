"""The Chroma index: incremental sync, resume after interruption, manifest checks, and invariants."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.index import (
    MULTILINGUAL,
    PASSAGES,
    PRODUCTS,
    CatalogIndex,
    IndexMismatchError,
    IndexNotBuiltError,
    chroma_where,
    make_client,
)
from retrieval.query import SearchFilters
from retrieval.records import Product, Review
from tests.retrieval.conftest import SMALL_PRODUCTS, make_catalog
from tests.support.fakes import HashingEncoder


def test_sync_embeds_only_what_changed_and_deletes_what_left(small_catalog, hashing_encoder, tmp_path):
    index = CatalogIndex(small_catalog, hashing_encoder, path=tmp_path / "chroma")
    first = index.sync()
    assert first.products["added"] == len(SMALL_PRODUCTS) and first.passages["added"] > 0
    assert sorted(index.ids()) == sorted(small_catalog.product_ids())

    again = index.sync()
    assert again.embedded == 0 and again.products["unchanged"] == len(SMALL_PRODUCTS)

    changed = dataclasses.replace(small_catalog.get_product("B1"), price=99.0)
    small_catalog.upsert_products([changed])
    small_catalog.delete_products(["H2"])
    small_catalog.upsert_reviews([Review("R9", "S1", "u9", 5, "Light", "So light I forget I wear them.")])
    third = index.sync()
    # B1's price changed; S1's rating changed with its first review, and the rating is a filter field.
    assert third.products == {
        "embedded": 2,
        "added": 0,
        "updated": 2,
        "deleted": 1,
        "unchanged": 8,
        "total": 10,
    }
    assert third.passages["added"] == 1
    assert "H2" not in index.ids() and index.is_current()
    got = index.client.get_collection(PRODUCTS, embedding_function=None).get(
        ids=["B1"], include=["metadatas"]
    )
    assert got["metadatas"][0]["price"] == 99.0


class _FailingEncoder(HashingEncoder):
    def __init__(self, fail_after: int):
        self.calls = 0
        self.fail_after = fail_after

    def encode(self, texts, batch_size=32, show_progress=False):
        self.calls += 1
        if self.calls > self.fail_after:
            raise KeyboardInterrupt
        return super().encode(texts)


def test_interrupted_sync_resumes_without_redoing_finished_batches(small_catalog, tmp_path):
    index = CatalogIndex(small_catalog, _FailingEncoder(fail_after=2), path=tmp_path / "chroma", batch_size=3)
    with pytest.raises(KeyboardInterrupt):
        index.sync()
    assert index.count() == 6 and not index.manifest()["complete"]
    with pytest.raises(IndexNotBuiltError, match="shopmate index"):
        index.check()
    resumed = CatalogIndex(small_catalog, HashingEncoder(), path=tmp_path / "chroma", batch_size=3).sync()
    assert resumed.products["unchanged"] == 6 and resumed.products["added"] == len(SMALL_PRODUCTS) - 6


def test_other_encoder_is_an_error_naming_the_rebuild(small_catalog, hashing_encoder, tmp_path):
    CatalogIndex(small_catalog, hashing_encoder, path=tmp_path / "chroma").sync()

    class Other(HashingEncoder):
        name = "other-model"
        dim = 128

    other = CatalogIndex(small_catalog, Other(), path=tmp_path / "chroma")
    with pytest.raises(IndexMismatchError, match=r"shopmate index --rebuild"):
        other.check()
    with pytest.raises(IndexMismatchError, match=r"test-hashing"):
        other.sync()
    report = other.sync(rebuild=True)
    assert report.products["added"] == len(SMALL_PRODUCTS) and other.check()["encoder"] == "other-model"


class _SecondView(HashingEncoder):
    """A second encoder of another name and width, standing in for the multilingual one."""

    name = "test-multilingual"
    dim = 64


def test_multilingual_view_syncs_incrementally_and_joins_an_existing_index(
    small_catalog, hashing_encoder, tmp_path
):
    CatalogIndex(small_catalog, hashing_encoder, path=tmp_path / "chroma").sync()
    index = CatalogIndex(small_catalog, hashing_encoder, path=tmp_path / "chroma", multilingual=_SecondView())
    assert not index.is_current()  # the view is missing: the index is behind, not broken
    first = index.sync()
    assert first.products["embedded"] == 0 and first.multilingual["added"] == len(SMALL_PRODUCTS)
    assert sorted(index.ids(MULTILINGUAL)) == sorted(small_catalog.product_ids()) and index.is_current()
    small_catalog.delete_products(["H2"])
    small_catalog.upsert_products(
        [dataclasses.replace(small_catalog.get_product("B1"), title="Renamed boots")]
    )
    again = index.sync()
    left = len(SMALL_PRODUCTS) - 1
    assert again.multilingual == {
        "embedded": 1,
        "added": 0,
        "updated": 1,
        "deleted": 1,
        "unchanged": left - 1,
        "total": left,
    }
    ids, paths, vectors = index.product_vectors(MULTILINGUAL)
    assert sorted(ids) == sorted(small_catalog.product_ids()) and vectors.shape == (left, _SecondView.dim)
    assert paths[ids.index("B1")] == ("Sports & Outdoors", "Hiking Boots")

    class OtherView(_SecondView):
        name = "other-multilingual"

    with pytest.raises(IndexMismatchError, match=r"test-multilingual"):
        CatalogIndex(
            small_catalog, hashing_encoder, path=tmp_path / "chroma", multilingual=OtherView()
        ).sync()


def test_search_before_any_index_says_to_build_it(small_catalog, hashing_encoder, tmp_path):
    with pytest.raises(IndexNotBuiltError, match="run `shopmate index`"):
        CatalogIndex(small_catalog, hashing_encoder, path=tmp_path / "chroma").check()


def test_bad_chroma_url_is_a_clear_error():
    with pytest.raises(ValueError, match="not a URL"):
        make_client(url="http://")


# -- invariants under random operation sequences ------------------------------------------------------
_ids = st.sampled_from([f"X{i}" for i in range(12)])
_ops = st.lists(
    st.tuples(
        st.sampled_from(["upsert", "delete", "review", "sync"]),
        _ids,
        st.integers(1, 5),
        st.sampled_from(["boots", "coffee", "quiet headphones", "耳机"]),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_ops)
def test_index_matches_catalog_after_any_sequence(tmp_path_factory, ops):
    home = tmp_path_factory.mktemp("prop")
    catalog = make_catalog(home, products=[], reviews=[])
    index = CatalogIndex(catalog, HashingEncoder(), path=home / "chroma", batch_size=4)
    for n, (op, pid, stars, words) in enumerate(ops):
        if op == "upsert":
            catalog.upsert_products(
                [Product(pid, f"{words} {stars}", price=float(stars * 10), brand=f"B{stars}")]
            )
        elif op == "delete":
            catalog.delete_products([pid])
        elif op == "review" and catalog.get_product(pid):
            catalog.upsert_reviews([Review(f"R{n}", pid, f"u{n}", stars, "", f"{words}. Really {words}.")])
        else:
            index.sync()
    index.sync()
    for name, expected in (
        (PRODUCTS, catalog.product_ids()),
        (PASSAGES, {f"{r.id}#0" for r in catalog.iter_reviews()}),
    ):
        stored = index.ids(name)
        assert len(stored) == len(set(stored)), "duplicate ids in Chroma"
        assert set(stored) == expected
        assert index.count(name) == len(expected)
    catalog.db.close()


_filters = st.builds(
    SearchFilters,
    categories=st.lists(
        st.sampled_from(["Hiking Boots", "Electronics", "Coffee Makers", "Sports & Outdoors"]), max_size=2
    ).map(tuple),
    brands=st.lists(st.sampled_from(["Trailforge", "Cragline", "Brewmont", "Beatnik"]), max_size=2).map(
        tuple
    ),
    exclude_brands=st.lists(st.sampled_from(["Kinetra", "Brewmont"]), max_size=1).map(tuple),
    min_price=st.none() | st.sampled_from([20, 60, 120]),
    max_price=st.none() | st.sampled_from([150, 400]),
    min_rating=st.none() | st.sampled_from([2, 4.5]),
    exclude_ids=st.lists(st.sampled_from(["B1", "C1", "N1"]), max_size=2).map(tuple),
)


@pytest.fixture(scope="module")
def filter_index(tmp_path_factory):
    home = tmp_path_factory.mktemp("filters")
    catalog = make_catalog(home)
    index = CatalogIndex(catalog, HashingEncoder(), path=home / "chroma")
    index.sync()
    return catalog, index


@settings(max_examples=60, deadline=None)
@given(filters=_filters)
def test_chroma_where_selects_exactly_what_accepts_accepts(filter_index, filters):
    catalog, index = filter_index
    expected = {p.id for p in catalog.iter_products() if filters.accepts(p)}
    collection = index.client.get_collection(PRODUCTS, embedding_function=None)
    where = chroma_where(filters)
    got = set(collection.get(where=where)["ids"]) if where else set(collection.get()["ids"])
    assert got == expected
