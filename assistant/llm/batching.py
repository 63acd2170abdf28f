"""Micro-batching: concurrent `generate` calls from different threads become one batch.

A small model on a CPU makes about three times the tokens a second at batch 8 as at batch 1 (see
../shared/MODELS.md), and the generator contract is batch-first, so the calls that arrive within a few
milliseconds of each other (same generation settings) run together: the HTTP server's requests, or the
chat benchmark's conversations. Streaming calls pass straight through: a stream is one conversation.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from assistant.llm.types import Generator

log = logging.getLogger("shopmate.llm.batching")


@dataclass
class _Request:
    prompts: list
    params: object
    future: Future = field(default_factory=Future)


class BatchingGenerator:
    """Wraps a Generator; same contract (`name`, `generate`, `stream`)."""

    def __init__(self, inner, max_batch: int = 8, window_s: float = 0.02):
        self.inner = inner
        self.name = getattr(inner, "name", "generator")
        self.max_batch = max_batch
        self.window_s = window_s
        self.batches: list[int] = []  # sizes of the batches run, newest last (bounded)
        self._queue: queue.Queue[_Request] = queue.Queue()
        self._worker = threading.Thread(target=self._run, name="generate-batcher", daemon=True)
        self._worker.start()

    def generate(self, prompts, params):
        request = _Request(list(prompts), params)
        self._queue.put(request)
        return request.future.result()

    def stream(self, messages, params):
        return self.inner.stream(messages, params)

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def _gather(self, first: _Request) -> tuple[list[_Request], list[_Request]]:
        """The first request plus those that arrive within the window with the same settings."""
        batch, others = [first], []
        size = len(first.prompts)
        while size < self.max_batch:
            try:
                nxt = self._queue.get(timeout=self.window_s)
            except queue.Empty:
                break
            if nxt.params == first.params and size + len(nxt.prompts) <= self.max_batch:
                batch.append(nxt)
                size += len(nxt.prompts)
            else:
                others.append(nxt)
                break
        return batch, others

    def _run(self) -> None:
        pending: list[_Request] = []
        while True:
            first = pending.pop(0) if pending else self._queue.get()
            batch, others = self._gather(first)
            pending.extend(others)
            prompts = [p for r in batch for p in r.prompts]
            try:
                replies = self.inner.generate(prompts, first.params)
            except BaseException as exc:
                for r in batch:
                    r.future.set_exception(exc)
                continue
            self.batches = [*self.batches[-999:], len(prompts)]
            at = 0
            for r in batch:
                r.future.set_result(replies[at : at + len(r.prompts)])
                at += len(r.prompts)


def batched(generator: Generator, max_batch: int = 8) -> BatchingGenerator | None:
    """A batching wrapper around `generator` (itself if it already is one), for the facade to put in its
    place.

    None for an OpenAI-compatible server: it batches concurrent requests by itself (vLLM, llama.cpp),
    and gathering them here would only hold each one back for the window."""
    from assistant.llm.remote import OpenAICompatibleGenerator

    if isinstance(generator, BatchingGenerator):
        return generator
    if isinstance(generator, OpenAICompatibleGenerator):
        log.info("generation goes to %s, which batches by itself: no micro-batching here", generator.base_url)
        return None
    wrapped = BatchingGenerator(generator, max_batch=max_batch)
    log.info("generation batches up to %d concurrent requests on %s", max_batch, wrapped.name)
    return wrapped
