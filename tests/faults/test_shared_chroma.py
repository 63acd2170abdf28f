"""Stores on one shared `chroma run` server: each keeps its own collections; a server that is down, late
or killed mid-sync gives a clear error or recovers with nothing lost and nothing doubled."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from retrieval.index import CatalogIndex, SearchIndexError, make_client
from tests.retrieval.conftest import SMALL_PRODUCTS, SMALL_REVIEWS, make_catalog
from tests.support.fakes import HashingEncoder

pytestmark = pytest.mark.slow


def _index(catalog, url) -> CatalogIndex:
    return CatalogIndex(catalog, HashingEncoder(), url=url, batch_size=4)


def test_two_stores_sync_against_one_server_and_neither_deletes_the_others_items(tmp_path, chroma):
    chroma.start()
    shoes = make_catalog(tmp_path / "shoes-store", [p for p in SMALL_PRODUCTS if p.id[0] in "BS"], [])
    coffee = make_catalog(
        tmp_path / "coffee-store",
        [p for p in SMALL_PRODUCTS if p.id[0] in "CH"],
        [r for r in SMALL_REVIEWS if r.product_id[0] in "CH"],
    )
    a, b = _index(shoes, chroma.url), _index(coffee, chroma.url)
    assert a.store != b.store and "shoes-store" in a.store
    a.sync()
    b.sync()
    b.sync(rebuild=True)
    a.sync()
    assert sorted(a.ids()) == ["B1", "B2", "B3", "S1", "S2"]
    assert sorted(b.ids()) == ["C1", "C2", "C3", "H1", "H2"]
    names = {c.name for c in make_client(url=chroma.url).list_collections()}
    assert {f"shopmate_{a.store}_products", f"shopmate_{b.store}_products"} <= names
    # The same store opened again finds its own collections under the same name.
    assert sorted(_index(shoes, chroma.url).ids()) == ["B1", "B2", "B3", "S1", "S2"]


def test_a_server_that_is_down_is_an_error_naming_it(chroma):
    started = time.monotonic()
    with pytest.raises(
        SearchIndexError, match=rf"Chroma server at {chroma.url} did not answer after 2 tries"
    ):
        make_client(url=chroma.url, attempts=2)
    assert time.monotonic() - started < 10


def test_a_server_still_starting_is_waited_for(chroma):
    threading.Timer(1.0, chroma.start, kwargs={"wait": False}).start()
    client = make_client(url=chroma.url, attempts=8)
    assert client.heartbeat() > 0


def test_killing_the_server_mid_sync_then_syncing_again_loses_and_doubles_nothing(tmp_path, chroma):
    products = [dataclasses.replace(p, id=f"{p.id}-{i}") for i in range(30) for p in SMALL_PRODUCTS]
    catalog = make_catalog(tmp_path / "big-store", products, [])
    chroma.start()
    index = _index(catalog, chroma.url)
    killer = threading.Timer(0.3, chroma.kill)
    killer.start()
    with pytest.raises(Exception):  # noqa: B017  (whatever the client raises, the sync must not claim success)
        index.sync()
    killer.join()
    chroma.start()
    report = _index(catalog, chroma.url).sync()
    ids = _index(catalog, chroma.url).ids()
    assert len(ids) == len(set(ids)) == len(products), (report, len(ids))


def test_a_server_that_dies_after_connecting_is_a_cli_error_naming_it(tmp_path, chroma, monkeypatch, capsys):
    import retrieval.index
    from assistant.cli import main

    make_catalog(tmp_path / "home")
    chroma.start()
    connect = retrieval.index.make_client

    def connect_then_die(*args, **kwargs):
        client = connect(*args, **kwargs)
        chroma.kill()  # the server answered once, and is gone by the first real request
        return client

    monkeypatch.setattr(retrieval.index, "make_client", connect_then_die)
    status = main(["--home", str(tmp_path / "home"), "search", "boots", "--chroma-url", chroma.url])
    assert status == 1
    assert f"Chroma server at {chroma.url} stopped answering" in capsys.readouterr().err
