"""Files the ranker writes (its model, manifest and content-feature cache), replaced whole: two processes
training at once (two push runs that find no trained ranker) each write a scratch file of their own, so a
reader sees one complete version or the other, never a half-written mix."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Call `write` with a scratch file beside `path`, then rename it over `path`."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.partial")
    try:
        with open(partial, "wb") as fh:
            write(fh)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
