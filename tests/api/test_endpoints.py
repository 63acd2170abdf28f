"""Each endpoint through the real server and the Python client, on the small demo store."""

from __future__ import annotations

import sqlite3
import time

import httpx
import pytest

from assistant.client import ApiError, ShopmateClient
from tests.api.conftest import demo_user

pytestmark = pytest.mark.slow


@pytest.fixture
def api(server):
    with ShopmateClient(server.url, server.keys["admin"]) as client:
        yield client


def catalog_ids(server) -> set[str]:
    with sqlite3.connect(server.home / "shopmate.sqlite3") as conn:
        return {r[0] for r in conn.execute("SELECT id FROM products")}


def catalog_price(server, product_id: str) -> float:
    with sqlite3.connect(server.home / "shopmate.sqlite3") as conn:
        return conn.execute("SELECT price FROM products WHERE id = ?", (product_id,)).fetchone()[0]


def test_search_finds_catalog_products_and_honours_filters(server, api):
    results = api.search("hiking boots", k=5)
    assert 0 < len(results) <= 5
    ids = catalog_ids(server)
    assert all(r["id"] in ids and r["title"] for r in results)
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    cheap = api.search("hiking boots", k=10, filters={"max_price": 60})
    assert all(r["price"] is not None and r["price"] <= 60 for r in cheap)


def test_search_for_a_user_is_ranked_with_reasons(server, api):
    user = demo_user(server.home, 0)
    results = api.search("headphones", k=5, user_id=user)
    assert results and all(r["reasons"] and r["reason"] == r["reasons"][0] for r in results)
    with pytest.raises(ApiError) as err:
        api.search("headphones", user_id="NO-SUCH-USER")
    assert err.value.status == 404


def test_recommendations_are_catalog_products_for_known_users_only(server, api):
    user = demo_user(server.home, 1)
    items = api.recommendations(user, k=5)
    assert 0 < len(items) <= 5 and len({i["id"] for i in items}) == len(items)
    ids = catalog_ids(server)
    assert all(i["id"] in ids and i["reason"] for i in items)
    assert all(i["price"] == catalog_price(server, i["id"]) for i in items)
    with pytest.raises(ApiError) as err:
        api.recommendations("NO-SUCH-USER")
    assert err.value.status == 404 and err.value.code == "not_found"


def test_profile_reflects_the_users_events(server, api):
    user = demo_user(server.home, 2)
    profile = api.profile(user)
    assert profile["user_id"] == user and profile["n_events"] > 0
    assert profile["top_categories"] and all(len(c) == 2 for c in profile["top_categories"])
    with pytest.raises(ApiError) as err:
        api.profile("NO-SUCH-USER")
    assert err.value.status == 404


def test_feedback_changes_the_profile_and_recommendations_at_once(server, api):
    user = demo_user(server.home, 3)
    before = api.profile(user)
    with sqlite3.connect(server.home / "shopmate.sqlite3") as conn:
        touched = {r[0] for r in conn.execute("SELECT product_id FROM events WHERE user_id = ?", (user,))}
    # A product the user never touched: a dismissal alone makes it a negative (after a cart it would not be).
    first, second = [i["id"] for i in api.recommendations(user, k=10) if i["id"] not in touched][:2]
    now = int(time.time())
    with server.client("chat") as chat_key:
        response = chat_key.post(
            "/v1/events",
            json={
                "events": [
                    {
                        "user_id": user,
                        "product_id": first,
                        "kind": "dismiss",
                        "time": now,
                        "session": "api-test",
                    },
                    {"user_id": user, "product_id": second, "kind": "click", "time": now - 1},
                ]
            },
        )
    assert response.status_code == 200, response.text
    assert response.json() == {"recorded": 2, "users": [user]}
    after = api.profile(user)
    assert after["n_events"] == before["n_events"] + 2
    assert any(e["product_id"] == first and e["kind"] == "dismiss" for e in after["recent"])
    assert first not in [i["id"] for i in api.recommendations(user, k=5)]


def test_events_for_products_not_in_the_catalog_are_422_naming_each(server, api):
    with pytest.raises(ApiError) as err:
        api.record_events(
            [
                {"user_id": "U00001", "product_id": "NOPE-1", "kind": "click"},
                {"user_id": "U00001", "product_id": "NOPE-2", "kind": "purchase"},
            ]
        )
    assert err.value.status == 422
    assert [f["field"] for f in err.value.fields] == ["body.events.0.product_id", "body.events.1.product_id"]


def test_chat_answers_with_catalog_products_and_the_session_reads_back(server, api):
    user = demo_user(server.home, 4)
    turn = api.chat(user, "I need hiking boots under $120")
    assert turn["reply"] and turn["session"] and "checks" in turn and turn["language"]
    ids = catalog_ids(server)
    assert all(p["id"] in ids for p in turn["products"])
    second = api.chat(user, "cheaper", session_id=turn["session"])
    assert second["session"] == turn["session"]
    transcript = api.session(turn["session"])
    assert transcript["session_id"] == turn["session"]
    text = str(transcript)
    assert "I need hiking boots under $120" in text and "cheaper" in text
    with pytest.raises(ApiError) as err:
        api.session("no-such-session")
    assert err.value.status == 404


def test_chat_streams_server_sent_events_when_asked(server, api):
    user = demo_user(server.home, 4)
    events = list(api.chat_events(user, "a gift for a runner under $50"))
    kinds = [k for k, _ in events]
    assert kinds[-1] == "reply" and kinds.count("reply") == 1 and "token" in kinds
    assert all(k == "token" for k in kinds[:-1])
    assert events[-1][1]["session"] and events[-1][1]["reply"]
    with (
        server.client("chat") as raw,
        raw.stream(
            "POST",
            "/v1/chat",
            json={"user_id": user, "message": "hello"},
            headers={"Accept": "text/event-stream"},
        ) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    assert body.startswith("event: token") and "event: reply" in body


def test_push_preview_gives_one_users_checked_message(server, api):
    user = demo_user(server.home, 5)
    preview = api.push_preview("api-test", user)
    assert preview["campaign"] == "api-test" and preview["user_id"] == user
    if preview["skipped"] is None:
        message = preview["messages"][0]
        assert message["user"] == user and message["products"] and message["title"] and message["body"]
        assert message["products"][0] in catalog_ids(server)
    else:
        assert preview["messages"] == []
    for campaign, uid in (("no-such-campaign", user), ("api-test", "NO-SUCH-USER")):
        with pytest.raises(ApiError) as err:
            api.push_preview(campaign, uid)
        assert err.value.status == 404


def test_a_campaign_run_starts_in_the_background_and_reports_its_result(server, api):
    run = api.start_campaign_run("api-test", limit=1, dry_run=True)
    assert run["status"] in ("queued", "running") and run["campaign"] == "api-test"
    done = api.wait_for_run("api-test", run["run_id"], timeout=300)
    assert done["status"] == "succeeded", done["error"]
    assert done["result"] and done["finished_at"] >= done["created_at"]
    with server.client("read") as reader:
        listed = reader.get("/v1/campaigns/api-test/runs").json()
    assert run["run_id"] in [r["run_id"] for r in listed]


def test_the_client_raises_api_errors_with_code_and_request_id(server):
    with ShopmateClient(server.url, "smk_wrong_key") as bad, pytest.raises(ApiError) as err:
        bad.recommendations("U00001")
    assert err.value.status == 401 and err.value.code == "unauthorized" and len(err.value.request_id) == 32
    with ShopmateClient(server.url) as anonymous:
        assert anonymous.health()["status"] == "ok"
        with pytest.raises(ApiError) as err:
            anonymous.metrics()
        assert err.value.status == 401
    with ShopmateClient(server.url, server.keys["admin"]) as admin:
        assert "shopmate_http_requests_total" in admin.metrics()


def test_the_ui_is_mounted_at_ui_behind_its_sign_in_page(server):
    response = httpx.get(
        f"{server.url}/ui/", timeout=60, follow_redirects=True, headers={"Accept": "text/html"}
    )
    assert response.status_code == 200 and str(response.url).endswith("/ui/signin")
    assert "API key" in response.text
