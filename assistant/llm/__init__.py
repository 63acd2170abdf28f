"""The language-model layer: one small `Generator` contract, local and remote implementations."""

from __future__ import annotations

from assistant.llm.types import ChatMessage, GenerationParams, Generator

__all__ = ["ChatMessage", "GenerationParams", "Generator", "load_generator"]

_LOADED: dict[tuple[str, str | None], Generator] = {}


def load_generator(model: str = "default", url: str | None = None) -> Generator:
    """The generator for a model name (`default`, `fast`, `test`, a Hugging Face id or a local path),
    or for an OpenAI-compatible server when `url` is given. Loaded once per process."""
    key = (model, url)
    if key not in _LOADED:
        if url:
            from assistant.llm.remote import OpenAICompatibleGenerator

            _LOADED[key] = OpenAICompatibleGenerator(url, model=model)
        else:
            from assistant.llm.local import TransformersGenerator

            _LOADED[key] = TransformersGenerator(model)
    return _LOADED[key]
