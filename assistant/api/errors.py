"""Every error leaves the API as JSON: {"error": code, "message", "request_id", "fields"}; on the
OpenAI-compatible paths as OpenAI's {"error": {"message", "type", "param", "code"}}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.api.openai_schemas import OpenAIError, OpenAIErrorOut
from assistant.api.schemas import ErrorOut

log = logging.getLogger("shopmate.api")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
    504: "timeout",
}
OPENAI_PATHS = ("/v1/chat/completions", "/v1/models")
_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        fields: list[dict[str, str]] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code or _HTTP_CODES.get(status, "error")
        self.message = message
        self.headers = headers or {}
        self.fields = fields or []


def request_id_of(request: Request) -> str:
    return getattr(request.state, "request_id", "")


def openai_shaped(path: str) -> bool:
    """Paths that answer errors as OpenAI's API does, for the clients written against it."""
    return path.rstrip("/") in OPENAI_PATHS


def openai_error(status: int, code: str, message: str, param: str | None = None) -> dict:
    kind = _OPENAI_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return OpenAIErrorOut(error=OpenAIError(message=message, type=kind, param=param, code=code)).model_dump()


def error_body(
    path: str,
    status: int,
    code: str,
    message: str,
    request_id: str,
    fields: list[dict[str, str]] | None = None,
) -> tuple[int, dict]:
    """(status, body) of an error on `path`: ours, or OpenAI's shape on the OpenAI-compatible paths
    (where a request that is not valid is a 400, as OpenAI's clients expect)."""
    fields = fields or []
    if openai_shaped(path):
        status = 400 if status == 422 else status
        param = fields[0]["field"].removeprefix("body.") if fields else None
        return status, openai_error(status, code, message, param)
    return status, ErrorOut(error=code, message=message, request_id=request_id, fields=fields).model_dump()


def error_response(
    request: Request, status: int, code: str, message: str, fields=None, headers: dict[str, str] | None = None
) -> JSONResponse:
    status, body = error_body(request.url.path, status, code, message, request_id_of(request), fields)
    return JSONResponse(body, status_code=status, headers=headers)


def _field_name(loc) -> str:
    return ".".join(str(part) for part in loc)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, exc: ApiError):
        return error_response(request, exc.status, exc.code, exc.message, exc.fields, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError):
        fields = [
            {"field": _field_name(e.get("loc", ())), "message": e.get("msg", "invalid")} for e in exc.errors()
        ]
        names = ", ".join(f["field"] for f in fields[:5])
        return error_response(
            request, 422, "validation_error", f"the request is not valid: check {names}", fields
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException):
        limit = request.scope.get("state", {}).get("body_too_large")
        if limit:
            return error_response(
                request,
                413,
                "body_too_large",
                f"the request body is over the {limit} byte limit",
                headers={"Connection": "close"},
            )
        if exc.status_code == 400:  # FastAPI's answer to a body it cannot decode (not UTF-8, say)
            return error_response(
                request,
                422,
                "validation_error",
                "the body is not valid JSON text",
                [{"field": "body", "message": str(exc.detail)}],
            )
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(request, exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception):
        log.exception("unhandled error in %s %s", request.method, request.url.path)
        return error_response(
            request,
            500,
            "internal_error",
            "the server failed on this request; the log has the details under this request id",
        )
