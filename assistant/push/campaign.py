"""Campaign files (TOML or YAML) read, validated (`assistant.push.campaign_schema`, pydantic) and
turned into the typed records a run uses.

Every error names the file, the key and what to write instead, so a marketer can fix the file
without reading code.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from assistant.push.campaign_schema import (
    ANGLES,
    CHANNEL_LIMITS,
    DEFAULT_DEEP_LINK,
    CampaignError,
    CampaignFile,
    validate_campaign_file,
)

__all__ = ["Audience", "Campaign", "CampaignError", "Channel", "Limits", "Promotion", "load_campaign"]


@dataclass(frozen=True, slots=True)
class Audience:
    interest_tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    price_band: tuple[float, float] | None = None
    active_within_days: int | None = None
    customer: str = "any"


@dataclass(frozen=True, slots=True)
class Promotion:
    discount_pct: float
    ends: datetime
    products: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Channel:
    kind: str = "push"
    title_max: int = 40
    body_max: int = 120
    deep_link: str = DEFAULT_DEEP_LINK


@dataclass(frozen=True, slots=True)
class Limits:
    frequency_cap: int = 2
    frequency_days: int = 7
    products_per_message: int = 1
    exclude_bought_days: int = 60


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    name: str
    path: str
    promotions: tuple[Promotion, ...]
    send_start: datetime
    send_end: datetime
    audience: Audience = field(default_factory=Audience)
    channel: Channel = field(default_factory=Channel)
    limits: Limits = field(default_factory=Limits)
    tone: str = "friendly"
    language: str = "auto"
    variants: int = 2
    angles: tuple[str, ...] = ("benefit", "discount")
    personalized: bool = True
    banned_words: tuple[str, ...] = ()

    @property
    def variant_names(self) -> tuple[str, ...]:
        return tuple(chr(ord("A") + i) for i in range(self.variants))

    def angle(self, variant: str) -> str:
        return self.angles[(ord(variant) - ord("A")) % len(self.angles)]

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self), default=str))

    @property
    def fingerprint(self) -> str:
        """What the messages depend on; a rerun after the file changed needs --force."""
        data = self.to_dict()
        data.pop("path")
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _category_path(text: str) -> str:
    return " > ".join(part.strip() for part in text.split(">") if part.strip())


def _read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such campaign file; see examples/campaigns/ for examples")
    suffix = path.suffix.lower()
    raw = path.read_bytes()
    try:
        if suffix == ".toml":
            return tomllib.loads(raw.decode("utf-8"))
        if suffix in (".yaml", ".yml"):
            data = yaml.safe_load(raw) or {}
            if not isinstance(data, dict):
                raise CampaignError(
                    path, "(top level)", "expected a mapping of keys", "start with id: my-campaign"
                )
            return data
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(path, "(syntax)", f"not valid TOML ({exc})", "fix the line it names") from None
    except yaml.YAMLError as exc:
        raise CampaignError(path, "(syntax)", f"not valid YAML ({exc})", "fix the line it names") from None
    raise CampaignError(
        path, "(file)", f"unknown file type {suffix!r}", "name the file *.toml, *.yaml or *.yml"
    )


def _moment(value: date, end_of_day: bool = False) -> datetime:
    """A date alone means the start of that day, or its end for an end (send_window.end, promotions.ends)."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59) if end_of_day else time(0, 0))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _campaign(path: Path, f: CampaignFile) -> Campaign:
    start, end = _moment(f.send_window.start), _moment(f.send_window.end, end_of_day=True)
    if end <= start:
        raise CampaignError(
            path,
            "send_window.end",
            f"ends ({end.isoformat()}) before it starts ({start.isoformat()})",
            "move end after start",
        )
    promotions = tuple(
        Promotion(
            discount_pct=float(p.discount_pct),
            ends=_moment(p.ends, end_of_day=True),
            products=p.products,
            categories=tuple(_category_path(c) for c in p.categories),
            brands=p.brands,
        )
        for p in f.promotions
    )
    for i, promo in enumerate(promotions):
        if promo.ends < start:
            raise CampaignError(
                path,
                f"promotions[{i}].ends",
                f"the promotion ends ({promo.ends.date()}) before the send window opens",
                "move ends later or the send window earlier",
            )
    a, c, m = f.audience, f.channel, f.limits
    title_cap, body_cap = CHANNEL_LIMITS[c.kind]
    campaign_id = f.id or path.stem
    return Campaign(
        id=campaign_id,
        name=f.name or campaign_id,
        path=str(path),
        promotions=promotions,
        send_start=start,
        send_end=end,
        audience=Audience(
            interest_tags=tuple(t.lower() for t in a.interest_tags),
            categories=tuple(_category_path(x) for x in a.categories),
            price_band=a.price_band,
            active_within_days=a.active_within_days or None,
            customer=a.customer,
        ),
        channel=Channel(
            kind=c.kind,
            title_max=title_cap if c.title_max is None else c.title_max,
            body_max=body_cap if c.body_max is None else c.body_max,
            deep_link=c.deep_link,
        ),
        limits=Limits(
            frequency_cap=m.frequency_cap,
            frequency_days=m.frequency_days,
            products_per_message=m.products_per_message,
            exclude_bought_days=m.exclude_bought_days,
        ),
        tone=f.tone,
        language=f.language,
        variants=f.variants.count,
        angles=f.variants.angles or tuple(ANGLES[i % len(ANGLES)] for i in range(f.variants.count)),
        personalized=f.personalized,
        banned_words=f.banned_words,
    )


def load_campaign(path: str | Path) -> Campaign:
    """Read and check a campaign file; raises CampaignError naming the file, the key and the fix."""
    path = Path(path)
    return _campaign(path, validate_campaign_file(path, _read_file(path)))
