"""The language-model layer: one small `Generator` contract, local and remote implementations."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.llm.types import ChatMessage, GenerationParams, Generator, GeneratorUnavailable
from assistant.llm.weights import PACKAGED_MODELS

if TYPE_CHECKING:
    from assistant.config import Settings

__all__ = [
    "BACKENDS",
    "ChatMessage",
    "GenerationParams",
    "Generator",
    "GeneratorUnavailable",
    "load_generator",
    "open_generator",
    "resolve_backend",
]

# Local backends (docs/generation.md): "ctranslate2" runs int8 weights (the default: fastest measured here),
# "openvino" runs the shipped 4-bit GGUF as it is, "transformers" is the reference and also loads any
# Hugging Face id or model folder.
BACKENDS = ("ctranslate2", "openvino", "transformers")
log = logging.getLogger(__name__)

_LOADED: dict[tuple[str, str | None, str], Generator] = {}
_LOADING = threading.Lock()


def resolve_backend(model: str, backend: str) -> str:
    """The backend that will run `model`: the one asked for, except that the openvino backend runs only
    packaged models, .gguf files and OpenVINO IR folders, so anything else (a Hugging Face id, a
    transformers folder) runs on transformers, as before there was a choice."""
    if backend not in BACKENDS:
        raise ValueError(
            f"unknown LLM backend {backend!r}; choose one of {', '.join(BACKENDS)} "
            "(SHOPMATE_LLM_BACKEND, or `shopmate models prepare --backend`)"
        )
    if backend == "openvino" and not (
        model in PACKAGED_MODELS or model.endswith(".gguf") or (Path(model) / "openvino_model.xml").is_file()
    ):
        log.info("%s is not a GGUF file or OpenVINO IR: running it with transformers", model)
        return "transformers"
    if backend == "ctranslate2" and not (model in PACKAGED_MODELS or (Path(model) / "model.bin").is_file()):
        log.info("%s is not a packaged model or a CTranslate2 folder: running it with transformers", model)
        return "transformers"
    return backend


def open_generator(
    model: str = "default", url: str | None = None, backend: str = "ctranslate2", api_key: str | None = None
) -> Generator:
    """The generator for a model name (`default`, `fast`, `test`, a .gguf path, a Hugging Face id or a
    local directory) on a local `backend`, or for an OpenAI-compatible server when `url` is given (then
    `model` is the name the server knows). Loaded once per process: several stores share the weights."""
    backend = "remote" if url else resolve_backend(model, backend)
    key = (model, url, backend)
    with _LOADING:
        if key not in _LOADED:
            if url:
                from assistant.llm.remote import OpenAICompatibleGenerator

                _LOADED[key] = OpenAICompatibleGenerator(url, model=model, api_key=api_key)
            elif backend == "ctranslate2":
                from assistant.llm.ctranslate2_backend import CTranslate2Generator

                _LOADED[key] = CTranslate2Generator(model)
            elif backend == "openvino":
                from assistant.llm.openvino_backend import OpenVINOGenerator

                _LOADED[key] = OpenVINOGenerator(model)
            else:
                from assistant.llm.local import TransformersGenerator

                _LOADED[key] = TransformersGenerator(model)
        return _LOADED[key]


def load_generator(settings: Settings) -> Generator:
    """The generator a store's settings ask for: `settings.llm_url` (a server) or `settings.llm` (local,
    on `settings.llm_backend`)."""
    return open_generator(settings.llm, settings.llm_url, settings.llm_backend, settings.llm_api_key)
