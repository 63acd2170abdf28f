"""The HTTP API's request and response bodies.

The records (`retrieval.records`, `ranking.records`) are defined once: a user's profile is served as the
`UserProfile` dataclass itself, and the result lists' schemas are built from the records' fields. So the
OpenAPI document describes exactly what the CLI's --json prints, and a field added to a record reaches
both.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal, get_type_hints

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    create_model,
    model_validator,
)

from ranking.records import EVENT_KINDS
from retrieval.filters import check_category
from retrieval.records import SUMMARY_FIELDS, Product

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$"
Id = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=ID_PATTERN)]
ShortText = Annotated[str, StringConstraints(max_length=200)]


# A category filter is a name or a path of names (retrieval/filters.py); blank or only '>' names none.
CategoryName = Annotated[ShortText, AfterValidator(check_category)]


def _not_a_bool(value):
    if isinstance(value, bool):
        raise ValueError("a number is needed, not true/false")
    return value


# JSON numbers as JSON Schema reads them: 5.0 is an integer, true is not a number.
Int = Annotated[int, BeforeValidator(_not_a_bool)]
Price = Annotated[float, Field(ge=0, le=1e9, strict=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- errors ------------------------------------------------------------------------------------------
class FieldError(BaseModel):
    field: str = Field(description="where the problem is, e.g. body.message or query.k")
    message: str


class ErrorOut(BaseModel):
    error: str = Field(description="a stable code: unauthorized, forbidden, not_found, validation_error, ...")
    message: str
    request_id: str = ""
    fields: list[FieldError] = []


# What any /v1 endpoint may answer besides its own success (each router adds these to its routes).
ERROR_RESPONSES = {
    401: {"model": ErrorOut, "description": "no API key, or an unknown or revoked one"},
    403: {"model": ErrorOut, "description": "the key lacks the scope this endpoint needs"},
    404: {"model": ErrorOut, "description": "no such user, session, campaign or run"},
    413: {"model": ErrorOut, "description": "the body is over the size limit"},
    422: {"model": ErrorOut, "description": "the request is not valid; `fields` names each bad field"},
    429: {"model": ErrorOut, "description": "over this key's rate limit; see Retry-After"},
    503: {"model": ErrorOut, "description": "too many generations waiting; see Retry-After"},
}


# -- catalog and ranking records -------------------------------------------------------------------
def _fields_of(record: type, names: tuple[str, ...]) -> dict[str, Any]:
    """pydantic field definitions for some fields of a record dataclass, with its types and defaults, so
    that a result's schema is read from the record instead of being written out a second time."""
    hints = get_type_hints(record)
    found = {f.name: f for f in dataclasses.fields(record)}
    out: dict[str, Any] = {}
    for name in names:
        spec = found[name]
        if spec.default is not dataclasses.MISSING:
            out[name] = (hints[name], spec.default)
        elif spec.default_factory is not dataclasses.MISSING:
            out[name] = (hints[name], Field(default_factory=spec.default_factory))
        else:
            out[name] = (hints[name], ...)
    return out


# What search and recommendations list of each product (`Product.summary()`), then their own fields.
ProductSummaryOut = create_model("ProductSummaryOut", **_fields_of(Product, SUMMARY_FIELDS))
CandidateOut = create_model(
    "CandidateOut", __base__=ProductSummaryOut, score=(float, ...), evidence=(list[str], [])
)
# Reasons go out as the English a shopper reads (`str(Reason)`), as `RankedItem.to_dict` writes them.
RankedItemOut = create_model(
    "RankedItemOut", __base__=CandidateOut, reason=(str, ""), reasons=(list[str], [])
)


class RecommendationsOut(BaseModel):
    user_id: str
    items: list[RankedItemOut]  # type: ignore[valid-type]


# -- search -----------------------------------------------------------------------------------------
class SearchFiltersIn(Strict):
    categories: list[CategoryName] = Field(default=[], max_length=20)
    brands: list[ShortText] = Field(default=[], max_length=50)
    exclude_brands: list[ShortText] = Field(default=[], max_length=50)
    min_price: Price | None = None
    max_price: Price | None = None
    min_rating: Annotated[float, Field(ge=0, le=5, strict=True)] | None = None
    exclude_ids: list[Id] = Field(default=[], max_length=200)


class SearchIn(Strict):
    query: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    k: Int = Field(default=10, ge=1, le=100)
    user_id: Id | None = Field(default=None, description="rank the results for this user")
    filters: SearchFiltersIn | None = None


class SearchOut(BaseModel):
    query: str
    user_id: str | None = None
    results: list[RankedItemOut] = Field(  # type: ignore[valid-type]
        description="with a user: ranked, with reasons; without: by match"
    )


# -- events -----------------------------------------------------------------------------------------
class EventIn(Strict):
    user_id: Id
    product_id: Id
    kind: Literal[EVENT_KINDS] = Field(description="click, purchase, dismiss (feedback), or view, cart, rate")  # type: ignore[valid-type]
    time: Int | None = Field(default=None, ge=0, le=4_102_444_800, description="unix seconds; default now")
    value: Annotated[float, Field(ge=-1e6, le=1e6, strict=True)] | None = Field(
        default=None, description="the rating, for rate"
    )
    session: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="the chat session or push campaign the feedback is about"
    )


class EventsIn(Strict):
    events: list[EventIn] = Field(min_length=1, max_length=500)


class EventsOut(BaseModel):
    recorded: int
    users: list[str]


# -- chat -------------------------------------------------------------------------------------------
class ChatIn(Strict):
    user_id: Id
    message: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    session_id: Id | None = Field(default=None, description="continue this session; a new one when left out")
    stream: StrictBool = Field(
        default=False, description="answer with server-sent events (also: Accept: text/event-stream)"
    )


class ChatProductOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    title: str
    price: float | None = None


class ChatOut(BaseModel):
    """One assistant turn, as `shopmate ask --json` prints it."""

    model_config = ConfigDict(extra="allow")
    reply: str
    products: list[ChatProductOut] = []
    session: str
    language: str = ""
    checks: dict[str, Any] = {}


class TranscriptOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    session_id: str
    turns: list[dict[str, Any]] = []


# -- push -------------------------------------------------------------------------------------------
class PushPreviewIn(Strict):
    campaign: Id = Field(description="a campaign id: the file <id>.toml|.yaml|.yml in a campaigns directory")
    user_id: Id


class PushMessageOut(BaseModel):
    """One outbox line (the push output contract)."""

    model_config = ConfigDict(extra="allow")
    campaign: str
    user: str
    variant: str
    products: list[str]
    title: str
    body: str
    checks: dict[str, Any]
    model: str


class PushPreviewOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    campaign: str
    user_id: str
    messages: list[PushMessageOut] = []
    skipped: str | None = Field(default=None, description="why this user gets no message, if not")


class CampaignRunIn(Strict):
    limit: Int | None = Field(default=None, ge=1, le=10_000_000)
    dry_run: StrictBool = False
    force: StrictBool = False
    engine: Literal["local", "ray"] = Field(
        default="local",
        description="write in the server (local) or in a pool of Ray actors (ray; needs ray installed)",
    )
    batch_size: Int = Field(default=8, ge=1, le=1024, description="users per generation batch")
    workers: Int = Field(default=1, ge=1, le=64, description="Ray actors in the pool (engine ray)")
    gpus_per_worker: float = Field(
        default=0.0,
        ge=0,
        le=8,
        strict=True,
        description="GPUs each Ray actor asks for (engine ray; 0 writes on CPU)",
    )

    @model_validator(mode="after")
    def _pool_needs_ray(self) -> CampaignRunIn:
        if self.engine == "local" and (self.workers != 1 or self.gpus_per_worker):
            raise ValueError(
                'workers and gpus_per_worker size the Ray pool: send "engine": "ray" with them, '
                "or leave them out to write in the server"
            )
        return self


RunStatus = Literal["queued", "running", "succeeded", "failed", "interrupted"]


class CampaignRunOut(BaseModel):
    run_id: str
    campaign: str
    status: RunStatus
    options: dict[str, Any] = {}
    created_at: int
    started_at: int | None = None
    finished_at: int | None = None
    result: dict[str, Any] | None = None
    error: str | None = None


# -- users and service --------------------------------------------------------------------------------
class EraseOut(BaseModel):
    user_id: str
    erased: dict[str, Any] = Field(description="what each layer removed (rows, sessions, vectors)")


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str
    ready: dict[str, bool] = {}
    generation_in_flight: int = 0


class ReadyOut(BaseModel):
    status: Literal["ready", "loading"]
    parts: dict[str, dict] = {}
