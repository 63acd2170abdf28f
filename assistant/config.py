"""Settings, read in one place.

`Environment` is every SHOPMATE_* variable, parsed and checked by pydantic-settings (docs/cli.md lists
them); nothing else in the code reads the environment for shopmate. `Settings` is what one store is
opened with: arguments first, then the environment, then defaults. `ApiConfig` (assistant/api) takes the
server's part of the environment from here too.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from retrieval.packaged import default_model_cache

DEFAULT_HOME = "./shopmate-data"
ENV_PREFIX = "SHOPMATE_"


class Environment(BaseSettings):
    """The SHOPMATE_* variables; an empty one counts as unset."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="ignore", frozen=True
    )

    # -- the store
    home: Path = Path(DEFAULT_HOME)
    chroma_url: str | None = None
    encoder: str = "mpnet"
    # 0/off/no: no second, multilingual view of the products (docs/search.md).
    multilingual: bool = True
    # 0/off/no: search reads a query in another language without its English translation by the LLM, and
    # an English need the category step is unsure of without the LLM's rewrite (docs/search.md; either
    # costs about 0.8 s a query on a quiet 2-core CPU, and lifts Chinese needs from 0.70 to 0.90 of the
    # right kind).
    translate_queries: bool = True
    llm: str = "default"
    llm_url: str | None = None
    llm_backend: str = "ctranslate2"
    llm_api_key: SecretStr | None = None
    model_cache: Path = Field(default_factory=default_model_cache)
    # -- the HTTP server
    api_max_body: int = Field(default=1 << 20, gt=0)
    api_rate: int = Field(default=600, gt=0)
    api_generation_timeout: float = Field(default=60.0, gt=0)
    api_generation_workers: int = Field(default=4, gt=0)
    # Comma-separated addresses or networks (CIDR) that may read /metrics without a key.
    metrics_allow: Annotated[tuple[str, ...], NoDecode] = ()
    # -- the UI
    ui_secret: SecretStr | None = None
    ui_secure_cookie: bool = False

    @field_validator("metrics_allow", mode="before")
    @classmethod
    def _networks(cls, value):
        parts = [p.strip() for p in value.split(",")] if isinstance(value, str) else list(value)
        for part in filter(None, parts):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"{part!r} is not an address or network; give e.g. 10.0.0.5,10.1.0.0/16"
                ) from exc
        return tuple(filter(None, parts))


def environment() -> Environment:
    """The environment as it is now; a bad value is a ValueError naming the variable and what to give."""
    try:
        return Environment()
    except ValidationError as exc:
        problems = "; ".join(
            f"${ENV_PREFIX}{str(e['loc'][0]).upper()}={e.get('input')!r}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"{problems} (fix or unset it; docs/cli.md lists the variables)") from None


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    chroma_url: str | None = None
    encoder: str = "mpnet"
    multilingual: bool = True
    # A query in another language than the catalog's is also searched as the language model translates it.
    translate_queries: bool = True
    # "default" (Qwen2.5-Coder-1.5B), "fast" (0.5B), "test" (SmolLM2-135M), a Hugging Face id or a local path.
    llm: str = "default"
    llm_url: str | None = None
    # How a local model runs: "ctranslate2" (int8; measured fastest, see docs/generation.md), "openvino"
    # (the 4-bit GGUF as shipped) or "transformers" (the reference; also any Hugging Face id).
    llm_backend: str = "ctranslate2"
    # Sent to the server at llm_url; kept out of repr, so out of logs.
    llm_api_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, home: str | Path | None = None, **overrides) -> Settings:
        env = environment()
        # Each setting's environment variable has its name: the two field lists cannot drift apart.
        values = {f.name: getattr(env, f.name) for f in fields(cls)}
        values["home"] = Path(home) if home else env.home
        values["llm_api_key"] = env.llm_api_key.get_secret_value() if env.llm_api_key else None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
