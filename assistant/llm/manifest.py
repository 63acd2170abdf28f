"""The manifest beside every model folder shopmate makes (a converted copy, OpenVINO IR, a CTranslate2
model): what made it, from which weights, and the size of each file, so a folder made from other
weights, at other settings, or left half-written is never silently reused."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)
MANIFEST = "shopmate-manifest.json"


def file_sizes(directory: Path) -> dict[str, int]:
    return {
        p.name: p.stat().st_size for p in sorted(directory.iterdir()) if p.is_file() and p.name != MANIFEST
    }


def write_manifest(directory: Path, manifest: dict) -> dict:
    """Record `manifest` plus the folder's file sizes; returns what was written."""
    manifest = {**manifest, "files": file_sizes(directory)}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def read_manifest(directory: Path, expected: dict, sizes_optional: bool = False) -> dict | None:
    """The folder's manifest when every `expected` entry matches and its files are all there at their
    recorded sizes; None otherwise (the caller makes the folder again). `sizes_optional` trusts
    manifests written before sizes were recorded."""
    path = directory / MANIFEST
    if not path.exists():
        return None
    manifest = json.loads(path.read_text())
    differing = sorted(k for k, v in expected.items() if manifest.get(k) != v)
    if differing:
        log.warning("%s was made with another %s; making it again", directory, ", ".join(differing))
        return None
    recorded = manifest.get("files")
    if (recorded is not None or not sizes_optional) and recorded != file_sizes(directory):
        log.warning("%s is incomplete or changed; making it again", directory)
        return None
    return manifest


def scratch_dir(target: Path) -> Path:
    """An empty scratch folder beside `target`, this process's own: two processes making the same model
    (two test workers, two services starting) never write into one folder."""
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    return partial


def publish(partial: Path, target: Path, made_meanwhile: Callable[[], dict | None], manifest: dict) -> dict:
    """Rename the finished `partial` folder into `target`, unless another process finished a good copy
    first (`made_meanwhile` returns its manifest): then that copy is kept and this one dropped."""
    for _ in range(2):
        done = made_meanwhile()
        if done is not None:
            shutil.rmtree(partial, ignore_errors=True)
            return done
        shutil.rmtree(target, ignore_errors=True)
        try:
            partial.replace(target)
            return manifest
        except OSError:  # another process renamed its copy in between: look again
            continue
    raise OSError(f"could not move {partial} into {target}: another process keeps replacing it")
