"""Readiness apart from liveness: /healthz answers at once, /readyz says 503 until every heavy part has
loaded (or names the one that failed), and the UI shows a warming-up line meanwhile."""

from __future__ import annotations

import threading
import time

import httpx

from assistant.api.readiness import FAILED, READY, WarmUp, warm_up_of
from assistant.shop import HEAVY_PARTS, Shop
from tests.api.conftest import serve_in_process
from ui import handlers


class GatedShop(Shop):
    """A real store whose heavy parts load only when the test opens the gate (or fail, when told to)."""

    gate = threading.Event()
    broken: tuple[str, ...] = ()

    def _load(self, name):
        if not self.gate.wait(30):
            raise TimeoutError("the test never opened the gate")
        if name in self.broken:
            raise RuntimeError(f"{name} could not be loaded")
        return object()

    encoder = property(lambda self: self._load("encoder"))
    index = property(lambda self: self._load("index"))
    ranking = property(lambda self: self._load("ranking"))
    generator = property(lambda self: self._load("generator"))


def _wait(predicate, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_readyz_is_503_while_loading_and_200_once_loaded_while_healthz_is_200_throughout(tmp_path):
    shop = GatedShop(Shop.open(tmp_path / "home", llm="test").settings)
    shop.gate = threading.Event()
    server, thread, url = serve_in_process(shop, warm_up=True, max_batch=1)
    try:
        _wait(lambda: warm_up_of(shop) is not None)
        assert httpx.get(f"{url}/healthz").status_code == 200
        loading = httpx.get(f"{url}/readyz")
        assert loading.status_code == 503 and loading.headers["retry-after"] == "5"
        body = loading.json()
        assert body["status"] == "loading" and set(body["parts"]) == set(HEAVY_PARTS)
        assert handlers.readiness_note(shop).startswith("The assistant is warming up")
        shop.gate.set()
        _wait(lambda: warm_up_of(shop).ready)
        ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        assert all(p["state"] == READY for p in ready.json()["parts"].values())
        assert handlers.readiness_note(shop) == ""
    finally:
        shop.gate.set()
        server.should_exit = True
        thread.join(timeout=10)
        shop.close()


def test_a_part_that_fails_to_load_keeps_readyz_at_503_and_names_the_error(tmp_path):
    shop = GatedShop(Shop.open(tmp_path / "home", llm="test").settings)
    shop.gate = threading.Event()
    shop.gate.set()
    shop.broken = ("generator",)
    warm = WarmUp(shop, HEAVY_PARTS)
    warm.run()
    assert warm.state_of("generator") == FAILED and warm.state_of("index") == READY
    assert "could not be loaded" in warm.to_dict()["generator"]["error"]
    assert not warm.ready
    assert "failed to load" in handlers.readiness_note(shop)
    shop.close()
