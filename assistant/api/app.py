"""`create_app(shop)`: the FastAPI application over one Shop.

The routes call only the Shop facade. Heavy parts (index, ranker, language model) load in the
background at start-up, so /healthz (liveness) answers at once, /readyz says 503 until they are
loaded, and the first chat does not pay for the loading. The UI at /ui sits behind the sign-in door
(ui/gate.py): every Gradio route answers 401 without a session.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from assistant.api import chat_routes, openai_routes, push_routes, service_routes, shopper_routes
from assistant.api.campaign_runs import CampaignRuns
from assistant.api.context import ApiConfig, ApiContext
from assistant.api.errors import install_error_handlers
from assistant.api.generation import GenerationPool
from assistant.api.keys import ApiKeyStore
from assistant.api.middleware import RequestContextMiddleware
from assistant.api.readiness import WarmUp
from assistant.api.schemas import ERROR_RESPONSES
from assistant.shop import HEAVY_PARTS, Shop

log = logging.getLogger("shopmate.api")


def _version() -> str:
    try:
        return importlib.metadata.version("shopmate")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def _start_warm_up(shop: Shop, config: ApiConfig) -> WarmUp:
    def after(name: str) -> None:
        if name == "generator" and config.max_batch > 1:
            shop.batch_generation(config.max_batch)

    return WarmUp(shop, HEAVY_PARTS, after=after).start()


def _ui_available() -> bool:
    try:
        return importlib.util.find_spec("ui.app") is not None
    except ModuleNotFoundError:
        return False


def create_app(shop: Shop, config: ApiConfig | None = None) -> FastAPI:
    config = config or ApiConfig.from_env(campaign_dirs=(shop.home / "campaigns",))
    ctx = ApiContext(
        shop=shop,
        config=config,
        keys=ApiKeyStore(shop.db),
        runs=CampaignRuns(shop.db),
        pool=GenerationPool(config.generation_workers, config.generation_timeout_s, config.generation_queue),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if config.warm_up:
            _start_warm_up(shop, config)
        yield
        ctx.pool.shutdown()
        ctx.runs.shutdown()

    app = FastAPI(
        title="shopmate",
        version=_version(),
        lifespan=lifespan,
        description="The shopping assistant's HTTP API for customer-service tools. Send an API key "
        "(`shopmate keys create --scope read|chat|push|metrics|admin`) as `Authorization: Bearer "
        "KEY`; admin holds every scope. Errors are JSON: `{error, message, request_id, "
        "fields}` (on /v1/chat/completions OpenAI's `{error: {message, type, param, "
        "code}}`); every response has an `X-Request-ID` header.",
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    for router in (chat_routes.router, shopper_routes.router, push_routes.router):
        app.include_router(router, responses=ERROR_RESPONSES)
    app.include_router(openai_routes.router)  # its errors are in OpenAI's shape (openai_routes.RESPONSES)

    ctx.metrics.watch(in_flight=lambda: ctx.pool.in_flight, store_counts=shop.counts)

    app.include_router(service_routes.router)

    app.state.ui_guarded = False
    if config.mount_ui and _ui_available():
        from ui.door import Door, load_secret
        from ui.gate import mount_ui

        door = Door(ctx.keys, load_secret(shop.home), secure_cookie=config.ui_secure_cookie)
        mount_ui(app, shop, door, path="/ui")
        app.state.ui_guarded = True

    app.add_middleware(RequestContextMiddleware, metrics=ctx.metrics, max_body_bytes=config.max_body_bytes)
    return app
