"""Campaign files (TOML or YAML) parsed into typed, validated records.

Every error names the file, the key and what to write instead, so a marketer can fix the file
without reading code.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml

CHANNELS = ("push", "sms", "email")
# (title limit, body limit) per channel; an SMS has no title, an email's title is its subject line and
# its body the preview text shown in the inbox.
CHANNEL_LIMITS: dict[str, tuple[int, int]] = {"push": (40, 120), "sms": (0, 160), "email": (60, 90)}
TONES = ("friendly", "playful", "premium", "urgent", "informative")
LANGUAGES = ("auto", "en", "zh")
CUSTOMER_KINDS = ("any", "new", "returning")
ANGLES = ("benefit", "discount", "personal", "urgency")
DEFAULT_DEEP_LINK = "shopmate://product/{product}?campaign={campaign}&variant={variant}"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


class CampaignError(ValueError):
    """A campaign file that cannot run; the message names the file, the key and the fix."""

    def __init__(self, path: str | Path, key: str, problem: str, fix: str):
        super().__init__(f"{path}: [{key}] {problem}; {fix}")
        self.path, self.key, self.problem, self.fix = str(path), key, problem, fix


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


class _Reader:
    """Typed access to one table of the file, with errors that say where and what to write."""

    def __init__(self, path: Path, table: dict[str, Any], prefix: str, known: set[str]):
        self.path, self.table, self.prefix = path, table, prefix
        if not isinstance(table, dict):
            raise CampaignError(path, prefix or "(top level)", f"expected a table, got {type(table).__name__}",
                                f"write [{prefix}] followed by key = value lines")
        unknown = sorted(set(table) - known)
        if unknown:
            raise CampaignError(path, self._key(unknown[0]), "unknown key",
                                f"use one of: {', '.join(sorted(known))}")

    def _key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def fail(self, name: str, problem: str, fix: str) -> CampaignError:
        return CampaignError(self.path, self._key(name), problem, fix)

    def text(self, name: str, default: str | None = None, choices: tuple[str, ...] | None = None) -> str:
        value = self.table.get(name, default)
        if value is None:
            raise self.fail(name, "missing", f"add {name} = \"...\"")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, f"expected text, got {value!r}", f"write {name} = \"...\"")
        value = value.strip()
        if choices and value not in choices:
            raise self.fail(name, f"{value!r} is not allowed", f"use one of: {', '.join(choices)}")
        return value

    def number(self, name: str, default: float | None = None, low: float | None = None,
               high: float | None = None, integer: bool = False) -> float:
        value = self.table.get(name, default)
        if value is None:
            raise self.fail(name, "missing", f"add {name} = <number>")
        if isinstance(value, bool) or not isinstance(value, int | float) or (integer and value != int(value)):
            kind = "a whole number" if integer else "a number"
            raise self.fail(name, f"expected {kind}, got {value!r}", f"write {name} = 10 (no quotes)")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(name, f"{value} is out of range", f"use a value from {low} to {high}")
        return int(value) if integer else float(value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.table.get(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, f"expected true or false, got {value!r}", f"write {name} = true")
        return value

    def words(self, name: str) -> tuple[str, ...]:
        value = self.table.get(name, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(name, f"expected a list of text, got {value!r}", f"write {name} = [\"a\", \"b\"]")
        return tuple(v.strip() for v in value)

    def moment(self, name: str, end_of_day: bool = False, required: bool = True) -> datetime | None:
        value = self.table.get(name)
        if value is None:
            if required:
                raise self.fail(name, "missing", f"add {name} = 2026-12-01T09:00:00Z (a date or date-time)")
            return None
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise self.fail(name, f"{value!r} is not a date or date-time",
                                f"write {name} = \"2026-12-01\" or \"2026-12-01T09:00:00Z\"") from None
        if isinstance(value, date) and not isinstance(value, datetime):
            value = datetime.combine(value, time(23, 59, 59) if end_of_day else time(0, 0))
        if not isinstance(value, datetime):
            raise self.fail(name, f"{value!r} is not a date or date-time", f"write {name} = 2026-12-01")
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def table_of(self, name: str, known: set[str]) -> _Reader:
        return _Reader(self.path, self.table.get(name, {}), self._key(name), known)


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
                raise CampaignError(path, "(top level)", "expected a mapping of keys", "start with id: my-campaign")
            return data
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(path, "(syntax)", f"not valid TOML ({exc})", "fix the line it names") from None
    except yaml.YAMLError as exc:
        raise CampaignError(path, "(syntax)", f"not valid YAML ({exc})", "fix the line it names") from None
    raise CampaignError(path, "(file)", f"unknown file type {suffix!r}", "name the file *.toml, *.yaml or *.yml")


def _audience(r: _Reader) -> Audience:
    a = r.table_of("audience", {"interest_tags", "categories", "price_band", "active_within_days", "customer",
                                "opted_in_only"})
    if not a.flag("opted_in_only", True):
        raise a.fail("opted_in_only", "marketing messages go only to users who opted in",
                     "remove the key or set it to true")
    band = a.table.get("price_band")
    if band is not None:
        if (not isinstance(band, list) or len(band) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in band)
                or not 0 <= band[0] <= band[1]):
            raise a.fail("price_band", f"expected [low, high] prices, got {band!r}", "write price_band = [20, 150]")
        band = (float(band[0]), float(band[1]))
    days = a.table.get("active_within_days")
    return Audience(interest_tags=tuple(t.lower() for t in a.words("interest_tags")),
                    categories=tuple(_category_path(c) for c in a.words("categories")), price_band=band,
                    active_within_days=int(a.number("active_within_days", low=1, integer=True)) if days else None,
                    customer=a.text("customer", "any", CUSTOMER_KINDS))


def _promotions(r: _Reader) -> tuple[Promotion, ...]:
    items = r.table.get("promotions")
    if not isinstance(items, list) or not items:
        raise r.fail("promotions", "no promotions", "add a [[promotions]] table with products or categories, "
                     "discount_pct and ends")
    out = []
    for i, item in enumerate(items):
        p = _Reader(r.path, item, f"promotions[{i}]", {"products", "categories", "brands", "discount_pct", "ends"})
        promo = Promotion(discount_pct=p.number("discount_pct", low=1, high=90),
                          ends=p.moment("ends", end_of_day=True), products=p.words("products"),
                          categories=tuple(_category_path(c) for c in p.words("categories")), brands=p.words("brands"))
        if not (promo.products or promo.categories or promo.brands):
            raise p.fail("products", "the promotion names nothing on sale",
                         "add products = [\"P000123\"] or categories = [\"Electronics > Headphones\"]")
        out.append(promo)
    return tuple(out)


def _channel(r: _Reader) -> Channel:
    c = r.table_of("channel", {"kind", "title_max", "body_max", "deep_link"})
    kind = c.text("kind", "push", CHANNELS)
    title_cap, body_cap = CHANNEL_LIMITS[kind]
    title_max = int(c.number("title_max", title_cap, low=0, high=title_cap, integer=True))
    body_max = int(c.number("body_max", body_cap, low=20, high=body_cap, integer=True))
    link = c.text("deep_link", DEFAULT_DEEP_LINK)
    if "{product}" not in link:
        raise c.fail("deep_link", "the link does not say which product", "put {product} in it, e.g. " + DEFAULT_DEEP_LINK)
    return Channel(kind=kind, title_max=title_max, body_max=body_max, deep_link=link)


def _limits(r: _Reader) -> Limits:
    m = r.table_of("limits", {"frequency_cap", "frequency_days", "products_per_message", "exclude_bought_days"})
    return Limits(frequency_cap=int(m.number("frequency_cap", 2, low=1, integer=True)),
                  frequency_days=int(m.number("frequency_days", 7, low=1, integer=True)),
                  products_per_message=int(m.number("products_per_message", 1, low=1, high=3, integer=True)),
                  exclude_bought_days=int(m.number("exclude_bought_days", 60, low=0, integer=True)))


def load_campaign(path: str | Path) -> Campaign:
    """Read and check a campaign file; raises CampaignError naming the file, the key and the fix."""
    path = Path(path)
    r = _Reader(path, _read_file(path), "", {"id", "name", "tone", "language", "personalized", "banned_words",
                                              "audience", "promotions", "channel", "variants", "send_window",
                                              "limits"})
    campaign_id = r.text("id", path.stem)
    if not _ID.match(campaign_id):
        raise r.fail("id", f"{campaign_id!r} is not a usable id", "use letters, digits, '-', '_' or '.' (up to 80)")
    v = r.table_of("variants", {"count", "angles"})
    count = int(v.number("count", 2, low=1, high=8, integer=True))
    angles = v.words("angles") or tuple(ANGLES[i % len(ANGLES)] for i in range(count))
    for angle in angles:
        if angle not in ANGLES:
            raise v.fail("angles", f"{angle!r} is not a known angle", f"use some of: {', '.join(ANGLES)}")
    w = r.table_of("send_window", {"start", "end"})
    start, end = w.moment("start"), w.moment("end", end_of_day=True)
    if end <= start:
        raise w.fail("end", f"ends ({end.isoformat()}) before it starts ({start.isoformat()})", "move end after start")
    promotions = _promotions(r)
    for i, promo in enumerate(promotions):
        if promo.ends < start:
            raise CampaignError(path, f"promotions[{i}].ends", f"the promotion ends ({promo.ends.date()}) before "
                                "the send window opens", "move ends later or the send window earlier")
    return Campaign(id=campaign_id, name=r.text("name", campaign_id), path=str(path), promotions=promotions,
                    send_start=start, send_end=end, audience=_audience(r), channel=_channel(r), limits=_limits(r),
                    tone=r.text("tone", "friendly", TONES), language=r.text("language", "auto", LANGUAGES),
                    variants=count, angles=tuple(angles), personalized=r.flag("personalized", True),
                    banned_words=r.words("banned_words"))
