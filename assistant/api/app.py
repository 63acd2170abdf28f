"""`create_app(shop)`: the FastAPI application over one Shop.

The routes call only the Shop facade. Heavy parts (index, ranker, language model) load in the
background at start-up, so /healthz answers at once and the first chat does not pay for the loading.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from assistant.api import chat_routes, push_routes, shopper_routes
from assistant.api.campaign_runs import CampaignRuns
from assistant.api.context import ApiConfig, ApiContext, Ctx
from assistant.api.errors import install_error_handlers
from assistant.api.generation import GenerationPool
from assistant.api.keys import ApiKeyStore
from assistant.api.middleware import RequestContextMiddleware
from assistant.api.schemas import ErrorOut, HealthOut
from assistant.llm.batching import install_batching

log = logging.getLogger("shopmate.api")

# The heavy parts of the facade, loaded on first use; warmed up at start-up.
HEAVY_PARTS = ("encoder", "index", "ranking", "generator")

ERROR_RESPONSES = {
    401: {"model": ErrorOut, "description": "no API key, or an unknown or revoked one"},
    403: {"model": ErrorOut, "description": "the key lacks the scope this endpoint needs"},
    404: {"model": ErrorOut, "description": "no such user, session, campaign or run"},
    413: {"model": ErrorOut, "description": "the body is over the size limit"},
    422: {"model": ErrorOut, "description": "the request is not valid; `fields` names each bad field"},
    429: {"model": ErrorOut, "description": "over this key's rate limit; see Retry-After"},
    503: {"model": ErrorOut, "description": "too many generations waiting; see Retry-After"},
}


def _version() -> str:
    try:
        return importlib.metadata.version("shopmate")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def _loaded(shop, name: str) -> bool:
    return name in getattr(shop, "__dict__", {})


def _warm_up(shop, config: ApiConfig) -> None:
    for name in HEAVY_PARTS:
        try:
            getattr(shop, name)
            if name == "generator" and config.max_batch > 1:
                install_batching(shop, config.max_batch)
        except Exception:
            log.exception("warming up %s failed; requests that need it will report the error", name)


def _ui_available() -> bool:
    try:
        return importlib.util.find_spec("ui.app") is not None
    except ModuleNotFoundError:
        return False


def create_app(shop, config: ApiConfig | None = None) -> FastAPI:
    config = config or ApiConfig.from_env(campaign_dirs=(shop.home / "campaigns",))
    ctx = ApiContext(shop=shop, config=config, keys=ApiKeyStore(shop.db), runs=CampaignRuns(shop.db),
                     pool=GenerationPool(config.generation_workers, config.generation_timeout_s,
                                         config.generation_queue))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if config.warm_up:
            threading.Thread(target=_warm_up, args=(shop, config), name="warm-up", daemon=True).start()
        yield
        ctx.pool.shutdown()
        ctx.runs.shutdown()

    app = FastAPI(title="shopmate", version=_version(), lifespan=lifespan,
                  description="The shopping assistant's HTTP API for customer-service tools. Send an API key "
                              "(`shopmate keys create --scope read|chat|push|admin`) as `Authorization: Bearer "
                              "KEY`; admin holds every scope. Errors are JSON: `{error, message, request_id, "
                              "fields}`; every response has an `X-Request-ID` header.")
    app.state.ctx = ctx
    install_error_handlers(app)
    for router in (chat_routes.router, shopper_routes.router, push_routes.router):
        app.include_router(router, responses=ERROR_RESPONSES)

    metrics = ctx.metrics
    metrics.describe("shopmate_http_requests_total", "counter", "HTTP requests by method, route and status")
    metrics.describe("shopmate_http_request_duration_seconds", "histogram", "HTTP request latency by route")
    metrics.describe("shopmate_api_rate_limited_total", "counter", "requests refused by the per-key rate limit")
    metrics.describe("shopmate_generation_timeouts_total", "counter", "generations that ran past the time limit")
    metrics.describe("shopmate_generation_in_flight", "gauge", "generations running or waiting for a worker")
    for name in ("products", "reviews", "users", "events"):
        metrics.describe(f"shopmate_store_{name}", "gauge", f"{name} in the store")
    metrics.gauge_callback(lambda: {"shopmate_generation_in_flight": ctx.pool.in_flight,
                                    **{f"shopmate_store_{k}": v for k, v in shop.counts().items()}})

    @app.get("/healthz", response_model=HealthOut, tags=["service"], summary="liveness; which heavy parts are loaded")
    async def healthz(ctx: Ctx) -> HealthOut:
        ready = {name: _loaded(shop, name) for name in HEAVY_PARTS}
        return HealthOut(status="ok", version=app.version, ready=ready, generation_in_flight=ctx.pool.in_flight)

    @app.get("/metrics", response_class=PlainTextResponse, tags=["service"],
             summary="Prometheus metrics (text format 0.0.4)",
             responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}})
    def prometheus_metrics(ctx: Ctx) -> PlainTextResponse:
        return PlainTextResponse(ctx.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    if config.mount_ui and _ui_available():
        import gradio as gr

        from ui.app import build_app

        gr.mount_gradio_app(app, build_app(shop), path="/ui")

    app.add_middleware(RequestContextMiddleware, metrics=metrics, max_body_bytes=config.max_body_bytes)
    return app
