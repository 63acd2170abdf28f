"""The Ray engine runs the same per-user function and ends with the same outbox as the local one."""

from __future__ import annotations

import json

import pytest

from tests.assistant.push_fakes import ScriptedGenerator
from tests.assistant.push_store import NOW, build_push_store, write_campaign

pytest.importorskip("ray.data")


@pytest.mark.slow
def test_ray_engine_gives_the_local_engines_messages(tmp_path):
    import ray

    local_shop = build_push_store(tmp_path / "local")
    ray_shop = build_push_store(tmp_path / "ray")
    campaign = write_campaign(tmp_path)
    try:
        local = local_shop.push(campaign, out=tmp_path / "local.jsonl", now=NOW, generator=ScriptedGenerator())
        remote = ray_shop.push(campaign, out=tmp_path / "ray.jsonl", now=NOW, engine="ray", batch_size=2,
                               generator=ScriptedGenerator())
    finally:
        local_shop.close()
        ray_shop.close()
        ray.shutdown()
    assert remote.written == local.written == 6 and remote.skipped == local.skipped

    def lines(name):
        return sorted((d["user"], d["variant"], d["body"]) for d in map(json.loads, (tmp_path / name).open()))

    assert lines("ray.jsonl") == lines("local.jsonl")
