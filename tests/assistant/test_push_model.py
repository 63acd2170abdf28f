"""The whole pipeline with the real test model (SmolLM2-135M): its words are poor, so most messages
fall back to the template, but every message that reaches the outbox passed every check."""

from __future__ import annotations

import json

import pytest

from tests.assistant.push_store import NOW, build_push_store, write_campaign


@pytest.mark.slow
def test_the_test_model_writes_checked_messages_through_the_whole_pipeline(tmp_path):
    shop = build_push_store(tmp_path / "home")
    try:
        out = tmp_path / "outbox.jsonl"
        summary = shop.push(write_campaign(tmp_path), out=out, now=NOW, limit=3, batch_size=3)
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        assert summary.written == len(lines) == 3
        for line in lines:
            assert line["model"] in ("template", shop.generator.name)
            assert {"facts", "length", "language", "unique_body"} <= set(line["checks"]["passed"])
            assert len(line["title"]) <= 40 and len(line["body"]) <= 120
            assert line["checks"]["first_try"] or line["checks"]["attempts"] == 2
    finally:
        shop.close()
