"""Hybrid search over the embedded client and a real `chroma run` server; filters, evidence, hostile input."""

from __future__ import annotations

import json

import pytest

from retrieval.index import CatalogIndex
from retrieval.query import SearchFilters
from retrieval.search import HybridSearcher


def _searcher(catalog, encoder, tmp_path=None, url=None):
    index = CatalogIndex(catalog, encoder, path=None if url else tmp_path / "chroma", url=url)
    index.sync(rebuild=True)
    return HybridSearcher(index, catalog)


QUERIES = [
    ("waterproof hiking boots", None),
    ("quiet coffee maker", None),
    ("boots that fit wide feet", None),
    ("headphones", SearchFilters(max_price=100)),
    ("running shoes not Fleetfoot", None),
    ("coffee under $100", SearchFilters(categories=("Home & Kitchen",))),
]


def _results(searcher):
    # Scores to 4 places: the server hands back stored vectors (for the category step) in its own float format.
    return [
        [(c.product.id, round(float(c.score), 4), c.evidence) for c in searcher.search(q, f, k=5)]
        for q, f in QUERIES
    ]


@pytest.mark.slow
def test_server_and_embedded_clients_give_the_same_results(
    small_catalog, hashing_encoder, tmp_path, chroma_server
):
    embedded = _results(_searcher(small_catalog, hashing_encoder, tmp_path))
    served = _results(_searcher(small_catalog, hashing_encoder, url=chroma_server))
    assert embedded == served
    assert all(embedded), "every query should find something in the small catalog"


def test_filters_hold_in_every_result(small_catalog, hashing_encoder, tmp_path):
    searcher = _searcher(small_catalog, hashing_encoder, tmp_path)
    for query, filters in [
        ("boots", SearchFilters(max_price=120)),
        ("shoes", SearchFilters(exclude_brands=("Kinetra",))),
        ("coffee", SearchFilters(categories=("Coffee Makers",), min_price=50)),
        ("anything at all", SearchFilters(brands=("Beatnik",))),
        ("espresso", SearchFilters(exclude_ids=("C2",))),
    ]:
        results = searcher.search(query, filters, k=10)
        assert all(filters.accepts(c.product) for c in results), (query, filters)
    assert [c.product.id for c in searcher.search("anything at all", SearchFilters(brands=("Beatnik",)))] == [
        "H2"
    ]
    cheap = searcher.search("hiking boots under $100", k=10)
    assert cheap and all(c.product.price <= 100 for c in cheap)
    assert {c.product.id for c in searcher.search("boots not Cragline", k=10)}.isdisjoint({"B2"})


def test_filter_names_are_matched_case_insensitively(small_catalog, hashing_encoder, tmp_path):
    searcher = _searcher(small_catalog, hashing_encoder, tmp_path)
    results = searcher.search(
        "something", SearchFilters(categories=("hiking boots",), brands=("trailforge",))
    )
    assert [c.product.id for c in results] == ["B1"]
    by_path = searcher.search(
        "something", SearchFilters(categories=("Home & Kitchen > Coffee Makers",)), k=10
    )
    assert {c.product.id for c in by_path} == {"C1", "C2", "C3"}


def test_review_evidence_lifts_products_whose_reviews_match(small_catalog, hashing_encoder, tmp_path):
    searcher = _searcher(small_catalog, hashing_encoder, tmp_path)
    results = searcher.search("quiet coffee maker", k=3)
    assert results[0].product.id == "C1"
    assert any("quiet" in e for e in results[0].evidence)
    # The only review that talks about noise on C3 is a 2-star complaint: it is never cited as support.
    assert all("noisy" not in e for c in results for e in c.evidence)
    wide = searcher.search("boots for wide feet", k=3)
    assert wide[0].product.id == "B3" and any("wide feet" in e for e in wide[0].evidence)


def test_hostile_input(small_catalog, hashing_encoder, tmp_path):
    searcher = _searcher(small_catalog, hashing_encoder, tmp_path)
    for empty in ("", "    "):
        with pytest.raises(ValueError, match="query is empty"):
            searcher.search(empty)
    huge = searcher.search("waterproof boots " * 7000, k=3)  # about 120 kB
    assert huge and huge[0].product.category[-1] == "Hiking Boots"
    chinese = searcher.search("安静的降噪耳机 100元以内", k=5)
    assert all(c.product.price <= 100 for c in chinese)
    assert searcher.search("😀😀😀 ☃", k=3) is not None
    with pytest.raises(TypeError, match="SearchFilters"):
        searcher.search("boots", filters=["max_price", 50])
    with pytest.raises(TypeError, match="number"):
        searcher.search("boots", filters={"max_price": "cheap"})
    with pytest.raises(ValueError, match="k must be"):
        searcher.search("boots", k=0)


def test_modes_rank_within_the_same_filters(small_catalog, hashing_encoder, tmp_path):
    searcher = _searcher(small_catalog, hashing_encoder, tmp_path)
    for mode in ("dense", "lexical", "hybrid"):
        results = searcher.search("espresso machine", SearchFilters(max_price=400), k=3, mode=mode)
        assert results[0].product.id == "C2", mode


def test_stale_index_catches_up_on_search(small_catalog, hashing_encoder, tmp_path):
    searcher = _searcher(small_catalog, hashing_encoder, tmp_path)
    small_catalog.delete_products(["C1"])
    assert "C1" not in {c.product.id for c in searcher.search("coffee maker", k=10)}
    assert "C1" not in searcher.index.ids() and searcher.index.is_current()


@pytest.fixture(scope="module")
def tiny_demo_home(tmp_path_factory):
    """A 40-product generated store: small enough for the real model to embed in seconds."""
    from assistant.demo_store import generate_demo_store
    from assistant.shop import Shop

    src = generate_demo_store(tmp_path_factory.mktemp("tiny-src"), seed=4, products=40, users=15)
    home = tmp_path_factory.mktemp("tiny-home")
    shop = Shop.open(home, llm="test")
    shop.ingest(catalog=src.products, reviews=src.reviews)
    shop.close()
    return home


@pytest.mark.slow
def test_real_encoder_on_a_demo_store_and_cli_json(tiny_demo_home, capsys):
    """The default model end to end: `shopmate index`, then `shopmate search --json` (the output contract)."""
    from assistant.cli import main
    from assistant.shop import Shop

    home = str(tiny_demo_home)
    assert main(["--home", home, "index", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["manifest"]["encoder"] == "minilm"
    code = main(["--home", home, "search", "quiet coffee maker under $400", "-k", "5", "--json"])
    results = json.loads(capsys.readouterr().out)
    assert code == 0 and 0 < len(results) <= 5
    for item in results:
        assert {"id", "title", "price", "rating", "score", "evidence"} <= set(item)
        assert item["price"] <= 400
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    assert results[0]["category"][-1] == "Coffee Makers"
    shop = Shop.open(home, llm="test")
    assert len(shop.search("安静的咖啡机", k=3)) == 3
    assert shop.search("hiking boots", k=1)[0].product.category[-1] == "Hiking Boots"
    shop.close()
    assert main(["--home", home, "search", "  "]) == 2
    assert "query is empty" in capsys.readouterr().err


def test_dense_hits_masked_after_hnsw_or_scanned_exactly_are_the_same(
    small_catalog, hashing_encoder, tmp_path, monkeypatch
):
    """Dense hits are fetched wide from HNSW and masked, or, for narrow filters, scanned exactly."""
    import retrieval.search as search

    searcher = _searcher(small_catalog, hashing_encoder, tmp_path)
    cases = [
        ("boots", SearchFilters(categories=("hiking boots",))),
        ("coffee", SearchFilters(max_price=80)),
        ("shoes", SearchFilters(brands=("KINETRA",))),
        ("anything", SearchFilters(exclude_brands=("Beatnik",))),
    ]
    masked = [[c.product.id for c in searcher.search(q, f, k=5, mode="dense")] for q, f in cases]
    monkeypatch.setattr(search, "OVERFETCH_LIMIT", 0)
    exact = [[c.product.id for c in searcher.search(q, f, k=5, mode="dense")] for q, f in cases]
    assert masked == exact and all(masked)
