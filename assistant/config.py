"""Settings for one store, from arguments first, then the environment, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = "./shopmate-data"


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    chroma_url: str | None = None
    encoder: str = "minilm"
    # "default" (Qwen2.5-Coder-1.5B), "fast" (0.5B), "test" (SmolLM2-135M), a Hugging Face id or a local path.
    llm: str = "default"
    llm_url: str | None = None
    # How a local model runs: "ctranslate2" (int8; measured fastest, see docs/generation.md), "openvino"
    # (the 4-bit GGUF as shipped) or "transformers" (the reference; also any Hugging Face id).
    llm_backend: str = "ctranslate2"

    @classmethod
    def from_env(cls, home: str | Path | None = None, **overrides) -> Settings:
        env = os.environ
        values = {
            "home": Path(home or env.get("SHOPMATE_HOME") or DEFAULT_HOME),
            "chroma_url": env.get("SHOPMATE_CHROMA_URL") or None,
            "encoder": env.get("SHOPMATE_ENCODER") or "minilm",
            "llm": env.get("SHOPMATE_LLM") or "default",
            "llm_url": env.get("SHOPMATE_LLM_URL") or None,
            "llm_backend": env.get("SHOPMATE_LLM_BACKEND") or "ctranslate2",
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
