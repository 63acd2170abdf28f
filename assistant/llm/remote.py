"""Generation on any OpenAI-compatible server (vLLM, llama.cpp's server, TGI) over HTTP.

A batch is sent as concurrent requests: such servers batch concurrent requests themselves
(continuous batching), which is what makes a GPU server fast.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx

from assistant.llm.types import (
    ChatMessage,
    GenerationParams,
    GeneratorUnavailable,
    finish_text,
    visible_chunks,
)


class OpenAICompatibleGenerator:
    def __init__(self, base_url: str, model: str = "default", api_key: str | None = None, timeout: float = 120.0,
                 max_concurrency: int = 8):
        self.base_url = base_url.rstrip("/")
        if not self.base_url.endswith("/v1"):
            self.base_url += "/v1"
        self.model = model
        self.name = f"{model} @ {self.base_url}"
        self.max_concurrency = max_concurrency
        self._client = httpx.Client(timeout=timeout,
                                    headers={"Authorization": f"Bearer {api_key}"} if api_key else {})

    def _body(self, messages: list[ChatMessage], params: GenerationParams, stream: bool) -> dict:
        body = {"model": self.model, "messages": [{"role": m.role, "content": m.content} for m in messages],
                "max_tokens": params.max_new_tokens, "temperature": params.temperature, "top_p": params.top_p,
                "stream": stream}
        if params.stop:
            body["stop"] = list(params.stop)
        if params.seed is not None:
            body["seed"] = params.seed
        return body

    def _unavailable(self, exc: httpx.HTTPError) -> GeneratorUnavailable:
        if isinstance(exc, httpx.HTTPStatusError):
            detail = exc.response.text[:300]
            return GeneratorUnavailable(
                f"the language-model server at {self.base_url} answered {exc.response.status_code}: {detail}; "
                f"check that it serves model {self.model!r} (--llm) and the OpenAI chat API under /v1")
        return GeneratorUnavailable(
            f"the language-model server at {self.base_url} did not answer ({type(exc).__name__}: {exc}); start it "
            f"(e.g. `vllm serve MODEL` or llama.cpp's `llama-server`), fix --llm-url / SHOPMATE_LLM_URL, or "
            f"leave them unset to run the local model")

    def _one(self, messages: list[ChatMessage], params: GenerationParams) -> str:
        try:
            response = self._client.post(f"{self.base_url}/chat/completions",
                                         json=self._body(messages, params, stream=False))
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise self._unavailable(exc) from exc
        # Servers differ on whether they cut at stop strings and trim; the contract does both here.
        return finish_text(response.json()["choices"][0]["message"].get("content") or "", params.stop)

    def generate(self, prompts: list[list[ChatMessage]], params: GenerationParams) -> list[str]:
        if len(prompts) <= 1:
            return [self._one(msgs, params) for msgs in prompts]
        with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(prompts))) as pool:
            return list(pool.map(lambda msgs: self._one(msgs, params), prompts))

    def _deltas(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        try:
            with self._client.stream("POST", f"{self.base_url}/chat/completions",
                                     json=self._body(messages, params, stream=True)) as response:
                if response.is_error:
                    response.read()
                    response.raise_for_status()
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
        except httpx.HTTPError as exc:
            raise self._unavailable(exc) from exc

    def stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        yield from visible_chunks(self._deltas(messages, params), params.stop)

    def close(self) -> None:
        self._client.close()
