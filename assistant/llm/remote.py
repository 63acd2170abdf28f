"""Generation on any OpenAI-compatible server (vLLM, llama.cpp's server, TGI) over HTTP.

A batch is sent as concurrent requests: such servers batch concurrent requests themselves
(continuous batching), which is what makes a GPU server fast. A server started with an API key
(`vllm serve --api-key`) gets it from `api_key` or $SHOPMATE_LLM_API_KEY. Connection failures and
"not ready" answers (502, 503, 504) are retried with exponential backoff before the error, which
names the server, reaches the caller; a stream is retried only before its first token.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from assistant.config import environment
from assistant.llm.types import (
    ChatMessage,
    GenerationParams,
    GeneratorUnavailable,
    finish_text,
    visible_chunks,
)

log = logging.getLogger("shopmate.llm.remote")

API_KEY_ENV = "SHOPMATE_LLM_API_KEY"
RETRY_STATUSES = frozenset({502, 503, 504})


def _worth_retrying(exc: BaseException) -> bool:
    """The server was not reached, or said it is not ready yet: another try may work."""
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code in RETRY_STATUSES
    return isinstance(exc, httpx.TransportError) and not isinstance(exc, httpx.ReadTimeout)


class OpenAICompatibleGenerator:
    def __init__(
        self,
        base_url: str,
        model: str = "default",
        api_key: str | None = None,
        timeout: float = 120.0,
        max_concurrency: int = 8,
        attempts: int = 4,
        backoff_s: float = 0.5,
    ):
        self.base_url = base_url.rstrip("/")
        if not self.base_url.endswith("/v1"):
            self.base_url += "/v1"
        self.model = model
        self.name = f"{model} @ {self.base_url}"
        self.max_concurrency = max_concurrency
        self.attempts = attempts
        self._backoff_s = backoff_s
        if api_key is None and (key := environment().llm_api_key) is not None:
            api_key = key.get_secret_value()
        self._client = httpx.Client(
            timeout=timeout, headers={"Authorization": f"Bearer {api_key}"} if api_key else {}
        )

    def _retrying(self) -> Retrying:
        return Retrying(
            retry=retry_if_exception(_worth_retrying),
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self._backoff_s, max=8),
            reraise=True,
            before_sleep=lambda state: log.warning(
                "the language-model server at %s failed (%s); try %d of %d",
                self.base_url,
                state.outcome.exception(),
                state.attempt_number + 1,
                self.attempts,
            ),
        )

    def _body(self, messages: list[ChatMessage], params: GenerationParams, stream: bool) -> dict:
        body = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": params.max_new_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "stream": stream,
        }
        if params.stop:
            body["stop"] = list(params.stop)
        if params.seed is not None:
            body["seed"] = params.seed
        return body

    def _unavailable(self, exc: httpx.HTTPError) -> GeneratorUnavailable:
        tries = f" after {self.attempts} tries" if _worth_retrying(exc) and self.attempts > 1 else ""
        if isinstance(exc, httpx.HTTPStatusError):
            detail = exc.response.text[:300]
            if exc.response.status_code in (401, 403):
                return GeneratorUnavailable(
                    f"the language-model server at {self.base_url} refused the request "
                    f"({exc.response.status_code}: {detail}); give its API key in ${API_KEY_ENV} or --llm-api-key"
                )
            return GeneratorUnavailable(
                f"the language-model server at {self.base_url} answered {exc.response.status_code}{tries}: "
                f"{detail}; check that it serves model {self.model!r} (--llm) and the OpenAI chat API under /v1"
            )
        return GeneratorUnavailable(
            f"the language-model server at {self.base_url} did not answer{tries} ({type(exc).__name__}: {exc}); "
            f"start it (e.g. `vllm serve MODEL` or llama.cpp's `llama-server`), fix --llm-url / SHOPMATE_LLM_URL, "
            f"or leave them unset to run the local model"
        )

    def _post(self, body: dict) -> httpx.Response:
        response = self._client.post(f"{self.base_url}/chat/completions", json=body)
        response.raise_for_status()
        return response

    def _one(self, messages: list[ChatMessage], params: GenerationParams) -> str:
        try:
            response = self._retrying()(self._post, self._body(messages, params, stream=False))
        except httpx.HTTPError as exc:
            raise self._unavailable(exc) from exc
        # Servers differ on whether they cut at stop strings and trim; the contract does both here.
        return finish_text(response.json()["choices"][0]["message"].get("content") or "", params.stop)

    def generate(self, prompts: list[list[ChatMessage]], params: GenerationParams) -> list[str]:
        if len(prompts) <= 1:
            return [self._one(msgs, params) for msgs in prompts]
        with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(prompts))) as pool:
            return list(pool.map(lambda msgs: self._one(msgs, params), prompts))

    def _open_stream(self, body: dict):
        """The streaming response, its status checked; the caller closes it."""
        response = self._client.send(
            self._client.build_request("POST", f"{self.base_url}/chat/completions", json=body), stream=True
        )
        if response.is_error:
            response.read()
            response.close()
            response.raise_for_status()
        return response

    def _deltas(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        try:
            response = self._retrying()(self._open_stream, self._body(messages, params, stream=True))
        except httpx.HTTPError as exc:
            raise self._unavailable(exc) from exc
        try:
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue  # SSE comments, event names and keep-alives
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                choices = json.loads(data).get("choices") or [{}]
                delta = (choices[0].get("delta") or {}).get("content")
                if delta:
                    yield delta
        except httpx.HTTPError as exc:  # the server went away mid-stream: no retry, the shopper saw text
            raise self._unavailable(exc) from exc
        finally:
            response.close()

    def stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        yield from visible_chunks(self._deltas(messages, params), params.stop)

    def close(self) -> None:
        self._client.close()
