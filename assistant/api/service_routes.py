"""The service's own endpoints: liveness, readiness and Prometheus metrics (no /v1 prefix, as load
balancers and scrapers expect them)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from assistant.api.auth import metrics_access
from assistant.api.context import Ctx
from assistant.api.metrics import CONTENT_TYPE
from assistant.api.readiness import warm_up_of
from assistant.api.schemas import ERROR_RESPONSES, HealthOut, ReadyOut
from assistant.shop import HEAVY_PARTS

router = APIRouter(tags=["service"])


@router.get("/healthz", response_model=HealthOut, summary="liveness; which heavy parts are loaded")
async def healthz(request: Request, ctx: Ctx) -> HealthOut:
    ready = {name: ctx.shop.loaded(name) for name in HEAVY_PARTS}  # loaded now; /readyz for the verdict
    return HealthOut(
        status="ok", version=request.app.version, ready=ready, generation_in_flight=ctx.pool.in_flight
    )


@router.get(
    "/readyz",
    response_model=ReadyOut,
    summary="readiness: 200 once every heavy part has loaded, 503 while loading or after a failure",
    responses={503: {"model": ReadyOut, "description": "still loading, or a part failed to load"}},
)
async def readyz(ctx: Ctx) -> JSONResponse:
    warm = warm_up_of(ctx.shop)
    if warm is not None:
        parts, ready = warm.to_dict(), warm.ready
    else:  # no warm-up ran (warm_up=False): ready means loaded on first use
        parts = {
            n: {"state": "ready" if ctx.shop.loaded(n) else "waiting", "seconds": None, "error": None}
            for n in HEAVY_PARTS
        }
        ready = all(p["state"] == "ready" for p in parts.values())
    body = ReadyOut(status="ready" if ready else "loading", parts=parts)
    return JSONResponse(
        body.model_dump(),
        status_code=200 if ready else 503,
        headers={} if ready else {"Retry-After": "5"},
    )


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
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
