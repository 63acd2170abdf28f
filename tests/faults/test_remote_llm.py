"""An OpenAI-compatible server that asks for a key, is not ready yet, is down, or dies mid-reply: the
client sends the key, retries what a retry can fix, and otherwise fails with an error naming the server."""

from __future__ import annotations

import time

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.llm.remote import OpenAICompatibleGenerator
from assistant.llm.types import ChatMessage, GenerationParams, GeneratorUnavailable
from tests.support.servers import free_port
from tests.support.servers import serving as serving_app

PROMPT = [ChatMessage("user", "hello")]
PARAMS = GenerationParams(max_new_tokens=8, temperature=0.0)
KEY = "sk-test-123"


class FlakyServer:
    """Answers 503 for the first `not_ready` requests, wants `Bearer KEY`, and can break a stream."""

    def __init__(self, not_ready: int = 0, break_stream: bool = False):
        self.not_ready, self.break_stream = not_ready, break_stream
        self.requests: list[str | None] = []
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self.complete)

    async def complete(self, request: Request):
        self.requests.append(request.headers.get("authorization"))
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return JSONResponse({"error": "invalid api key"}, status_code=401)
        if len(self.requests) <= self.not_ready:
            return JSONResponse({"error": "model loading"}, status_code=503)
        body = await request.json()
        if body.get("stream"):

            def events():
                yield 'data: {"choices":[{"delta":{"content":"Hello "}}]}\n\n'
                if self.break_stream:
                    raise RuntimeError("the server died mid-reply")
                yield 'data: {"choices":[{"delta":{"content":"there"}}]}\n\n'
                yield "data: [DONE]\n\n"

            return StreamingResponse(events(), media_type="text/event-stream")
        return {"choices": [{"message": {"role": "assistant", "content": "Hello there"}}]}


def serving(fake: FlakyServer):
    return serving_app(fake.app, log_level="critical")


def test_the_api_key_comes_from_the_environment_and_is_sent(monkeypatch):
    fake = FlakyServer()
    monkeypatch.setenv("SHOPMATE_LLM_API_KEY", KEY)
    with serving(fake) as url:
        client = OpenAICompatibleGenerator(url, backoff_s=0.01)
        assert client.generate([PROMPT], PARAMS) == ["Hello there"]
    assert fake.requests == [f"Bearer {KEY}"]


def test_the_key_a_store_is_opened_with_is_sent_without_the_environment(monkeypatch, tmp_path):
    # `--llm-api-key` reaches the generator through Settings, not by writing the environment.
    from assistant.config import Settings
    from assistant.llm import load_generator

    monkeypatch.delenv("SHOPMATE_LLM_API_KEY", raising=False)
    fake = FlakyServer()
    with serving(fake) as url:
        settings = Settings.from_env(tmp_path, llm="served", llm_url=url, llm_api_key=KEY)
        assert load_generator(settings).generate([PROMPT], PARAMS) == ["Hello there"]
    assert fake.requests == [f"Bearer {KEY}"]


def test_a_missing_key_is_an_error_that_says_where_to_put_it(monkeypatch):
    monkeypatch.delenv("SHOPMATE_LLM_API_KEY", raising=False)
    fake = FlakyServer()
    with serving(fake) as url:
        client = OpenAICompatibleGenerator(url, backoff_s=0.01)
        with pytest.raises(GeneratorUnavailable, match=r"127\.0\.0\.1.*refused.*401.*SHOPMATE_LLM_API_KEY"):
            client.generate([PROMPT], PARAMS)
    assert len(fake.requests) == 1, "a refused key is not worth retrying"


def test_a_server_still_loading_is_retried_with_backoff_until_it_answers():
    fake = FlakyServer(not_ready=2)
    with serving(fake) as url:
        client = OpenAICompatibleGenerator(url, api_key=KEY, attempts=4, backoff_s=0.01)
        assert client.generate([PROMPT], PARAMS) == ["Hello there"]
        fake.requests.clear()
        fake.not_ready = 2
        assert "".join(client.stream(PROMPT, PARAMS)) == "Hello there"
    assert len(fake.requests) == 3


def test_a_server_that_stays_down_fails_after_the_retries_naming_it():
    url = f"http://127.0.0.1:{free_port()}"
    client = OpenAICompatibleGenerator(url, attempts=3, backoff_s=0.01, timeout=2)
    started = time.monotonic()
    with pytest.raises(GeneratorUnavailable, match=rf"{url}/v1 did not answer after 3 tries"):
        client.generate([PROMPT], PARAMS)
    with pytest.raises(GeneratorUnavailable, match=r"did not answer after 3 tries.*--llm-url"):
        list(client.stream(PROMPT, PARAMS))
    assert time.monotonic() - started < 10


def test_a_server_that_dies_mid_reply_is_an_error_and_not_a_second_reply():
    fake = FlakyServer(break_stream=True)
    with serving(fake) as url:
        client = OpenAICompatibleGenerator(url, api_key=KEY, backoff_s=0.01)
        seen = []
        with pytest.raises(GeneratorUnavailable, match=r"127\.0\.0\.1"):
            for chunk in client.stream(PROMPT, PARAMS):
                seen.append(chunk)
    assert len(fake.requests) == 1, "a stream that already showed text must not be sent again"
