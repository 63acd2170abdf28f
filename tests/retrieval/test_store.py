"""The SQLite store: migrations per component, idempotent upserts, WAL, erasure."""

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ranking.event_store import EventStore
from ranking.records import Event, User
from retrieval.catalog_store import CatalogStore
from retrieval.db import Database
from retrieval.records import Product, Review


def test_database_is_wal_and_migrates_each_component_once(tmp_path):
    db = Database(tmp_path / "s.sqlite3")
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    steps = ["CREATE TABLE a (x INTEGER)", "ALTER TABLE a ADD COLUMN y TEXT"]
    assert db.migrate("demo", steps[:1]) == 1
    assert db.migrate("demo", steps) == 2
    assert db.migrate("demo", steps) == 2  # nothing left to apply
    assert [r[1] for r in db.conn.execute("PRAGMA table_info(a)")] == ["x", "y"]
    with pytest.raises(RuntimeError, match="newer than this shopmate knows"):
        db.migrate("demo", steps[:1])


def test_failed_migration_leaves_the_schema_version_unchanged(tmp_path):
    db = Database(tmp_path / "s.sqlite3")
    with pytest.raises(sqlite3.OperationalError):
        db.migrate("demo", ["CREATE TABLE b (x INTEGER)", "ALTER TABLE missing ADD COLUMN y"])
    row = db.conn.execute("SELECT version FROM schema_versions WHERE component='demo'").fetchone()
    assert row is None
    assert db.conn.execute("SELECT name FROM sqlite_master WHERE name='b'").fetchone() is None


products = st.builds(
    Product,
    id=st.sampled_from(["a", "b", "c", "d"]),
    title=st.text(min_size=1, max_size=8),
    price=st.one_of(st.none(), st.floats(min_value=0, max_value=1e4, allow_nan=False)),
    brand=st.sampled_from(["", "X", "Y"]),
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(batches=st.lists(st.lists(products, max_size=6), max_size=4))
def test_upserting_any_sequence_keeps_the_last_version_of_each_product_and_replays_as_no_change(
    tmp_path_factory, batches
):
    store = CatalogStore(Database(tmp_path_factory.mktemp("s") / "s.sqlite3"))
    last: dict[str, Product] = {}
    for batch in batches:
        store.upsert_products(batch)
        last.update({p.id: p for p in batch})
    assert store.product_ids() == set(last)
    for pid, product in last.items():
        stored = store.get_product(pid)
        assert (stored.title, stored.price, stored.brand) == (product.title, product.price, product.brand)
    version = store.version
    replay = store.upsert_products(list(last.values()))
    assert replay.changed == 0 and store.version == version


def test_reviews_keep_the_latest_per_user_and_product_across_loads(tmp_path):
    store = CatalogStore(Database(tmp_path / "s.sqlite3"))
    store.upsert_products([Product("p", "Mug")])
    store.upsert_reviews([Review("r1", "p", "u", 2, text="meh", time=10)])
    counts = store.upsert_reviews([Review("r0", "p", "u", 5, text="older", time=5)])
    assert counts.skipped == 1
    store.upsert_reviews([Review("r2", "p", "u", 4, text="better", time=20)])
    assert [(r.id, r.rating) for r in store.reviews_for("p")] == [("r2", 4)]
    assert store.get_product("p").rating == 4.0 and store.get_product("p").rating_count == 1


def test_events_are_idempotent_and_a_user_can_be_erased(tmp_path):
    db = Database(tmp_path / "s.sqlite3")
    catalog, events = CatalogStore(db), EventStore(db)
    catalog.upsert_products([Product("p", "Mug")])
    catalog.upsert_reviews([Review("r", "p", "u1", 5, text="nice", time=1)])
    events.upsert_users([User("u1", "Ann", marketing_opt_in=True, quiet_hours=(22, 8))])
    batch = [Event("u1", "p", "view", 1), Event("u1", "p", "purchase", 2), Event("u2", "p", "view", 3)]
    assert events.add_events(batch).inserted == 3
    assert events.add_events(batch).inserted == 0 and events.count_events() == 3
    assert events.get_user("u1").quiet_hours == (22, 8)
    assert events.erase_user("u1") == {"events": 2, "users": 1}
    assert catalog.forget_review_author("u1") == 1
    assert events.events_for("u1") == [] and events.get_user("u1") is None
    assert [r.user_id for r in catalog.reviews_for("p")] == [None]
