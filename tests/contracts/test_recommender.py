"""One contract for the recommender (`ranking.recommender.Recommender`), run against the ranking
service in each state a store meets it in: trained on its behaviour, with no behaviour yet, and trained
on a catalog that has changed since (it retrains before answering). Whatever the state: at most k
distinct products, best first, each with a reason; filters hold; nothing bought is offered again;
a dismissed product leaves at once; campaigns and searches choose only among what they were given."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from assistant.shop import Shop
from ranking.recommender import Recommender
from ranking.records import Event
from retrieval.query import SearchFilters
from retrieval.records import Candidate, Product

BRANDS = ("Acme", "Bolt", "Crest")
KINDS = ("Shoes", "Mugs")
PRODUCTS = [
    Product(
        f"p{i}",
        f"{BRANDS[i % 3]} {KINDS[i // 20]} model {i}",
        f"A {KINDS[i // 20].lower()[:-1]} by {BRANDS[i % 3]}.",
        ("Shop", KINDS[i // 20]),
        BRANDS[i % 3],
        20.0 + i,
    )
    for i in range(40)
]


def _behaviour() -> list[Event]:
    """Each shopper keeps to one brand and one kind: three different purchases (nobody buys one product
    twice, so no kind is one people buy again) and clicks, some of them elsewhere."""
    rng = np.random.default_rng(0)
    events = []
    for u in range(30):
        taste = [p for p in PRODUCTS if p.brand == BRANDS[u % 3] and p.category[-1] == KINDS[u // 3 % 2]]
        for t in range(8):
            if t % 3 == 0:
                kind, p = "purchase", taste[(u + t // 3) % len(taste)]
            else:
                pool = taste if rng.random() < 0.8 else PRODUCTS
                kind, p = "click", pool[int(rng.integers(len(pool)))]
            events.append(Event(f"u{u}", p.id, kind, 1_000_000 + 1000 * t + u))
    return events


def _trained(shop: Shop) -> None:
    shop.catalog.upsert_products(PRODUCTS)
    events = _behaviour()
    shop.events.ensure_users({e.user_id for e in events})
    shop.events.add_events(events)
    shop.train()


def _without_behaviour(shop: Shop) -> None:
    shop.catalog.upsert_products(PRODUCTS)


def _catalog_changed_since_training(shop: Shop) -> None:
    _trained(shop)
    shop.catalog.upsert_products([dataclasses.replace(PRODUCTS[0], price=19.0)])


STATES = {
    "trained": _trained,
    "no_behaviour_yet": _without_behaviour,
    "catalog_changed_since_training": _catalog_changed_since_training,
}


@pytest.fixture(scope="module", params=list(STATES))
def store(request, tmp_path_factory):
    shop = Shop.open(tmp_path_factory.mktemp(f"recommender-{request.param}"), llm="test")
    STATES[request.param](shop)
    yield shop
    shop.close()


@pytest.fixture
def recommender(store) -> Recommender:
    return store.ranking


def _well_formed(items, k: int) -> None:
    ids = [i.product.id for i in items]
    assert len(ids) <= k and len(set(ids)) == len(ids)
    scores = [i.score for i in items]
    assert scores == sorted(scores, reverse=True)
    assert all(i.reason and isinstance(i.reason, str) for i in items)


def test_implements_the_protocol(recommender):
    assert isinstance(recommender, Recommender)


@pytest.mark.parametrize("user", ["u0", "u7", "someone-new", None])
def test_k_distinct_products_best_first_each_with_a_reason(recommender, user):
    items = recommender.recommend(user, k=6)
    assert len(items) == 6
    _well_formed(items, 6)
    assert not any(r.shape == "search" for i in items for r in i.reasons)  # nobody searched


@pytest.mark.parametrize(
    "filters",
    [SearchFilters(max_price=40), SearchFilters(categories=("Mugs",)), SearchFilters(brands=("Bolt",))],
)
def test_every_recommendation_passes_the_filters(recommender, filters):
    items = recommender.recommend("u1", k=10, filters=filters)
    assert items and all(filters.accepts(i.product) for i in items)


def test_nothing_bought_is_offered_again(store, recommender):
    for user in ("u0", "u4", "u11"):
        bought = {e.product_id for e in store.events.events_for(user) if e.kind == "purchase"}
        assert not bought & {i.product.id for i in recommender.recommend(user, k=20)}


def test_a_dismissed_product_leaves_the_next_answer_at_once(recommender):
    user = "contract-dismisser"
    first = recommender.recommend(user, k=5)[0].product.id
    recommender.record_events([Event(user, first, "dismiss", 2_000_000)])
    assert first not in {i.product.id for i in recommender.recommend(user, k=20)}


def test_a_campaign_chooses_only_among_its_offers(recommender):
    offers = ["p3", "p25", "p31", "no-such-product"]
    items = recommender.recommend_among("u2", offers, k=10)
    _well_formed(items, 10)
    assert {i.product.id for i in items} <= set(offers) - {"no-such-product"} and items


def test_ranking_a_search_keeps_to_its_candidates(recommender):
    candidates = [Candidate(p, 1.0 - n / 10) for n, p in enumerate(PRODUCTS[18:24])]
    for user in ("u5", None):
        items = recommender.rank(user, candidates, k=4)
        assert len(items) == 4 and {i.product.id for i in items} <= {c.product.id for c in candidates}
        assert all(i.reason for i in items)
