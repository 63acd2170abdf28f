"""A model folder is published whole, and when two processes make it at once, one good copy stays."""

from __future__ import annotations

from assistant.llm.manifest import publish, read_manifest, scratch_dir, write_manifest


def _made(target, marker: str):
    partial = scratch_dir(target)
    partial.mkdir(parents=True)
    (partial / "model.bin").write_text(marker)
    return partial, write_manifest(partial, {"sha256": "s"})


def _good(target):
    return lambda: read_manifest(target, {"sha256": "s"})


def test_a_finished_folder_replaces_a_stale_one(tmp_path):
    target = tmp_path / "ctranslate2"
    target.mkdir()
    (target / "model.bin").write_text("stale, no manifest")
    partial, manifest = _made(target, "new")
    assert publish(partial, target, _good(target), manifest) == manifest
    assert (target / "model.bin").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ctranslate2"]


def test_a_good_copy_another_process_finished_first_is_kept(tmp_path):
    target = tmp_path / "ctranslate2"
    partial, theirs = _made(target, "theirs")
    partial.replace(target)  # the other process published first
    partial, mine = _made(target, "mine")
    assert publish(partial, target, _good(target), mine) == theirs
    assert (target / "model.bin").read_text() == "theirs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ctranslate2"]
