"""What every request handler shares: the shop, the server's settings, keys, limits, metrics, workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from assistant.api.campaign_runs import CampaignRuns
from assistant.api.generation import GenerationPool
from assistant.api.keys import ApiKeyStore
from assistant.api.metrics import Metrics
from assistant.api.rate_limit import RateLimiter
from assistant.config import environment


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
        env = environment()
        values = {
            "max_body_bytes": env.api_max_body,
            "generation_timeout_s": env.api_generation_timeout,
            "generation_workers": env.api_generation_workers,
            "rate_per_minute": env.api_rate,
            "ui_secure_cookie": env.ui_secure_cookie,
            "metrics_allow": env.metrics_allow,
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
