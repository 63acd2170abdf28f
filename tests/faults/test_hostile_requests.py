"""Oversized and malformed bodies on every route of `shopmate serve`, the API's and the UI's: each is
refused with a 4xx (413 for size), never a 5xx, and the server keeps answering."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi.routing import APIRoute

from assistant.api.keys import ApiKeyStore
from assistant.shop import Shop
from tests.api.conftest import serve_in_process
from tests.api.test_ui_door import _flat_routes, _gradio_routes

LIMIT = 64 * 1024
MALFORMED = [
    b"{not json",
    b"\xff\xfe\x00garbage",
    b'{"data": ' + b"[" * 5000,
    b"[]",
    b'"just a string"',
    b"null",
]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    from assistant.demo_store import generate_demo_store

    source = generate_demo_store(tmp_path_factory.mktemp("hostile-source"), seed=3, products=30, users=6)
    shop = Shop.open(tmp_path_factory.mktemp("hostile-home"), llm="test")
    shop.ingest(catalog=source.products, reviews=source.reviews, events=source.events, users=source.users)
    _, admin = ApiKeyStore(shop.db).create(["admin"])
    server, thread, url = serve_in_process(shop, mount_ui=True, max_body_bytes=LIMIT)
    yield url, server.config.app, admin
    server.should_exit = True
    thread.join(timeout=10)
    shop.close()


def _api_routes(app) -> list[tuple[str, str]]:
    found = []
    for path, route in _flat_routes(app.routes):
        if isinstance(route, APIRoute) and path.startswith("/v1"):
            found += [(m, re.sub(r"\{[^}]+\}", "x", path)) for m in sorted(route.methods)]
    assert found, "no /v1 routes found: the route walk is broken"
    return found


@contextmanager
def _signed_in(url: str, admin: str) -> Iterator[httpx.Client]:
    """An admin key for /v1 and a team session for /ui."""
    with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {admin}"}) as client:
        assert client.post("/ui/signin", data={"role": "staff", "key": admin}).status_code == 303
        yield client


def test_every_route_refuses_an_oversized_body_with_413(hostile_server):
    url, app, admin = hostile_server
    routes = _api_routes(app) + [r for r in _gradio_routes(app) if r[0] != "WEBSOCKET"]
    big = b"x" * (LIMIT + 1)
    with _signed_in(url, admin) as client:
        answers = {
            (m, p): client.request(
                m, p, content=big, headers={"Content-Type": "application/json"}
            ).status_code
            for m, p in routes
            if m in ("POST", "PUT", "PATCH")
        }
        assert answers and set(answers.values()) == {413}, answers
        # Without a Content-Length the limit still holds, while the body streams in.
        streamed = client.post(
            "/v1/chat",
            content=iter([big[: LIMIT // 2], big[LIMIT // 2 :]]),
            headers={"Content-Type": "application/json"},
        )
        assert streamed.status_code == 413


def test_every_route_answers_malformed_bodies_with_a_4xx_and_never_a_5xx(hostile_server):
    url, app, admin = hostile_server
    routes = _api_routes(app) + [r for r in _gradio_routes(app) if r[0] != "WEBSOCKET"]
    server_errors = {}
    with _signed_in(url, admin) as client:
        for method, path in routes:
            if method in ("GET", "HEAD", "OPTIONS") or "/stream/" in path or "vibe" in path:
                continue
            for body in MALFORMED:
                status = client.request(
                    method, path, content=body, headers={"Content-Type": "application/json"}
                ).status_code
                if status >= 500:
                    server_errors[(method, path, body[:12])] = status
        assert server_errors == {}
        assert client.get("/healthz").status_code == 200
