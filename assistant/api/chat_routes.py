"""The assistant over HTTP: one chat turn (JSON, or server-sent events as it is written) and transcripts."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import StreamingResponse

from assistant.api.auth import require
from assistant.api.context import ApiContext, Ctx
from assistant.api.errors import ApiError, request_id_of
from assistant.api.generation import GenerationOverloaded, GenerationTimeout
from assistant.api.schemas import ID_PATTERN, ChatIn, ChatOut, ErrorOut, TranscriptOut

router = APIRouter(prefix="/v1", tags=["chat"])
log = logging.getLogger("shopmate.api.chat")

SSE_DOC = (
    'With `"stream": true` or `Accept: text/event-stream` the reply comes as server-sent events: '
    '`token` events (`{"text": ...}`) as the reply is written, then one `reply` event with the whole '
    "turn (the JSON body below), or an `error` event."
)


def _plain(value: Any) -> dict[str, Any]:
    return json.loads(json.dumps(value.to_dict() if hasattr(value, "to_dict") else value, default=str))


def _sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n".encode()


def wants_stream(request: Request, body: ChatIn) -> bool:
    return body.stream or "text/event-stream" in request.headers.get("accept", "")


async def _events(ctx: ApiContext, body: ChatIn, request_id: str) -> AsyncIterator[bytes]:
    try:
        async for item in ctx.pool.stream(
            lambda: ctx.shop.ask_stream(body.user_id, body.message, session_id=body.session_id)
        ):
            if isinstance(item, str):
                yield _sse("token", {"text": item})
            else:
                yield _sse("reply", ChatOut.model_validate(_plain(item)).model_dump())
    except GenerationTimeout as exc:
        ctx.metrics.generation_timeouts.inc()
        yield _sse("error", {"error": "timeout", "message": str(exc), "request_id": request_id})
    except GenerationOverloaded as exc:
        yield _sse("error", {"error": "unavailable", "message": str(exc), "request_id": request_id})
    except ValueError as exc:  # the chat layer's word on a request it cannot serve
        yield _sse("error", {"error": "validation_error", "message": str(exc), "request_id": request_id})
    except Exception:
        log.exception("chat stream failed")
        yield _sse(
            "error",
            {
                "error": "internal_error",
                "request_id": request_id,
                "message": "the server failed on this turn; the log has the details under this id",
            },
        )


@router.post(
    "/chat",
    response_model=ChatOut,
    summary="one turn of the shopping assistant",
    description=SSE_DOC,
    responses={
        200: {"content": {"text/event-stream": {"schema": {}}}},
        504: {"model": ErrorOut, "description": "the generation ran past its time limit"},
    },
    dependencies=[Depends(require("chat"))],
)
async def chat(body: ChatIn, request: Request, ctx: Ctx):
    if wants_stream(request, body):
        return StreamingResponse(
            _events(ctx, body, request_id_of(request)),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    try:
        reply = await ctx.pool.run(ctx.shop.ask, body.user_id, body.message, session_id=body.session_id)
    except GenerationTimeout as exc:
        ctx.metrics.generation_timeouts.inc()
        raise ApiError(504, f"{exc}; try again, or a shorter message", code="timeout") from exc
    except GenerationOverloaded as exc:
        raise ApiError(503, str(exc), headers={"Retry-After": "2"}) from exc
    except ValueError as exc:
        raise ApiError(422, str(exc)) from exc
    return ChatOut.model_validate(_plain(reply))


@router.get(
    "/sessions/{session_id}",
    response_model=TranscriptOut,
    summary="a chat session's transcript, for an agent taking over",
    dependencies=[Depends(require("read"))],
)
def session(
    session_id: Annotated[str, Path(min_length=1, max_length=128, pattern=ID_PATTERN)], ctx: Ctx
) -> TranscriptOut:
    transcript = ctx.shop.transcript(session_id)
    if not transcript:
        raise ApiError(404, f"no chat session {session_id!r}")
    data = _plain(transcript)
    if isinstance(data, list):
        data = {"session_id": session_id, "turns": data}
    data.setdefault("session_id", session_id)
    return TranscriptOut.model_validate(data)
