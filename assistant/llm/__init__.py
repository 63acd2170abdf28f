"""The language-model layer: one small `Generator` contract, local and remote implementations."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from assistant.llm.types import ChatMessage, GenerationParams, Generator, GeneratorUnavailable

if TYPE_CHECKING:
    from assistant.config import Settings

__all__ = ["ChatMessage", "GenerationParams", "Generator", "GeneratorUnavailable", "load_generator",
           "open_generator"]

_LOADED: dict[tuple[str, str | None], Generator] = {}
_LOADING = threading.Lock()


def open_generator(model: str = "default", url: str | None = None) -> Generator:
    """The generator for a model name (`default`, `fast`, `test`, a .gguf path, a Hugging Face id or a
    local directory), or for an OpenAI-compatible server when `url` is given (then `model` is the name
    the server knows). Loaded once per process: several stores in one process share the weights."""
    key = (model, url)
    with _LOADING:
        if key not in _LOADED:
            if url:
                from assistant.llm.remote import OpenAICompatibleGenerator

                _LOADED[key] = OpenAICompatibleGenerator(url, model=model)
            else:
                from assistant.llm.local import TransformersGenerator

                _LOADED[key] = TransformersGenerator(model)
        return _LOADED[key]


def load_generator(settings: Settings) -> Generator:
    """The generator a store's settings ask for: `settings.llm_url` (a server) or `settings.llm` (local)."""
    return open_generator(settings.llm, settings.llm_url)
