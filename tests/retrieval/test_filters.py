"""One filter semantics: the scalar rule, the vectorized mask and Chroma's `where` agree."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.filters import CatalogColumns, SearchFilters, category_matches
from retrieval.index import CatalogIndex
from retrieval.records import Product

LEVELS = [
    "Sports & Outdoors",
    "Running Shoes",
    "Shoes",
    "Hiking Boots",
    "Electronics",
    "Headphones",
    "Gift Cards",
]
BRANDS = ["Acme", "ACME", "Bolt", "", "Crest Lab"]


def _cased(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([name, name.lower(), name.upper(), f" {name} "])


products = st.builds(
    Product,
    id=st.uuids().map(str),
    title=st.just("a product"),
    category=st.lists(st.sampled_from(LEVELS), max_size=5).map(tuple),
    brand=st.sampled_from(BRANDS),
    price=st.one_of(st.none(), st.floats(0, 500, allow_nan=False)),
    rating=st.one_of(st.none(), st.floats(1, 5, allow_nan=False)),
)
category_filters = st.lists(st.sampled_from(LEVELS), min_size=1, max_size=3).flatmap(
    lambda run: st.tuples(*[_cased(n) for n in run]).map(" > ".join)
)
filters = st.builds(
    SearchFilters,
    categories=st.lists(category_filters, max_size=2).map(tuple),
    brands=st.lists(st.sampled_from(BRANDS).flatmap(_cased), max_size=2).map(tuple),
    exclude_brands=st.lists(st.sampled_from(BRANDS), max_size=1).map(tuple),
    min_price=st.one_of(st.none(), st.floats(0, 250, allow_nan=False)),
    max_price=st.one_of(st.none(), st.floats(250, 500, allow_nan=False)),
    min_rating=st.one_of(st.none(), st.sampled_from([1.0, 3.5, 4.0, 5.0])),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(products, max_size=30, unique_by=lambda p: p.id), filters, st.data())
def test_the_vectorized_mask_is_accepts_for_every_product(items, wanted, data):
    if items:  # an excluded id that is in the catalog, and one that is not
        wanted = replace(wanted, exclude_ids=(data.draw(st.sampled_from(items)).id, "not-there"))
    mask = CatalogColumns.of_products(items).mask(wanted)
    assert mask.tolist() == [wanted.accepts(p) for p in items]


@pytest.mark.parametrize(
    ("wanted", "path", "expected"),
    [
        ("Sports & Outdoors", ("Sports & Outdoors", "Running Shoes"), True),  # everything under it
        ("running shoes", ("Sports & Outdoors", "Running Shoes"), True),  # its own level, any case
        ("Shoes", ("Sports & Outdoors", "Running Shoes"), False),  # a level is a whole name
        (
            "sports & outdoors > RUNNING SHOES",
            ("Sports & Outdoors", "Running Shoes"),
            True,
        ),  # a path: consecutive levels
        ("Sports & Outdoors > Shoes", ("Sports & Outdoors", "Running Shoes"), False),
        ("Outdoors", ("Sports & Outdoors",), False),
        ("Electronics > Headphones", ("Headphones",), False),  # a path asks for both levels
        ("Headphones", (), False),
    ],
)
def test_the_category_rule(wanted, path, expected):
    assert category_matches(wanted, path) is expected


def test_an_empty_category_name_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="empty name"):
        SearchFilters(categories=(" > ",))


def test_filters_come_from_a_dict_or_are_refused_by_name():
    assert SearchFilters.coerce({"brands": ["Acme"]}) == SearchFilters(brands=("Acme",))
    assert SearchFilters.coerce(None) is None
    with pytest.raises(TypeError, match="SearchFilters"):
        SearchFilters.coerce(["Acme"])


@pytest.mark.parametrize(
    "wanted",
    [
        SearchFilters(categories=("hiking boots",)),
        SearchFilters(categories=("SPORTS & OUTDOORS > running shoes",), max_price=100),
        SearchFilters(categories=("Shoes",)),
        SearchFilters(categories=("Electronics", "Coffee Makers"), min_price=30),
        SearchFilters(brands=("crema lab", "TRAILFORGE")),
        SearchFilters(exclude_brands=("fleetfoot",), min_rating=4),
        SearchFilters(exclude_ids=("B1", "C2"), max_price=150),
        SearchFilters(min_price=0),
    ],
)
def test_chroma_where_finds_what_the_mask_accepts(small_catalog, hashing_encoder, tmp_path, wanted):
    index = CatalogIndex(small_catalog, hashing_encoder, path=tmp_path / "chroma")
    index.sync()
    columns = small_catalog.filter_columns()
    everything = len(columns)
    found = {
        pid
        for pid, _ in index.query_products(
            hashing_encoder.encode(["x"]), everything, wanted, columns=columns
        )[0]
    }
    assert found == set(columns.ids[columns.mask(wanted)])


def test_the_store_columns_are_the_products_columns(small_catalog):
    from_store = small_catalog.filter_columns()
    from_products = CatalogColumns.of_products(small_catalog.iter_products())
    assert list(from_store.ids) == list(from_products.ids)
    np.testing.assert_array_equal(from_store.price, from_products.price)
    np.testing.assert_array_equal(from_store.rating, from_products.rating)
    assert [from_store.paths[c] for c in from_store.path_code] == [
        from_products.paths[c] for c in from_products.path_code
    ]
