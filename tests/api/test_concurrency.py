"""Generation runs off the event loop, in a bounded pool with a deadline: a real uvicorn server (in this
process, on loopback) over a Shop whose chat is slow on purpose or held at a gate until the test opens it."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
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


_count_lock = threading.Lock()


class SlowChatShop(Shop):
    """The real store, with a chat that takes `delay` seconds, as a big model on a busy CPU would."""

    delay = 1.0
    # When set, a chat holds until the test opens the gate: the test then sees generations in flight
    # without depending on how fast a busy machine answers.
    gate: threading.Event | None = None
    held = 0  # chats that reached the model and are waiting at the gate

    def ask(self, user_id, message, session_id=None):
        logging.getLogger("tests.slow_chat").info("generating for %s", user_id)
        if self.gate is not None:
            with _count_lock:
                self.held += 1
            self.gate.wait(timeout=30)
        else:
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
    local_server.shop.gate = threading.Event()
    headers = {"Authorization": f"Bearer {local_server.key}"}
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        chats = [pool.submit(_chat, local_server.url, local_server.key, f"m{i}") for i in range(4)]
        try:
            in_flight = _wait_for_in_flight(local_server.url, 4)
            _wait_for(lambda: local_server.shop.held == 4)
            # Four generations inside the model at once: they run side by side. Health and reads answer
            # while all four are held, so neither waits behind generation.
            probes = []
            for _ in range(5):
                health = httpx.get(f"{local_server.url}/healthz", timeout=10)
                runs = httpx.get(f"{local_server.url}/v1/campaigns/x/runs", headers=headers, timeout=10)
                probes.append((health.json()["generation_in_flight"], runs.status_code))
        finally:
            local_server.shop.gate.set()
        results = [c.result() for c in chats]
    assert in_flight == 4 and local_server.shop.held == 4
    assert probes == [(4, 200)] * 5, probes
    assert all(r.status_code == 200 for r in results)
    assert {r.json()["reply"] for r in results} == {f"echo: m{i}" for i in range(4)}


def _wait_for(condition, patience_s=20.0):
    deadline = time.monotonic() + patience_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def _wait_for_in_flight(url, wanted):
    def in_flight():
        return httpx.get(f"{url}/healthz", timeout=10).json()["generation_in_flight"]

    _wait_for(lambda: in_flight() >= wanted)
    return in_flight()


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
    local_server.shop.gate = threading.Event()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(_chat, local_server.url, local_server.key)
        try:
            assert _wait_for_in_flight(local_server.url, 1) == 1
            _wait_for(lambda: local_server.shop.held == 1)
            second = _chat(local_server.url, local_server.key)
        finally:
            local_server.shop.gate.set()
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
