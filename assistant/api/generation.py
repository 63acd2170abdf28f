"""Generation off the event loop: a bounded worker pool, a deadline per request, and streaming.

Language-model work runs in its own threads, so a slow generation never holds up health checks,
searches or recommendations (those run in the server's ordinary thread pool). Concurrent requests run
side by side in the pool; a generator that batches concurrent calls gets them together.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
_DONE = object()


class GenerationTimeout(Exception):
    pass


class GenerationOverloaded(Exception):
    pass


class GenerationPool:
    def __init__(self, workers: int = 4, timeout_s: float = 60.0, max_queued: int = 64):
        self.workers = workers
        self.timeout_s = timeout_s
        self.max_queued = max_queued
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="generate")
        self._lock = threading.Lock()
        self.in_flight = 0
        self.timeouts = 0

    def _admit(self) -> None:
        with self._lock:
            if self.in_flight >= self.workers + self.max_queued:
                raise GenerationOverloaded(
                    f"{self.in_flight} generations are running or waiting; retry shortly"
                )
            self.in_flight += 1

    def _release(self, *_: Any) -> None:
        with self._lock:
            self.in_flight -= 1

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """fn(*args) in a worker; GenerationTimeout after timeout_s (the worker finishes on its own)."""
        self._admit()
        # The worker sees the request's context (its request id for the log lines it writes).
        future = self._executor.submit(contextvars.copy_context().run, fn, *args, **kwargs)
        future.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout_s)
        except TimeoutError as exc:
            self.timeouts += 1
            raise GenerationTimeout(f"generation took longer than {self.timeout_s:g} s") from exc

    async def stream(self, make_iterator: Callable[[], Iterator[Any]]) -> AsyncIterator[Any]:
        """Items of a blocking iterator, produced in a worker, as they come, within the deadline.

        When the consumer stops early (the client went away), the worker stops at its next item.
        """
        self._admit()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        stop = threading.Event()

        def produce() -> None:
            try:
                iterator = make_iterator()
                try:
                    for item in iterator:
                        loop.call_soon_threadsafe(queue.put_nowait, ("item", item))
                        if stop.is_set():
                            break
                finally:
                    close = getattr(iterator, "close", None)
                    if close:
                        close()
                loop.call_soon_threadsafe(queue.put_nowait, ("done", _DONE))
            except BaseException as exc:  # delivered to the consumer, which re-raises it
                loop.call_soon_threadsafe(queue.put_nowait, ("error", exc))

        future = self._executor.submit(contextvars.copy_context().run, produce)
        future.add_done_callback(self._release)
        deadline = time.monotonic() + self.timeout_s
        try:
            while True:
                remaining = deadline - time.monotonic()
                try:
                    kind, item = await asyncio.wait_for(queue.get(), max(remaining, 0.001))
                except TimeoutError as exc:
                    self.timeouts += 1
                    raise GenerationTimeout(f"generation took longer than {self.timeout_s:g} s") from exc
                if kind == "done":
                    return
                if kind == "error":
                    raise item
                yield item
        finally:
            stop.set()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
