"""What every request handler shares: the shop, the server's settings, keys, limits, metrics, workers."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from assistant.api.campaign_runs import CampaignRuns
from assistant.api.generation import GenerationPool
from assistant.api.keys import ApiKeyStore
from assistant.api.metrics import Metrics
from assistant.api.rate_limit import RateLimiter


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"${name}={raw!r} is not a number; unset it or give a number") from exc


def _networks(name: str) -> tuple[str, ...]:
    raw = [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]
    for part in raw:
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError as exc:
            raise ValueError(f"${name}: {part!r} is not an address or network; give e.g. 10.0.0.5,10.1.0.0/16"
                             ) from exc
    return tuple(raw)


@dataclass(frozen=True, slots=True)
class ApiConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1 << 20
    generation_timeout_s: float = 60.0
    generation_workers: int = 4
    generation_queue: int = 64
    # Concurrent generate calls within a few ms run as one batch of up to this many (1: no batching).
    max_batch: int = 8
    # Per key, unless the key has its own (shopmate keys create --rate N).
    rate_per_minute: int = 600
    campaign_dirs: tuple[Path, ...] = ()
    mount_ui: bool = True
    warm_up: bool = True
    # Mark the UI's session cookie Secure: set when a TLS proxy fronts the server.
    ui_secure_cookie: bool = False
    # Addresses (CIDR) that may read /metrics without a key, e.g. the Prometheus host; none by default.
    metrics_allow: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, **overrides) -> ApiConfig:
        values = {
            "max_body_bytes": int(_env_number("SHOPMATE_API_MAX_BODY", 1 << 20)),
            "generation_timeout_s": _env_number("SHOPMATE_API_GENERATION_TIMEOUT", 60.0),
            "generation_workers": int(_env_number("SHOPMATE_API_GENERATION_WORKERS", 4)),
            "rate_per_minute": int(_env_number("SHOPMATE_API_RATE", 600)),
            "ui_secure_cookie": os.environ.get("SHOPMATE_UI_SECURE_COOKIE", "") in ("1", "true", "yes"),
            "metrics_allow": _networks("SHOPMATE_METRICS_ALLOW"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


@dataclass(slots=True)
class ApiContext:
    shop: object
    config: ApiConfig
    keys: ApiKeyStore
    runs: CampaignRuns
    limiter: RateLimiter = field(default_factory=RateLimiter)
    metrics: Metrics = field(default_factory=Metrics)
    pool: GenerationPool | None = None

    def campaign_path(self, campaign_id: str) -> Path | None:
        """<dir>/<id>.toml|.yaml|.yml in the first campaigns directory that has it."""
        for directory in self.config.campaign_dirs:
            for suffix in (".toml", ".yaml", ".yml"):
                path = Path(directory) / f"{campaign_id}{suffix}"
                if path.is_file():
                    return path
        return None


def get_context(request: Request) -> ApiContext:
    return request.app.state.ctx


Ctx = Annotated[ApiContext, Depends(get_context)]
