"""The outermost layer of every request: a request id, a body-size limit, metrics and the access log.

Pure ASGI (not BaseHTTPMiddleware), so streamed replies pass through untouched.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid

from assistant.api.errors import error_body
from assistant.api.metrics import Metrics

log = logging.getLogger("shopmate.api.access")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdLogFilter(logging.Filter):
    """Puts the current request id on every log record as %(request_id)s."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class _BodyTooLarge(Exception):
    pass


def _route_template(scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path:
        return path
    return "/ui" if scope.get("path", "").startswith("/ui") else "unmatched"


class RequestContextMiddleware:
    def __init__(self, app, metrics: Metrics, max_body_bytes: int):
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def _reject_body(self, send, path: str, request_id: str) -> None:
        status, body = error_body(
            path,
            413,
            "body_too_large",
            f"the request body is over the {self.max_body_bytes} byte limit",
            request_id,
        )
        body = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"x-request-id", request_id.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = {"code": 500, "sent": False}

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"x-request-id", request_id.encode())],
                }
            await send(message)

        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # FastAPI turns errors while reading the body into a 400; the flag makes it a 413.
                    scope["state"]["body_too_large"] = self.max_body_bytes
                    raise _BodyTooLarge
            return message

        try:
            length = headers.get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
                status["code"] = 413
                await self._reject_body(send, scope.get("path", ""), request_id)
            else:
                try:
                    await self.app(scope, limited_receive, send_with_id)
                except _BodyTooLarge:
                    if status["sent"]:
                        raise
                    status["code"] = 413
                    await self._reject_body(send, scope.get("path", ""), request_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status["code"])).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            key = scope["state"].get("api_key", "-")
            log.info(
                "%s %s %s %.1fms key=%s request_id=%s",
                method,
                scope.get("path", ""),
                status["code"],
                elapsed * 1000,
                key,
                request_id,
            )
            request_id_var.reset(token)
