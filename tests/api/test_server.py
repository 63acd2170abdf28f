"""The server's own behaviour, through a real process: keys, scopes, errors, limits, request ids, metrics."""

from __future__ import annotations

import sqlite3
import time

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import create_key, shopmate

RUNS = "/v1/campaigns/api-test/runs"  # a read-scoped endpoint that needs no model


def _error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == code and body["message"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def test_health_answers_without_a_key_and_reports_what_is_loaded(server):
    response = httpx.get(f"{server.url}/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and isinstance(body["ready"], dict)


def test_the_default_bind_is_loopback_only(server):
    assert server.url.startswith("http://127.0.0.1:")
    assert "serve" in shopmate(server.home, "serve", "--help").stdout
    assert "default: 127.0.0.1" in shopmate(server.home, "serve", "--help").stdout.replace("\n", " ")


def test_openapi_documents_every_endpoint_and_the_bearer_scheme(server):
    doc = httpx.get(f"{server.url}/openapi.json").json()
    for path in (
        "/v1/chat",
        "/v1/sessions/{session_id}",
        "/v1/users/{user_id}/recommendations",
        "/v1/users/{user_id}/profile",
        "/v1/search",
        "/v1/events",
        "/v1/push/preview",
        "/v1/campaigns/{campaign_id}/runs",
        "/v1/campaigns/{campaign_id}/runs/{run_id}",
        "/v1/users/{user_id}",
        "/healthz",
        "/readyz",
        "/metrics",
    ):
        assert path in doc["paths"], path
    assert any(s.get("scheme") == "bearer" for s in doc["components"]["securitySchemes"].values())


def test_no_key_or_an_unknown_key_is_401_with_a_json_error(server):
    with server.client(None) as api:
        body = _error(api.get(RUNS), 401, "unauthorized")
        assert "Bearer" in body["message"]
        assert api.get(RUNS).headers["www-authenticate"] == "Bearer"
        _error(api.get(RUNS, headers={"Authorization": "Bearer smk_nope_nope"}), 401, "unauthorized")
        _error(api.get(RUNS, headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401, "unauthorized")


def test_a_key_without_the_scope_is_403(server):
    with server.client("read") as api:
        assert api.get(RUNS).status_code == 200
        _error(api.post("/v1/chat", json={"user_id": "U00001", "message": "hi"}), 403, "forbidden")
        _error(api.delete("/v1/users/U00001"), 403, "forbidden")
        _error(
            api.post("/v1/push/preview", json={"campaign": "api-test", "user_id": "U00001"}), 403, "forbidden"
        )
    with server.client("chat") as api:
        _error(api.get(RUNS), 403, "forbidden")
        _error(api.post(f"{RUNS}", json={}), 403, "forbidden")


def test_keys_are_stored_hashed_listed_without_secrets_and_revoked_at_once(server):
    key = create_key(server.home, "read")
    assert key.startswith("smk_") and len(key) > 40
    with sqlite3.connect(server.home / "shopmate.sqlite3") as conn:
        dump = "\n".join(conn.iterdump())
    # smk_<id>_<secret>: the secret (token_urlsafe) may hold "_" itself, so split twice only.
    assert key not in dump and key.split("_", 2)[2] not in dump
    key_id = key.split("_")[1]
    listing = shopmate(server.home, "keys", "list").stdout
    assert key_id in listing and key not in listing
    assert httpx.get(f"{server.url}{RUNS}", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    shopmate(server.home, "keys", "revoke", key_id)
    _error(httpx.get(f"{server.url}{RUNS}", headers={"Authorization": f"Bearer {key}"}), 401, "unauthorized")
    assert shopmate(server.home, "keys", "revoke", key_id, check=False).returncode != 0


def test_keys_create_refuses_an_unknown_scope(server):
    result = shopmate(server.home, "keys", "create", "--scope", "root", check=False)
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_bad_bodies_are_422_naming_the_field(server):
    with server.client("admin") as api:
        body = _error(api.post("/v1/search", json={}), 422, "validation_error")
        assert any(f["field"] == "body.query" for f in body["fields"])
        body = _error(api.post("/v1/search", json={"query": "boots", "k": 0}), 422, "validation_error")
        assert [f["field"] for f in body["fields"]] == ["body.k"]
        body = _error(
            api.post("/v1/search", json={"query": "boots", "colour": "red"}), 422, "validation_error"
        )
        assert [f["field"] for f in body["fields"]] == ["body.colour"]
        body = _error(
            api.post("/v1/search", content=b"{not json", headers={"content-type": "application/json"}),
            422,
            "validation_error",
        )
        body = _error(
            api.post("/v1/events", json={"events": [{"user_id": "U1", "product_id": "P1", "kind": "like"}]}),
            422,
            "validation_error",
        )
        assert [f["field"] for f in body["fields"]] == ["body.events.0.kind"]
        body = _error(api.post("/v1/chat", json={"user_id": "U 1", "message": ""}), 422, "validation_error")
        assert {f["field"] for f in body["fields"]} == {"body.user_id", "body.message"}
        _error(api.get("/v1/users/U00001/recommendations", params={"k": 1000}), 422, "validation_error")
        # A category filter that names nothing (blank, or only the path separator) is the caller's mistake.
        blank = {"query": "boots", "filters": {"categories": ["Shoes", " > "]}}
        body = _error(api.post("/v1/search", json=blank), 422, "validation_error")
        assert [f["field"] for f in body["fields"]] == ["body.filters.categories.1"]
        assert "Hiking Boots" in body["fields"][0]["message"]
        params = {"category": "\x1c"}
        _error(api.get("/v1/users/U00001/recommendations", params=params), 422, "validation_error")


def test_an_oversized_body_is_413_before_it_is_read(server):
    with server.client("admin") as api:
        big = {"query": "x" * 10, "filters": {"brands": ["b" * 190] * 50}, "pad": "y" * (2 << 20)}
        _error(api.post("/v1/search", json=big), 413, "body_too_large")

        def chunks():  # no Content-Length: the limit is enforced while reading
            for _ in range(40):
                yield b"x" * 65536

        response = api.post("/v1/search", content=chunks(), headers={"content-type": "application/json"})
        _error(response, 413, "body_too_large")


def test_the_rate_limit_is_per_key_with_retry_after(server):
    with server.client("slow_rate") as limited, server.client("read") as other:
        statuses = [limited.get(RUNS).status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
        response = limited.get(RUNS)
        body = _error(response, 429, "rate_limited")
        assert int(response.headers["retry-after"]) >= 1 and "3 requests a minute" in body["message"]
        assert other.get(RUNS).status_code == 200


def test_unknown_routes_and_ids_are_json_404s(server):
    with server.client("admin") as api:
        _error(api.get("/v1/nothing-here"), 404, "not_found")
        _error(api.get(f"{RUNS}/0123456789abcdef"), 404, "not_found")
        _error(api.post("/v1/campaigns/no-such-campaign/runs", json={}), 404, "not_found")


def test_request_ids_are_echoed_made_up_when_missing_and_logged(server):
    with server.client("read") as api:
        given = api.get(RUNS, headers={"X-Request-ID": "trace-abc.123"})
        assert given.headers["x-request-id"] == "trace-abc.123"
        made = api.get(RUNS)
        assert len(made.headers["x-request-id"]) == 32
        hostile = api.get(RUNS, headers={"X-Request-ID": "a b INFO=forged;log line" * 3})
        assert len(hostile.headers["x-request-id"]) == 32
    deadline = time.monotonic() + 5
    while "trace-abc.123" not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    line = next(x for x in server.log_text().splitlines() if "trace-abc.123" in x)
    assert "GET /v1/campaigns/api-test/runs 200" in line


def test_metrics_need_a_key_with_the_metrics_scope(server):
    assert httpx.get(f"{server.url}/metrics").status_code == 401
    with server.client("read") as reader:
        assert reader.get("/metrics").status_code == 403
    with server.client("admin") as admin:
        assert admin.get("/metrics").status_code == 200


def test_metrics_are_prometheus_text_with_route_templates(server):
    with server.client("read") as api:
        api.get(RUNS)
    scraper = create_key(server.home, "metrics")
    response = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {scraper}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE shopmate_http_requests_total counter" in text
    assert 'route="/v1/campaigns/{campaign_id}/runs"' in text
    assert "# TYPE shopmate_http_request_duration_seconds histogram" in text
    buckets = [
        s.labels
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == "shopmate_http_request_duration_seconds_bucket"
    ]
    assert {"method": "GET", "route": "/healthz", "le": "+Inf"} in buckets
    assert "shopmate_store_products 120" in text
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name_labels, value = line.rsplit(" ", 1)
            float(value)
