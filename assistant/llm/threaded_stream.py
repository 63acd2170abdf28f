"""Streaming from a model that generates in its own thread: chunks cross a queue to the reader, and a
reader that stops early (a stop string, a closed connection) tells the model to stop at once."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator

from assistant.llm.types import visible_chunks

# produce(emit) generates and calls emit(chunk) for each piece; emit returns False once nobody reads.
Producer = Callable[[Callable[[str], bool]], None]


def threaded_stream(produce: Producer, stop: tuple[str, ...]) -> Iterator[str]:
    """The chunks `produce` emits, re-chunked as the contract wants (cut at `stop`); its error, if any,
    is raised in the reader."""
    chunks: queue.Queue[str | None] = queue.Queue()
    cancelled = threading.Event()
    errors: list[BaseException] = []

    def emit(chunk: str) -> bool:
        chunks.put(chunk)
        return not cancelled.is_set()

    def run() -> None:
        try:
            produce(emit)
        except BaseException as exc:  # surfaced in the reading thread below
            errors.append(exc)
        finally:
            chunks.put(None)

    thread = threading.Thread(target=run, name="generate-stream", daemon=True)
    thread.start()
    try:
        yield from visible_chunks(iter(chunks.get, None), stop)
    finally:
        cancelled.set()  # the queue is unbounded: the thread finishes without a reader
        thread.join()
    if errors:
        raise errors[0]
