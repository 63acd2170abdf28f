"""Generation on any OpenAI-compatible server (vLLM, llama.cpp's server, TGI) over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx

from assistant.llm.types import ChatMessage, GenerationParams, cut_at_stop


class OpenAICompatibleGenerator:
    def __init__(self, base_url: str, model: str = "default", api_key: str | None = None, timeout: float = 120.0,
                 max_concurrency: int = 8):
        self.base_url = base_url.rstrip("/")
        if not self.base_url.endswith("/v1"):
            self.base_url += "/v1"
        self.name = f"{model} @ {self.base_url}"
        self.model = model
        self._client = httpx.Client(timeout=timeout,
                                    headers={"Authorization": f"Bearer {api_key}"} if api_key else {})
        self._max_concurrency = max_concurrency

    def _body(self, messages: list[ChatMessage], params: GenerationParams, stream: bool) -> dict:
        body = {"model": self.model, "messages": [{"role": m.role, "content": m.content} for m in messages],
                "max_tokens": params.max_new_tokens, "temperature": params.temperature, "top_p": params.top_p,
                "stream": stream}
        if params.stop:
            body["stop"] = list(params.stop)
        if params.seed is not None:
            body["seed"] = params.seed
        return body

    def _fail(self, exc: Exception) -> RuntimeError:
        return RuntimeError(f"the language-model server at {self.base_url} did not answer ({exc}); start it, or "
                            f"drop --llm-url to use the local model")

    def _one(self, messages: list[ChatMessage], params: GenerationParams) -> str:
        try:
            response = self._client.post(f"{self.base_url}/chat/completions",
                                         json=self._body(messages, params, stream=False))
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise self._fail(exc) from exc
        text = response.json()["choices"][0]["message"]["content"] or ""
        return cut_at_stop(text, params.stop).strip()

    def generate(self, prompts: list[list[ChatMessage]], params: GenerationParams) -> list[str]:
        # The server batches concurrent requests itself (continuous batching in vLLM and llama.cpp).
        with ThreadPoolExecutor(max_workers=max(1, min(self._max_concurrency, len(prompts)))) as pool:
            return list(pool.map(lambda msgs: self._one(msgs, params), prompts))

    def stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        try:
            with self._client.stream("POST", f"{self.base_url}/chat/completions",
                                     json=self._body(messages, params, stream=True)) as response:
                response.raise_for_status()
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                    if delta:
                        yield delta
        except httpx.HTTPError as exc:
            raise self._fail(exc) from exc
