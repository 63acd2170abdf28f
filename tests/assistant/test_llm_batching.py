"""The micro-batcher: concurrent generate calls run as one batch, each caller gets its own replies."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.llm.batching import BatchingGenerator, batched
from assistant.llm.remote import OpenAICompatibleGenerator


class RecordingGenerator:
    name = "recording"

    def __init__(self, delay: float = 0.05, fail_on: str | None = None):
        self.calls: list[list] = []
        self.delay = delay
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def generate(self, prompts, params):
        with self.lock:
            self.calls.append(list(prompts))
        if self.fail_on and any(self.fail_on in p for p in prompts):
            raise RuntimeError("model failed")
        time.sleep(self.delay)
        return [f"reply to {p} at {params}" for p in prompts]

    def stream(self, messages, params):
        yield from ("a", "b")


def test_concurrent_calls_are_batched_and_answered_in_order():
    inner = RecordingGenerator()
    gen = BatchingGenerator(inner, max_batch=8, window_s=0.1)
    with ThreadPoolExecutor(6) as pool:
        futures = [
            pool.submit(gen.generate, [f"p{i}a", f"p{i}b"] if i == 0 else [f"p{i}"], "greedy")
            for i in range(6)
        ]
        results = [f.result() for f in futures]
    assert results[0] == ["reply to p0a at greedy", "reply to p0b at greedy"]
    assert all(results[i] == [f"reply to p{i} at greedy"] for i in range(1, 6))
    assert sum(len(c) for c in inner.calls) == 7 and len(inner.calls) < 6
    assert max(gen.batches) > 1 and max(gen.batches) <= 8


def test_calls_with_different_settings_are_not_mixed_and_errors_reach_only_their_batch():
    inner = RecordingGenerator(fail_on="bad")
    gen = BatchingGenerator(inner, max_batch=8, window_s=0.05)
    with ThreadPoolExecutor(3) as pool:
        a = pool.submit(gen.generate, ["x"], "greedy")
        b = pool.submit(gen.generate, ["y"], "sampled")
        assert a.result() == ["reply to x at greedy"] and b.result() == ["reply to y at sampled"]
    assert not any({"x", "y"} <= set(call) for call in inner.calls)
    with pytest.raises(RuntimeError, match="model failed"):
        gen.generate(["bad one"], "greedy")
    assert gen.generate(["fine"], "greedy") == ["reply to fine at greedy"]
    assert list(gen.stream([], "greedy")) == ["a", "b"] and gen.name == "recording"


def test_a_local_generator_is_wrapped_once_and_a_server_is_left_to_batch_by_itself():
    wrapped = batched(RecordingGenerator(), max_batch=4)
    assert isinstance(wrapped, BatchingGenerator) and wrapped.max_batch == 4
    assert batched(wrapped) is wrapped
    server = OpenAICompatibleGenerator("http://127.0.0.1:9/")
    assert batched(server) is None
    server.close()
