"""The UI mounted in `shopmate serve`, over raw HTTP: every Gradio route refuses a caller without a
sign-in, a shopper reaches only their own data, and the team's actions need the team's scopes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from starlette.routing import Mount, WebSocketRoute

from assistant.api.keys import ApiKeyStore
from assistant.shop import Shop
from tests.api.conftest import serve_in_process
from ui.door import Door, load_secret

SHOPPER, OTHER = "U00001", "U00002"


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory):
    from assistant.demo_store import generate_demo_store

    source = generate_demo_store(tmp_path_factory.mktemp("door-source"), seed=5, products=40, users=8)
    shop = Shop.open(tmp_path_factory.mktemp("door-home"), llm="test")
    shop.ingest(catalog=source.products, reviews=source.reviews, events=source.events, users=source.users)
    server, thread, url = serve_in_process(shop, mount_ui=True)
    yield shop, url, server.config.app
    server.should_exit = True
    thread.join(timeout=10)
    shop.close()


def _flat_routes(routes, prefix: str = "") -> list[tuple[str, object]]:
    """(full path, route), walking into included routers (FastAPI keeps them as one entry each)."""
    found = []
    for route in routes:
        if hasattr(route, "original_router"):
            found += _flat_routes(route.original_router.routes, prefix + route.include_context.prefix)
        else:
            found.append((prefix + route.path, route))
    return found


def _gradio_routes(app) -> list[tuple[str, str]]:
    """(method, path) for every route of the mounted Gradio app, path parameters filled in."""
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/ui")
    found = []
    for path, route in _flat_routes(mount.app.routes, "/ui"):
        path = re.sub(r"\{[^}]+\}", "x", path)
        methods = (
            ["WEBSOCKET"]
            if isinstance(route, WebSocketRoute)
            else sorted(getattr(route, "methods", None) or {"GET"})
        )
        found += [(m, path) for m in methods]
    return found


@contextmanager
def _signed_in(url: str, **form) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=60) as client:
        response = client.post("/ui/signin", data=form)
        assert response.status_code == 303, response.text[:300]
        yield client


@contextmanager
def _shopper(url: str, shop, user_id: str) -> Iterator[httpx.Client]:
    token = Door(ApiKeyStore(shop.db), load_secret(shop.home)).shopper_token(user_id)
    with httpx.Client(base_url=url, timeout=60) as client:
        assert client.get("/ui/signin", params={"token": token}).status_code == 303
        yield client


def _call(client: httpx.Client, api_name: str, *data) -> tuple[str, object]:
    """Run one UI event through Gradio's HTTP API as this client; returns (event kind, payload)."""
    started = client.post(f"/ui/gradio_api/call/{api_name}", json={"data": list(data)})
    assert started.status_code == 200, started.text[:300]
    stream = client.get(f"/ui/gradio_api/call/{api_name}/{started.json()['event_id']}").text
    events = re.findall(r"event: (\w+)\ndata: (.*)", stream)
    kind, payload = events[-1]
    return kind, json.loads(payload) if payload and payload != "null" else None


def test_every_gradio_route_refuses_a_caller_without_a_sign_in(ui_server):
    shop, url, app = ui_server
    routes = _gradio_routes(app)
    assert len(routes) > 40, routes  # the whole Gradio API, not a hand-picked few
    answers = {}
    with httpx.Client(base_url=url, timeout=30) as anonymous:
        for method, path in routes:
            if method == "WEBSOCKET":
                continue
            answers[(method, path)] = anonymous.request(method, path, json={"data": []}).status_code
    assert {k: v for k, v in answers.items() if v != 401} == {}
    assert anonymous_html_goes_to_sign_in(url)


def anonymous_html_goes_to_sign_in(url: str) -> bool:
    response = httpx.get(f"{url}/ui/", headers={"Accept": "text/html"})
    return response.status_code == 303 and response.headers["location"] == "/ui/signin"


def test_a_forged_cookie_or_a_wrong_key_opens_nothing(ui_server):
    shop, url, _ = ui_server
    with httpx.Client(base_url=url, cookies={"shopmate_ui": "eyJrIjoic3RhZmYifQ.AAAA"}) as client:
        assert client.get("/ui/gradio_api/info").status_code == 401
    with httpx.Client(base_url=url) as client:
        assert client.post("/ui/signin", data={"role": "staff", "key": "smk_x_y"}).status_code == 401
        assert client.post("/ui/signin", data={"role": "shopper", "shopper": SHOPPER}).status_code == 401, (
            "serve offers no demo shopper sign-in"
        )
        assert client.get("/ui/gradio_api/info").status_code == 401


def test_a_team_key_signs_in_and_the_gradio_api_answers(ui_server):
    shop, url, _ = ui_server
    _, key = ApiKeyStore(shop.db).create(["read"])
    with _signed_in(url, role="staff", key=key) as team:
        assert team.get("/ui/gradio_api/info").status_code == 200
        assert team.get("/ui/").status_code == 200
        kind, payload = _call(team, "on_profile_1", OTHER)
        assert kind == "complete" and OTHER in payload[0]


def test_a_chat_only_key_is_not_a_team_sign_in(ui_server):
    shop, url, _ = ui_server
    _, key = ApiKeyStore(shop.db).create(["chat"])
    with httpx.Client(base_url=url) as client:
        assert client.post("/ui/signin", data={"role": "staff", "key": key}).status_code == 401


def test_a_shopper_reads_only_their_own_profile_whatever_they_ask_for(ui_server):
    shop, url, _ = ui_server
    with _shopper(url, shop, SHOPPER) as shopper:
        kind, payload = _call(shopper, "on_profile_1", OTHER)
        assert kind == "complete"
        assert SHOPPER in payload[0] and OTHER not in json.dumps(payload)


@pytest.mark.parametrize("api_name", ["on_preview", "on_run", "on_facts", "on_eval"])
def test_a_shopper_cannot_run_the_teams_actions(ui_server, api_name):
    shop, url, _ = ui_server
    with _shopper(url, shop, SHOPPER) as shopper:
        info = shopper.get("/ui/gradio_api/info").json()["named_endpoints"]
        params = info[f"/{api_name}"]["parameters"]
        kind, payload = _call(shopper, api_name, *[p.get("parameter_default") for p in params])
    assert kind == "error" and "store-team sign-in" in json.dumps(payload), payload
    assert not (shop.home / "outbox").exists(), "a shopper started a push run"


def test_a_read_only_team_key_cannot_start_a_push_run(ui_server):
    shop, url, _ = ui_server
    _, key = ApiKeyStore(shop.db).create(["read"])
    with _signed_in(url, role="staff", key=key) as team:
        params = team.get("/ui/gradio_api/info").json()["named_endpoints"]["/on_run"]["parameters"]
        kind, payload = _call(team, "on_run", *[p.get("parameter_default") for p in params])
    assert kind == "error" and "push scope" in json.dumps(payload), payload
    assert not (shop.home / "outbox").exists()


def test_revoking_the_key_ends_the_team_session_at_once(ui_server):
    shop, url, _ = ui_server
    keys = ApiKeyStore(shop.db)
    record, key = keys.create(["read"])
    with _signed_in(url, role="staff", key=key) as team:
        assert team.get("/ui/gradio_api/info").status_code == 200
        keys.revoke(record.id)
        assert team.get("/ui/gradio_api/info").status_code == 401


def test_a_sign_in_posted_from_another_site_is_refused(ui_server):
    shop, url, _ = ui_server
    _, key = ApiKeyStore(shop.db).create(["read"])
    with httpx.Client(base_url=url) as client:
        refused = client.post(
            "/ui/signin", data={"role": "staff", "key": key}, headers={"Origin": "https://evil.example"}
        )
        assert refused.status_code == 401 and "shopmate_ui" not in client.cookies
        same_site = client.post("/ui/signin", data={"role": "staff", "key": key}, headers={"Origin": url})
        assert same_site.status_code == 303
