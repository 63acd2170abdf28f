"""Bodies of the OpenAI-compatible endpoint (POST /v1/chat/completions), in OpenAI's shapes.

Fields OpenAI's clients send that the assistant has no use for (temperature, max_tokens, tools, ...) are
accepted and ignored: the assistant's own generation settings and fact checks apply.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from assistant.api.schemas import ChatProductOut, Id

# A history message may quote a whole reply with its product list; the question itself is held to the
# chat's own limit (MAX_QUESTION, checked in the route so that the error names the message).
MessageText = Annotated[str, StringConstraints(max_length=16_000)]
MAX_QUESTION = 4000


class OpenAIError(BaseModel):
    message: str
    type: str = Field(
        description="invalid_request_error, authentication_error, permission_error, "
        "rate_limit_error, server_error, ..."
    )
    param: str | None = Field(default=None, description="the request field at fault, e.g. messages.0.content")
    code: str | None = Field(
        default=None, description="a stable code: validation_error, unauthorized, timeout, ..."
    )


class OpenAIErrorOut(BaseModel):
    error: OpenAIError


class TextPart(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["text"]
    text: MessageText


class MessageIn(BaseModel):
    """system and developer messages are read by no one (the assistant keeps its own instructions)."""

    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: MessageText | Annotated[list[TextPart], Field(max_length=32)] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class ChatCompletionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: Annotated[str, StringConstraints(max_length=200)] = Field(
        default="shopmate", description="any name; echoed back"
    )
    messages: list[MessageIn] = Field(
        min_length=1,
        max_length=64,
        description=(
            "the conversation; the last message, from the user, is the question, the earlier user and "
            "assistant messages its history"
        ),
    )
    user: Id | None = Field(default=None, description="the shopper, for personalised results; none: a guest")
    stream: StrictBool = Field(
        default=False, description="answer as server-sent chat.completion.chunk events"
    )


class ShopmateOut(BaseModel):
    """What the assistant showed, beyond OpenAI's fields: the products and the fact-check outcome."""

    model_config = ConfigDict(extra="allow")
    products: list[ChatProductOut] = []
    checks: dict[str, Any] = {}
    session: str = Field(description="the chat session (GET /v1/sessions/{id} for the transcript)")
    language: str = ""


class AssistantMessageOut(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChoiceOut(BaseModel):
    index: int = 0
    message: AssistantMessageOut
    finish_reason: Literal["stop"] = "stop"


class ModelOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "shopmate"


class ModelsOut(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


class ChatCompletionOut(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChoiceOut]
    shopmate: ShopmateOut
