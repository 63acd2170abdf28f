"""The Ray engine: a pool of two actors writes the same messages as the local engine, resumes without
duplicates or gaps, and refuses GPUs the cluster does not have."""

from __future__ import annotations

import json
import os

import pytest

from tests.assistant.push_fakes import ProcessTaggedGenerator, ScriptedGenerator
from tests.assistant.push_store import NOW, build_push_store, write_campaign

pytest.importorskip("ray")


@pytest.mark.slow
def test_two_ray_actors_write_the_local_engines_messages_and_resume(tmp_path):
    import ray

    local_shop = build_push_store(tmp_path / "local")
    ray_shop = build_push_store(tmp_path / "ray")
    campaign = write_campaign(tmp_path)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        local = local_shop.push(
            campaign, out=tmp_path / "local.jsonl", now=NOW, generator=ScriptedGenerator()
        )
        options = {
            "now": NOW,
            "engine": "ray",
            "workers": 2,
            "batch_size": 1,
            "generator": ProcessTaggedGenerator(),
        }
        first = ray_shop.push(campaign, out=tmp_path / "ray.jsonl", limit=4, **options)
        first_lines = (tmp_path / "ray.jsonl").read_text().splitlines()
        rest = ray_shop.push(campaign, out=tmp_path / "ray.jsonl", **options)
        with pytest.raises(ValueError, match=r"--gpus-per-worker 1 .* the Ray cluster has 0"):
            ray_shop.push(campaign, out=tmp_path / "ray.jsonl", **{**options, "gpus_per_worker": 1})
    finally:
        local_shop.close()
        ray_shop.close()
        ray.shutdown()
    assert local.written == 6 and first.written + rest.written == 6 and rest.already_done == first.written > 0
    assert sorted({**first.skipped, **rest.skipped}.items()) == sorted(local.skipped.items())

    def lines(name):
        return [json.loads(line) for line in (tmp_path / name).open()]

    def keyed(name):
        return sorted((d["user"], d["variant"], d["body"]) for d in lines(name))

    assert keyed("ray.jsonl") == keyed("local.jsonl")  # no duplicates, no gaps, the same words
    # The first run's pool had two actors and both wrote; nothing was written in this process.
    first_writers = {json.loads(line)["model"] for line in first_lines}
    rest_writers = {d["model"] for d in lines("ray.jsonl")} - first_writers
    assert len(first_writers) == 2 and rest_writers
    assert all(
        w.startswith("scripted@") and w != f"scripted@{os.getpid()}" for w in first_writers | rest_writers
    )
