"""What the API itself adds around the facade (404s for unknown users, record shapes, defaults, facade
arguments), held with a shop whose ranking and chat parts are simple stand-ins, so it holds on its own."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from assistant.api.keys import ApiKeyStore
from assistant.shop import Shop
from ranking.records import RankedItem, Reason, UserProfile
from retrieval.records import Candidate
from tests.api.conftest import serve_in_process

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "campaigns"


class StandInShop(Shop):
    """The real store; ranking and chat answer from it in the plainest way, and note how they were called."""

    calls: list

    def search(self, query, filters=None, k=10):
        self.calls.append(("search", query, filters, k))
        products = list(self.catalog.iter_products())[:k]
        return [Candidate(product=p, score=1.0 - i / 100) for i, p in enumerate(products)]

    def search_for_user(self, user_id, query, filters=None, k=10):
        self.calls.append(("search_for_user", user_id, query, filters, k))
        return [
            RankedItem(product=c.product, score=c.score, reasons=(Reason("search"),))
            for c in self.search(query, k=k)
        ]

    def recommend(self, user_id, k=10, filters=None):
        self.calls.append(("recommend", user_id, k, filters))
        return self.search_for_user(user_id, "", k=k)

    def profile(self, user_id):
        events = tuple(self.events.events_for(user_id))
        return UserProfile(
            user_id=user_id,
            interest_tags=("outdoor",),
            top_categories=(("Shoes", 0.5),),
            price_band=(10.0, 90.0),
            recent=events[-3:],
            n_events=len(events),
        )

    def record_events(self, events):
        self.calls.append(("record_events", events))
        self.events.add_events(events)

    def push(self, campaign_path, **options):
        self.calls.append(("push", Path(campaign_path).stem, options))
        return {"campaign": Path(campaign_path).stem, "written": 0}

    def transcript(self, session_id):
        return [{"role": "user", "text": "hi"}] if session_id == "s-known" else None


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory, demo_source):
    shop = StandInShop(Shop.open(tmp_path_factory.mktemp("stand-in"), llm="test").settings)
    shop.calls = []
    shop.ingest(catalog=demo_source.products, events=demo_source.events, users=demo_source.users)
    _, key = ApiKeyStore(shop.db).create(["admin"])
    server, thread, url = serve_in_process(shop, campaign_dirs=(EXAMPLES,))
    user = next(shop.events.iter_users()).id
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
        yield shop, client, user
    server.should_exit = True
    thread.join(timeout=10)
    shop.close()


def test_search_returns_candidate_shapes_and_passes_k(stand_in):
    shop, api, _ = stand_in
    body = api.post("/v1/search", json={"query": "boots", "k": 3}).json()
    assert body["query"] == "boots" and body["user_id"] is None and len(body["results"]) == 3
    first = body["results"][0]
    assert set(first) >= {"id", "title", "price", "score", "evidence", "reasons"}
    assert shop.calls[-1] == ("search", "boots", None, 3)


def test_filters_reach_the_facade_as_search_filters(stand_in):
    from retrieval.query import SearchFilters

    shop, api, user = stand_in
    response = api.post(
        "/v1/search",
        json={
            "query": "boots",
            "user_id": user,
            "filters": {"brands": ["Acme"], "max_price": 50, "min_rating": 4},
        },
    )
    assert response.status_code == 200
    assert shop.calls[-2][3] == SearchFilters(brands=("Acme",), max_price=50, min_rating=4)
    api.get(f"/v1/users/{user}/recommendations", params={"category": "Shoes", "max_price": 80})
    assert shop.calls[-3][3] == SearchFilters(categories=("Shoes",), max_price=80)


def test_recommendations_and_profile_are_404_for_unknown_users_and_typed_for_known(stand_in):
    shop, api, user = stand_in
    for path in ("/v1/users/NOBODY/recommendations", "/v1/users/NOBODY/profile"):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["error"] == "not_found"
    items = api.get(f"/v1/users/{user}/recommendations", params={"k": 4}).json()
    assert (
        items["user_id"] == user
        and len(items["items"]) == 4
        and items["items"][0]["reason"] == "matches your search"
    )
    assert shop.calls[-3] == ("recommend", user, 4, None)
    profile = api.get(f"/v1/users/{user}/profile").json()
    assert profile["top_categories"] == [["Shoes", 0.5]] and profile["price_band"] == [10.0, 90.0]
    assert profile["n_events"] > 0 and len(profile["recent"]) <= 3


def test_events_become_typed_events_with_now_as_the_default_time(stand_in):
    shop, api, user = stand_in
    product = next(shop.catalog.iter_products()).id
    before = time.time()
    response = api.post(
        "/v1/events",
        json={
            "events": [
                {"user_id": user, "product_id": product, "kind": "purchase"},
                {"user_id": user, "product_id": product, "kind": "rate", "value": 5, "time": 1_700_000_000},
            ]
        },
    )
    assert response.status_code == 200 and response.json() == {"recorded": 2, "users": [user]}
    kind, events = shop.calls[-1]
    assert kind == "record_events" and [e.kind for e in events] == ["purchase", "rate"]
    assert before - 1 <= events[0].time <= time.time() + 1 and events[1].time == 1_700_000_000
    assert events[1].value == 5.0


def test_transcripts_are_404_when_unknown_and_wrapped_when_a_list(stand_in):
    _, api, _ = stand_in
    assert api.get("/v1/sessions/s-unknown").status_code == 404
    body = api.get("/v1/sessions/s-known").json()
    assert body == {"session_id": "s-known", "turns": [{"role": "user", "text": "hi"}]}


def test_a_campaign_run_passes_the_ray_pool_to_the_facade_and_refuses_it_without_ray(stand_in):
    shop, client, _ = stand_in
    refused = client.post("/v1/campaigns/winter-outdoor/runs", json={"workers": 2})
    assert refused.status_code == 422 and '"engine": "ray"' in refused.json()["fields"][0]["message"]
    started = client.post(
        "/v1/campaigns/winter-outdoor/runs",
        json={"engine": "ray", "workers": 2, "gpus_per_worker": 0.5, "batch_size": 4, "dry_run": True},
    )
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + 30
    while (run := client.get(f"/v1/campaigns/winter-outdoor/runs/{started.json()['run_id']}").json())[
        "status"
    ] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run["status"] == "succeeded", run
    _, campaign, options = [c for c in shop.calls if c[0] == "push"][-1]
    assert campaign == "winter-outdoor" and options["out"] is None and options["dry_run"] is True
    assert (options["engine"], options["workers"], options["gpus_per_worker"], options["batch_size"]) == (
        "ray",
        2,
        0.5,
        4,
    )
