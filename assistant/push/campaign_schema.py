"""The campaign file's shape as pydantic models, and pydantic's errors turned into `CampaignError`s
that name the file, the key and the fix, so a marketer can mend the file without reading code.

Strict on purpose: a quoted number ("10"), a yes/no for a flag or an unknown key is a mistake to
report, not a value to guess at. `assistant.push.campaign` turns a validated file into the records.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import annotated_types
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

Channel = Literal["push", "sms", "email"]
Tone = Literal["friendly", "playful", "premium", "urgent", "informative"]
Language = Literal["auto", "en", "zh"]
CustomerKind = Literal["any", "new", "returning"]
Angle = Literal["benefit", "discount", "personal", "urgency"]
CHANNELS, TONES, LANGUAGES = get_args(Channel), get_args(Tone), get_args(Language)
CUSTOMER_KINDS, ANGLES = get_args(CustomerKind), get_args(Angle)
# (title limit, body limit) per channel; an SMS has no title, an email's title is its subject line and
# its body the preview text shown in the inbox.
CHANNEL_LIMITS: dict[str, tuple[int, int]] = {"push": (40, 120), "sms": (0, 160), "email": (60, 90)}
DEFAULT_DEEP_LINK = "shopmate://product/{product}?campaign={campaign}&variant={variant}"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
_MOMENT_EXAMPLE = "2026-12-01T09:00:00Z (a date or date-time)"


class CampaignError(ValueError):
    """A campaign file that cannot run; the message names the file, the key and the fix."""

    def __init__(self, path: str | Path, key: str, problem: str, fix: str):
        super().__init__(f"{path}: [{key}] {problem}; {fix}")
        self.path, self.key, self.problem, self.fix = str(path), key, problem, fix


def _mistake(problem: str, fix: str, key: str = "") -> PydanticCustomError:
    """A mistake found by a validator; `key` names the key below the failing table, if any."""
    return PydanticCustomError("campaign", "{problem}", {"problem": problem, "fix": fix, "key": key})


def _text(value: Any) -> Any:
    if isinstance(value, str):
        if not value.strip():
            raise PydanticCustomError("string_type", "blank text")
        return value.strip()
    return value


def _words(value: Any) -> Any:
    """One word or a list of them; each non-blank, stripped."""
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PydanticCustomError("words_type", "expected a list of text")
    return tuple(v.strip() for v in value)


def _whole(value: Any) -> Any:
    """2.0 is a whole number; 2.5, "2" and true are not (the strict int check refuses those)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _moment(value: Any) -> Any:
    """A TOML or YAML date or date-time, or ISO text; a date is completed to a time by the records."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise PydanticCustomError("moment_type", "not a date") from None
    if not isinstance(value, date):
        raise PydanticCustomError("moment_type", "not a date")
    return value


Text = Annotated[str, BeforeValidator(_text)]
Words = Annotated[tuple[str, ...], BeforeValidator(_words)]
Whole = Annotated[int, BeforeValidator(_whole)]
Moment = Annotated[date | datetime, BeforeValidator(_moment)]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class AudienceFile(_Table):
    interest_tags: Words = ()
    categories: Words = ()
    price_band: tuple[float, float] | None = None
    active_within_days: Annotated[Whole, Field(ge=1)] | None = None
    customer: CustomerKind = "any"
    opted_in_only: bool = True

    @field_validator("price_band", mode="before")
    @classmethod
    def _band(cls, band: Any) -> Any:
        if band is not None and (
            not isinstance(band, list)
            or len(band) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in band)
            or not 0 <= band[0] <= band[1]
        ):
            raise _mistake(f"expected [low, high] prices, got {band!r}", "write price_band = [20, 150]")
        return band if band is None else (float(band[0]), float(band[1]))

    @field_validator("opted_in_only")
    @classmethod
    def _opted_in(cls, value: bool) -> bool:
        if not value:
            raise _mistake(
                "marketing messages go only to users who opted in", "remove the key or set it to true"
            )
        return value


class PromotionFile(_Table):
    discount_pct: Annotated[float, Field(ge=1, le=90)]
    ends: Moment
    products: Words = ()
    categories: Words = ()
    brands: Words = ()

    @model_validator(mode="after")
    def _names_something(self) -> PromotionFile:
        if not (self.products or self.categories or self.brands):
            raise _mistake(
                "the promotion names nothing on sale",
                'add products = ["P000123"] or categories = ["Electronics > Headphones"]',
                key="products",
            )
        return self


class ChannelFile(_Table):
    kind: Channel = "push"
    title_max: Whole | None = None  # None: the channel's limit; a value may only tighten it
    body_max: Whole | None = None
    deep_link: Text = DEFAULT_DEEP_LINK

    @model_validator(mode="after")
    def _within_the_channel(self) -> ChannelFile:
        for name, cap in zip(("title_max", "body_max"), CHANNEL_LIMITS[self.kind], strict=True):
            value, low = getattr(self, name), 0 if name == "title_max" else 20
            if value is not None and not low <= value <= cap:
                raise _mistake(f"{value} is out of range", f"use a value from {low} to {cap}", key=name)
        if "{product}" not in self.deep_link:
            raise _mistake(
                "the link does not say which product",
                "put {product} in it, e.g. " + DEFAULT_DEEP_LINK,
                key="deep_link",
            )
        return self


class VariantsFile(_Table):
    count: Annotated[Whole, Field(ge=1, le=8)] = 2
    angles: tuple[Angle, ...] = ()

    @field_validator("angles", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return _words(value)


class SendWindowFile(_Table):
    start: Moment
    end: Moment


class LimitsFile(_Table):
    frequency_cap: Annotated[Whole, Field(ge=1)] = 2
    frequency_days: Annotated[Whole, Field(ge=1)] = 7
    products_per_message: Annotated[Whole, Field(ge=1, le=3)] = 1
    exclude_bought_days: Annotated[Whole, Field(ge=0)] = 60


class CampaignFile(_Table):
    id: Text | None = None  # None: the file's name
    name: Text | None = None  # None: the id
    tone: Tone = "friendly"
    language: Language = "auto"
    personalized: bool = True
    banned_words: Words = ()
    audience: AudienceFile = AudienceFile()
    promotions: tuple[PromotionFile, ...] = Field(default=(), validate_default=True)
    channel: ChannelFile = ChannelFile()
    variants: VariantsFile = VariantsFile()
    # A missing table reads as an empty one, so the message names the missing key inside it.
    send_window: SendWindowFile = Field(default_factory=dict, validate_default=True)
    limits: LimitsFile = LimitsFile()

    @field_validator("id")
    @classmethod
    def _usable_id(cls, value: str | None) -> str | None:
        if value is not None and not _ID.match(value):
            raise _mistake(f"{value!r} is not a usable id", "use letters, digits, '-', '_' or '.' (up to 80)")
        return value

    @field_validator("promotions", mode="before")
    @classmethod
    def _some(cls, items: Any) -> Any:
        if not isinstance(items, list) or not items:
            raise _mistake(
                "no promotions",
                "add a [[promotions]] table with products or categories, discount_pct and ends",
            )
        return tuple(items)


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The table model that holds the last key of `loc` (for the list of keys it allows)."""
    model: type[BaseModel] = CampaignFile
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        inner = [
            a
            for a in _flatten(model.model_fields[part].annotation)
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if not inner:
            return None
        model = inner[0]
    return model


def _flatten(annotation: Any) -> list[Any]:
    args = get_args(annotation)
    return [x for a in args for x in _flatten(a)] if args else [annotation]


def _bounds(loc: tuple[int | str, ...]) -> tuple[Any, Any]:
    model, name = _model_at(loc), loc[-1]
    field = model.model_fields[name] if model and isinstance(name, str) else None
    low = high = None
    for meta in _constraints(field.annotation if field else None) + list(field.metadata if field else []):
        low = meta.ge if isinstance(meta, annotated_types.Ge) else low
        high = meta.le if isinstance(meta, annotated_types.Le) else high
    return low, high


def _constraints(annotation: Any) -> list[Any]:
    found = [x for m in getattr(annotation, "__metadata__", ()) for x in getattr(m, "metadata", [m])]
    return found + [m for a in get_args(annotation) for m in _constraints(a)]


def _key(loc: tuple[int | str, ...]) -> str:
    """promotions[0].discount_pct; an index into a list of plain values is dropped (variants.angles)."""
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]" if i + 1 < len(loc) else ""
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


def _translate(path: Path, error: dict[str, Any]) -> CampaignError:
    loc = tuple(error["loc"])
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "campaign":  # a table's own check names the key inside the table
        return CampaignError(
            path, _key(loc + ((ctx["key"],) if ctx["key"] else ())), ctx["problem"], ctx["fix"]
        )
    key = _key(loc)
    name = str(next((p for p in reversed(loc) if isinstance(p, str)), key))
    if kind == "missing":
        example = _MOMENT_EXAMPLE if name in ("ends", "start", "end") else "<number>"
        return CampaignError(path, key, "missing", f"add {name} = {example}")
    if kind == "extra_forbidden":
        model = _model_at(loc)
        known = sorted(model.model_fields) if model else []
        return CampaignError(path, key, "unknown key", f"use one of: {', '.join(known)}")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return CampaignError(
            path,
            key,
            f"expected a table, got {type(value).__name__}",
            f"write [{key}] followed by key = value lines",
        )
    if kind == "literal_error":
        choices = ", ".join(str(c).strip("'") for c in re.findall(r"'[^']*'", ctx.get("expected", "")))
        return CampaignError(path, key, f"{value!r} is not allowed", f"use one of: {choices}")
    if kind in ("greater_than_equal", "less_than_equal"):
        low, high = _bounds(loc)
        fix = f"use a value from {low} to {high}" if high is not None else f"use {low} or more"
        return CampaignError(path, key, f"{value} is out of range", fix)
    if kind.startswith(("int_", "float_")):
        what = "a whole number" if kind.startswith("int_") else "a number"
        return CampaignError(path, key, f"expected {what}, got {value!r}", f"write {name} = 10 (no quotes)")
    if kind.startswith("bool_"):
        return CampaignError(path, key, f"expected true or false, got {value!r}", f"write {name} = true")
    if kind == "words_type" or kind.startswith(("tuple_", "list_")):
        return CampaignError(
            path, key, f"expected a list of text, got {value!r}", f'write {name} = ["a", "b"]'
        )
    if kind == "moment_type":
        return CampaignError(
            path,
            key,
            f"{value!r} is not a date or date-time",
            f'write {name} = "2026-12-01" or "2026-12-01T09:00:00Z"',
        )
    if kind.startswith("string_"):
        return CampaignError(path, key, f"expected text, got {value!r}", f'write {name} = "..."')
    return CampaignError(path, key, error["msg"], "see examples/campaigns/ for a file that works")


def validate_campaign_file(path: Path, data: dict[str, Any]) -> CampaignFile:
    """The file's data as a `CampaignFile`; the first mistake raises a CampaignError."""
    try:
        return CampaignFile.model_validate(data)
    except ValidationError as exc:
        raise _translate(path, exc.errors(include_url=False)[0]) from None
