"""The lexical index saved beside the Chroma index: loaded memory-mapped, refused or rebuilt when stale."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.index import CatalogIndex
from retrieval.lexical_index import LexicalIndex, LexicalIndexStale, read_manifest
from retrieval.records import Product
from retrieval.search import HybridSearcher

QUERIES = [
    "waterproof hiking boots",
    "quiet coffee maker",
    "boots that fit wide feet",
    "音质很好",
    "espresso",
]


def _searcher(catalog, encoder, tmp_path, **options) -> HybridSearcher:
    index = CatalogIndex(catalog, encoder, path=tmp_path / "chroma")
    index.sync()
    return HybridSearcher(index, catalog, **options)


def _results(searcher, mode="hybrid"):
    return [
        [(c.product.id, round(c.score, 5), c.evidence) for c in searcher.search(q, k=5, mode=mode)]
        for q in QUERIES
    ]


def test_a_saved_index_searches_as_one_built_in_memory(small_catalog, hashing_encoder, tmp_path):
    saved = _searcher(small_catalog, hashing_encoder, tmp_path, lexical_dir=tmp_path / "lexical")
    report = saved.build_lexical()
    assert report["built"] and report["catalog_version"] == small_catalog.version and report["products"] == 11
    fresh = HybridSearcher(saved.index, small_catalog, lexical_dir=tmp_path / "lexical")
    assert isinstance(
        fresh.view.text.products._model.scores["data"], np.memmap
    )  # read from disk, not rebuilt
    in_memory = HybridSearcher(saved.index, small_catalog)
    for mode in ("hybrid", "lexical"):
        assert _results(fresh, mode) == _results(in_memory, mode)
    again = saved.build_lexical()
    assert not again["built"] and again["catalog_version"] == report["catalog_version"]


def test_chinese_words_are_found_through_the_saved_index(small_catalog, hashing_encoder, tmp_path):
    searcher = _searcher(small_catalog, hashing_encoder, tmp_path, lexical_dir=tmp_path / "lexical")
    searcher.build_lexical()
    reloaded = HybridSearcher(searcher.index, small_catalog, lexical_dir=tmp_path / "lexical")
    text = reloaded.view.text
    rows, _ = text.passages.top("很安静", 3)  # CJK bigrams: 很安, 安静
    assert [reloaded.view.columns.ids[text.passage_product[r]] for r in rows] == ["H1"]
    assert "很安静" in text.passage_text[rows[0]]


def test_a_stale_index_is_refused_with_the_fix_or_rebuilt(small_catalog, hashing_encoder, tmp_path):
    searcher = _searcher(small_catalog, hashing_encoder, tmp_path, lexical_dir=tmp_path / "lexical")
    searcher.build_lexical()
    small_catalog.upsert_products(
        [
            Product(
                "T1", "Tidewater dry bag", "Keeps kit dry.", ("Sports & Outdoors", "Bags"), "Tidewater", 30.0
            )
        ]
    )
    strict = HybridSearcher(
        searcher.index, small_catalog, lexical_dir=tmp_path / "lexical", auto_refresh=False
    )
    with pytest.raises(
        LexicalIndexStale, match=r"catalog version \d+, the store is at \d+; run `shopmate index`"
    ):
        strict.search("dry bag")
    assert [c.product.id for c in searcher.search("tidewater dry bag", k=1)] == ["T1"]
    assert (
        read_manifest(tmp_path / "lexical")["catalog_version"] == small_catalog.version
    )  # saved for the next process


def test_a_missing_index_names_the_command(tmp_path):
    with pytest.raises(LexicalIndexStale, match="no lexical index .* run `shopmate index`"):
        LexicalIndex.load(tmp_path / "nowhere", 1)


def test_shop_index_builds_the_lexical_index_beside_chroma(tmp_path):
    from assistant.shop import Shop
    from tests.retrieval.conftest import SMALL_PRODUCTS, SMALL_REVIEWS
    from tests.support.fakes import HashingEncoder

    shop = Shop.open(tmp_path / "home", llm="test")
    try:
        shop.catalog.upsert_products(SMALL_PRODUCTS)
        shop.catalog.upsert_reviews(SMALL_REVIEWS)
        shop.__dict__["encoder"] = HashingEncoder()  # the plumbing, not the model, is under test
        shop.__dict__["index"] = CatalogIndex(shop.catalog, shop.encoder, path=shop.home / "chroma")
        first = shop.build_index()
        assert first.lexical["built"] and (shop.home / "lexical" / "manifest.json").exists()
        assert not shop.build_index().lexical["built"]  # nothing changed: nothing rebuilt
        assert first.to_dict()["lexical"]["passages"] > 0
    finally:
        shop.close()
