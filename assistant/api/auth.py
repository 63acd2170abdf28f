"""API-key authentication as a dependency: `Depends(require("read"))` checks the key, its scope and
its rate, and leaves the key on request.state for the access log."""

from __future__ import annotations

import ipaddress
import math
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.api.context import Ctx
from assistant.api.errors import ApiError
from assistant.api.keys import ApiKey

bearer = HTTPBearer(auto_error=False, description="an API key from `shopmate keys create --scope ...`")

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def require(*scopes: str):
    """A dependency that admits a key holding any one of `scopes` (admin holds them all)."""
    wanted = " or ".join(scopes)

    async def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        ctx: Ctx,
    ) -> ApiKey:
        if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
            raise ApiError(
                401,
                "send an API key as 'Authorization: Bearer KEY' "
                "(create one with: shopmate keys create --scope read)",
                headers=_CHALLENGE,
            )
        key = ctx.keys.verify(credentials.credentials)
        if key is None:
            raise ApiError(401, "this API key is unknown or revoked", headers=_CHALLENGE)
        request.state.api_key = key.id
        if not any(key.allows(s) for s in scopes):
            raise ApiError(403, f"this key's scopes ({', '.join(key.scopes)}) do not include {wanted}")
        rate = key.rate_per_minute or ctx.config.rate_per_minute
        wait = ctx.limiter.acquire(key.id, rate)
        if wait > 0:
            ctx.metrics.rate_limited.inc()
            raise ApiError(
                429,
                f"this key may make {rate} requests a minute; retry in {wait:.1f} s",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        return key

    return check


async def metrics_access(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)], ctx: Ctx
) -> None:
    """/metrics: a client on the allow-list ($SHOPMATE_METRICS_ALLOW), else a key with the metrics scope."""
    client = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        address = None
    if address is not None and any(
        address in ipaddress.ip_network(n, strict=False) for n in ctx.config.metrics_allow
    ):
        return
    await _metrics_key(request, credentials, ctx)


_metrics_key = require("metrics")
