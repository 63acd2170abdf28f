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
