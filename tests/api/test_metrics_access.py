"""/metrics: a key with the metrics scope, or an address on the allow-list ($SHOPMATE_METRICS_ALLOW)."""

from __future__ import annotations

import httpx
import pytest

from assistant.api.context import ApiConfig
from assistant.api.keys import ApiKeyStore
from tests.api.conftest import serve_in_process


@pytest.mark.parametrize(
    ("allow", "anonymous"), [(("127.0.0.1/32",), 200), (("10.0.0.0/8",), 401), ((), 401)]
)
def test_an_allowed_address_reads_metrics_without_a_key_and_others_need_one(empty_shop, allow, anonymous):
    _, scraper = ApiKeyStore(empty_shop.db).create(["metrics"])
    server, thread, url = serve_in_process(empty_shop, metrics_allow=allow)
    try:
        assert httpx.get(f"{url}/metrics").status_code == anonymous
        keyed = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {scraper}"})
        assert keyed.status_code == 200 and "shopmate_store_products" in keyed.text
        # The scraper's key opens nothing else.
        assert (
            httpx.get(
                f"{url}/v1/campaigns/x/runs", headers={"Authorization": f"Bearer {scraper}"}
            ).status_code
            == 403
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_bad_allow_list_is_an_error_naming_the_variable(monkeypatch):
    monkeypatch.setenv("SHOPMATE_METRICS_ALLOW", "10.0.0.0/8,prometheus-host")
    with pytest.raises(ValueError, match=r"SHOPMATE_METRICS_ALLOW.*prometheus-host"):
        ApiConfig.from_env()


def test_two_apps_in_one_process_count_their_own_requests(tmp_path):
    from assistant.shop import Shop

    shops = [Shop.open(tmp_path / name, llm="test") for name in ("a", "b")]
    servers = [serve_in_process(shop) for shop in shops]
    try:
        keys = [ApiKeyStore(shop.db).create(["metrics"])[1] for shop in shops]
        (_, _, url_a), (_, _, url_b) = servers
        for _ in range(3):
            httpx.get(f"{url_a}/healthz")
        httpx.get(f"{url_b}/healthz")
        scraped = [
            httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {key}"}).text
            for (_, _, url), key in zip(servers, keys, strict=True)
        ]
        line = 'shopmate_http_requests_total{method="GET",route="/healthz",status="200"}'
        assert f"{line} 3.0" in scraped[0]
        assert f"{line} 1.0" in scraped[1]
    finally:
        for server, thread, _ in servers:
            server.should_exit = True
            thread.join(timeout=10)
        for shop in shops:
            shop.close()
