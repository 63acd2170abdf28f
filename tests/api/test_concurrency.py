"""Generation runs off the event loop, in a bounded pool with a deadline: a real uvicorn server (in this
process, on loopback) over a Shop whose chat is made slow on purpose, so the timings are deterministic."""

from __future__ import annotations

import concurrent.futures
import logging
import time
from dataclasses import dataclass

import httpx
import pytest

from assistant.api.keys import ApiKeyStore
from assistant.api.middleware import RequestIdLogFilter
from assistant.shop import Shop
from tests.api.conftest import serve_in_process


@dataclass
class _Turn:
    reply: str
    session: str

    def to_dict(self):
        return {
            "reply": self.reply,
            "products": [],
            "session": self.session,
            "language": "en",
            "checks": {"passed": True},
        }


class SlowChatShop(Shop):
    """The real store, with a chat that takes `delay` seconds, as a big model on a busy CPU would."""

    delay = 1.0

    def ask(self, user_id, message, session_id=None):
        logging.getLogger("tests.slow_chat").info("generating for %s", user_id)
        time.sleep(self.delay)
        return _Turn(reply=f"echo: {message}", session=session_id or "s-1")

    def ask_stream(self, user_id, message, session_id=None):
        for word in ("echo:", *message.split()):
            time.sleep(self.delay / 4)
            yield word + " "
        yield _Turn(reply=f"echo: {message}", session=session_id or "s-1")


@dataclass
class LocalServer:
    url: str
    key: str
    shop: SlowChatShop


@pytest.fixture
def local_server(tmp_path, request):
    config = getattr(request, "param", {})
    shop = SlowChatShop(Shop.open(tmp_path / "home", llm="test").settings)
    _, key = ApiKeyStore(shop.db).create(["admin"])
    server, thread, url = serve_in_process(shop, **config)
    yield LocalServer(url=url, key=key, shop=shop)
    server.should_exit = True
    thread.join(timeout=10)
    shop.close()


def _chat(url, key, message="hello", stream=False):
    return httpx.post(
        f"{url}/v1/chat",
        json={"user_id": "U1", "message": message, "stream": stream},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )


@pytest.mark.parametrize(
    "local_server", [{"generation_workers": 4, "generation_timeout_s": 30}], indirect=True
)
def test_slow_generations_run_side_by_side_and_never_block_health_or_reads(local_server):
    local_server.shop.delay = 3.0
    headers = {"Authorization": f"Bearer {local_server.key}"}
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        started = time.monotonic()
        chats = [pool.submit(_chat, local_server.url, local_server.key, f"m{i}") for i in range(4)]
        time.sleep(0.3)
        probes = []
        for _ in range(5):
            t = time.monotonic()
            health = httpx.get(f"{local_server.url}/healthz", timeout=5)
            runs = httpx.get(f"{local_server.url}/v1/campaigns/x/runs", headers=headers, timeout=5)
            probes.append((time.monotonic() - t, health.json()["generation_in_flight"], runs.status_code))
        results = [c.result() for c in chats]
        elapsed = time.monotonic() - started
    assert all(r.status_code == 200 for r in results)
    assert {r.json()["reply"] for r in results} == {f"echo: m{i}" for i in range(4)}
    assert all(in_flight == 4 and status == 200 for _, in_flight, status in probes), probes
    # Far below one generation's 3 s, even on a busy two-core box.
    assert max(latency for latency, _, _ in probes) < 1.0, probes
    assert elapsed < 3.0 * 2, "four 3 s generations on four workers should overlap"


@pytest.mark.parametrize("local_server", [{"generation_timeout_s": 0.3}], indirect=True)
def test_a_generation_past_its_deadline_is_a_504_or_an_error_event(local_server):
    local_server.shop.delay = 2.0
    response = _chat(local_server.url, local_server.key)
    assert response.status_code == 504
    body = response.json()
    assert body["error"] == "timeout" and body["request_id"] == response.headers["x-request-id"]
    streamed = _chat(local_server.url, local_server.key, "one two three", stream=True)
    assert streamed.status_code == 200 and "event: error" in streamed.text and '"timeout"' in streamed.text
    metrics = httpx.get(
        f"{local_server.url}/metrics", headers={"Authorization": f"Bearer {local_server.key}"}
    ).text
    assert "shopmate_generation_timeouts_total 2" in metrics


@pytest.mark.parametrize("local_server", [{"generation_workers": 1, "generation_queue": 0}], indirect=True)
def test_when_every_worker_is_busy_and_the_queue_full_it_is_503_with_retry_after(local_server):
    local_server.shop.delay = 1.5
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(_chat, local_server.url, local_server.key)
        time.sleep(0.3)
        second = _chat(local_server.url, local_server.key)
        assert first.result().status_code == 200
    assert second.status_code == 503 and second.headers["retry-after"] == "2"
    assert second.json()["error"] == "unavailable"


@pytest.mark.parametrize("local_server", [{"generation_timeout_s": 30}], indirect=True)
def test_a_streamed_turn_is_token_events_then_one_reply_event(local_server):
    local_server.shop.delay = 0.2
    response = httpx.post(
        f"{local_server.url}/v1/chat",
        json={"user_id": "U1", "message": "red running shoes"},
        headers={"Authorization": f"Bearer {local_server.key}", "Accept": "text/event-stream"},
        timeout=30,
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    blocks = [b for b in response.text.split("\n\n") if b]
    kinds = [b.splitlines()[0] for b in blocks]
    assert kinds == ["event: token"] * 4 + ["event: reply"]
    assert '"echo: red running shoes"' in blocks[-1]


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(RequestIdLogFilter())

    def emit(self, record):
        self.records.append(record)


@pytest.mark.parametrize("local_server", [{"generation_timeout_s": 30}], indirect=True)
def test_log_lines_written_in_the_generation_thread_carry_the_request_id(local_server):
    local_server.shop.delay = 0.05
    handler = _Records()
    logger = logging.getLogger("tests.slow_chat")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        response = httpx.post(
            f"{local_server.url}/v1/chat",
            json={"user_id": "U7", "message": "hi"},
            headers={"Authorization": f"Bearer {local_server.key}", "X-Request-ID": "req-gen-1"},
            timeout=30,
        )
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 200 and response.headers["x-request-id"] == "req-gen-1"
    [record] = [r for r in handler.records if r.getMessage() == "generating for U7"]
    assert record.request_id == "req-gen-1" and record.threadName.startswith("generate")
