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

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from assistant.api import chat_routes, openai_routes, push_routes, shopper_routes
from assistant.api.auth import metrics_access
from assistant.api.campaign_runs import CampaignRuns
from assistant.api.context import ApiConfig, ApiContext, Ctx
from assistant.api.errors import install_error_handlers
from assistant.api.generation import GenerationPool
from assistant.api.keys import ApiKeyStore
from assistant.api.metrics import CONTENT_TYPE
from assistant.api.middleware import RequestContextMiddleware
from assistant.api.readiness import WarmUp, warm_up_of
from assistant.api.schemas import ErrorOut, HealthOut, ReadyOut
from assistant.shop import HEAVY_PARTS, Shop

log = logging.getLogger("shopmate.api")

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

    @app.get(
        "/healthz",
        response_model=HealthOut,
        tags=["service"],
        summary="liveness; which heavy parts are loaded",
    )
    async def healthz(ctx: Ctx) -> HealthOut:
        ready = {name: shop.loaded(name) for name in HEAVY_PARTS}  # loaded now; /readyz for the verdict
        return HealthOut(
            status="ok", version=app.version, ready=ready, generation_in_flight=ctx.pool.in_flight
        )

    @app.get(
        "/readyz",
        response_model=ReadyOut,
        tags=["service"],
        summary="readiness: 200 once every heavy part has loaded, 503 while loading or after a failure",
        responses={503: {"model": ReadyOut, "description": "still loading, or a part failed to load"}},
    )
    async def readyz() -> JSONResponse:
        warm = warm_up_of(shop)
        if warm is not None:
            parts, ready = warm.to_dict(), warm.ready
        else:  # no warm-up ran (warm_up=False): ready means loaded on first use
            parts = {
                n: {"state": "ready" if shop.loaded(n) else "waiting", "seconds": None, "error": None}
                for n in HEAVY_PARTS
            }
            ready = all(p["state"] == "ready" for p in parts.values())
        body = ReadyOut(status="ready" if ready else "loading", parts=parts)
        return JSONResponse(
            body.model_dump(),
            status_code=200 if ready else 503,
            headers={} if ready else {"Retry-After": "5"},
        )

    @app.get(
        "/metrics",
        response_class=PlainTextResponse,
        tags=["service"],
        summary="Prometheus metrics (text format 0.0.4); a key with the metrics scope, or an allowed address",
        dependencies=[Depends(metrics_access)],
        responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
            401: ERROR_RESPONSES[401],
            403: ERROR_RESPONSES[403],
        },
    )
    def prometheus_metrics(ctx: Ctx) -> Response:
        return Response(ctx.metrics.render(), media_type=CONTENT_TYPE)

    app.state.ui_guarded = False
    if config.mount_ui and _ui_available():
        from ui.door import Door, load_secret
        from ui.gate import mount_ui

        door = Door(ctx.keys, load_secret(shop.home), secure_cookie=config.ui_secure_cookie)
        mount_ui(app, shop, door, path="/ui")
        app.state.ui_guarded = True

    app.add_middleware(RequestContextMiddleware, metrics=ctx.metrics, max_body_bytes=config.max_body_bytes)
    return app
