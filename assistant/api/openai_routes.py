"""POST /v1/chat/completions (and GET /v1/models): the assistant behind OpenAI's chat API, for tools
written against it.

The last message is the question; the earlier user and assistant messages are its history, which
Shop.ask_with_history maps onto the chat session that produced it (assistant/chat/threads.py). The
same key scope (chat) and limits as POST /v1/chat apply; errors come in OpenAI's shape (errors.py).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from assistant.api.auth import require
from assistant.api.context import ApiContext, Ctx
from assistant.api.errors import ApiError, openai_error
from assistant.api.generation import GenerationOverloaded, GenerationTimeout
from assistant.api.openai_schemas import (
    MAX_QUESTION,
    AssistantMessageOut,
    ChatCompletionIn,
    ChatCompletionOut,
    ChoiceOut,
    ModelOut,
    ModelsOut,
    OpenAIErrorOut,
    ShopmateOut,
)
from assistant.chat.threads import Said

router = APIRouter(prefix="/v1", tags=["openai"])
log = logging.getLogger("shopmate.api.openai")

STREAM_DOC = (
    'OpenAI\'s chat completions over the shopping assistant. With `"stream": true` the reply comes as '
    'server-sent events, `data: {"object": "chat.completion.chunk", "choices": [{"delta": '
    '{"content": ...}}]}` as it is written, the last chunk with `finish_reason: "stop"` and the '
    "`shopmate` field (products shown, checks), then `data: [DONE]`; an error mid-stream is one "
    '`data: {"error": {...}}` event. Sampling parameters are accepted and ignored.'
)
_ERRORS = {
    400: "the request is not valid; `param` names the field",
    401: "no API key, or an unknown or revoked one",
    403: "the key lacks the chat scope",
    413: "the body is over the size limit",
    429: "over this key's rate limit; see Retry-After",
    503: "too many generations waiting; see Retry-After",
    504: "the generation ran past its time limit",
}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {"schema": {}}}},
    **{status: {"model": OpenAIErrorOut, "description": text} for status, text in _ERRORS.items()},
}


def _question_and_history(body: ChatCompletionIn) -> tuple[str, list[Said]]:
    last = len(body.messages) - 1
    question = body.messages[-1]
    if question.role != "user":
        raise ApiError(
            400,
            f"the last message is the question and must come from the user, not the {question.role}",
            fields=[{"field": f"messages.{last}.role", "message": "not user"}],
        )
    if not question.text.strip():
        raise ApiError(
            400,
            "the question is empty: say what you are looking for, e.g. 'a gift for a runner under $50'",
            fields=[{"field": f"messages.{last}.content", "message": "empty"}],
        )
    if len(question.text) > MAX_QUESTION:
        raise ApiError(
            400,
            f"the question is {len(question.text)} characters; the assistant reads at most {MAX_QUESTION}",
            fields=[{"field": f"messages.{last}.content", "message": "too long"}],
        )
    history = [Said(m.role, m.text) for m in body.messages[:-1] if m.role in ("user", "assistant")]
    return question.text, history


def _shopmate(reply) -> dict[str, Any]:
    data = json.loads(json.dumps(reply.to_dict(), default=str))
    return ShopmateOut(
        products=data["products"], checks=data["checks"], session=data["session"], language=data["language"]
    ).model_dump()


def _chunk(
    completion_id: str, created: int, model: str, delta: dict, finish: str | None = None, **extra: Any
) -> bytes:
    body = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n".encode()


def _error_event(status: int, code: str, message: str) -> bytes:
    return f"data: {json.dumps(openai_error(status, code, message), ensure_ascii=False)}\n\n".encode()


async def _events(
    ctx: ApiContext, body: ChatCompletionIn, question: str, history: list[Said]
) -> AsyncIterator[bytes]:
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    yield _chunk(completion_id, created, body.model, {"role": "assistant", "content": ""})
    try:
        async for item in ctx.pool.stream(
            lambda: ctx.shop.ask_stream_with_history(body.user, history, question)
        ):
            if isinstance(item, str):
                yield _chunk(completion_id, created, body.model, {"content": item})
            else:
                yield _chunk(completion_id, created, body.model, {}, "stop", shopmate=_shopmate(item))
        yield b"data: [DONE]\n\n"
    except GenerationTimeout as exc:
        ctx.metrics.generation_timeouts.inc()
        yield _error_event(504, "timeout", str(exc))
    except GenerationOverloaded as exc:
        yield _error_event(503, "unavailable", str(exc))
    except ValueError as exc:  # the chat layer's word on a request it cannot serve
        yield _error_event(400, "validation_error", str(exc))
    except Exception:
        log.exception("chat completion stream failed")
        yield _error_event(
            500,
            "internal_error",
            "the server failed on this turn; the log has the details under the response's X-Request-ID",
        )


# Tools that list models before they chat (chat front ends) find this one name; any name is accepted.
MODEL_NAME = "shopmate"


@router.get(
    "/models",
    response_model=ModelsOut,
    responses={status: RESPONSES[status] for status in (401, 403, 429)},
    summary="OpenAI-compatible model list: the assistant, as one model",
    dependencies=[Depends(require("chat"))],
)
def models() -> ModelsOut:
    return ModelsOut(data=[ModelOut(id=MODEL_NAME)])


@router.post(
    "/chat/completions",
    response_model=ChatCompletionOut,
    responses=RESPONSES,
    summary="OpenAI-compatible chat completions over the assistant",
    description=STREAM_DOC,
    dependencies=[Depends(require("chat"))],
)
async def chat_completions(body: ChatCompletionIn, ctx: Ctx):
    question, history = _question_and_history(body)
    if body.stream:
        return StreamingResponse(
            _events(ctx, body, question, history),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    try:
        reply = await ctx.pool.run(ctx.shop.ask_with_history, body.user, history, question)
    except GenerationTimeout as exc:
        ctx.metrics.generation_timeouts.inc()
        raise ApiError(504, f"{exc}; try again, or a shorter message", code="timeout") from exc
    except GenerationOverloaded as exc:
        raise ApiError(503, str(exc), headers={"Retry-After": "2"}) from exc
    except ValueError as exc:
        raise ApiError(400, str(exc)) from exc
    return ChatCompletionOut(
        id=f"chatcmpl-{uuid.uuid4().hex}",
        created=int(time.time()),
        model=body.model,
        choices=[ChoiceOut(message=AssistantMessageOut(content=reply.reply))],
        shopmate=_shopmate(reply),
    )
