"""The behaviour records, defined once and shared by the CLI, the HTTP API and the UI."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from retrieval.records import Product

EventKind = Literal["view", "click", "cart", "purchase", "rate", "dismiss"]
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)


@dataclass(frozen=True, slots=True)
class Event:
    user_id: str
    product_id: str
    kind: EventKind
    time: int
    value: float | None = None
    session: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class User:
    id: str
    name: str = ""
    locale: str = "en"
    marketing_opt_in: bool = False
    timezone: str = "UTC"
    # Local hours [start, end) in which no push may be sent; (22, 8) wraps past midnight.
    quiet_hours: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["quiet_hours"] = list(self.quiet_hours) if self.quiet_hours else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> User:
        quiet = data.get("quiet_hours")
        return cls(**{**data, "quiet_hours": tuple(quiet) if quiet else None})


# Every reason the ranker gives, by shape, in the English a shopper reads; the fields fill them.
REASON_SHAPES = {
    "search": "matches your search",
    "asked": "the product you asked about",
    "brands_and_price": "matches your usual brands and price band",
    "price_band": "in your usual price band",
    "brand": "from {brand}, a brand you like",
    "often": "you often shop {kind}",
    "popular": "popular in {kind}",
    "trending": "trending in {kind}",
    "new": "new in {kind}",
    "alternative": "an alternative to {title}, which you looked at lately",
    "goes_with": "goes with {title}, which you looked at lately",
    "also_chose": "{did} {title}; people who {did} it also chose this",
    "similar": "similar to {title}, which you {did}",
}
Did = Literal["bought", "liked", "viewed", ""]


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a product was placed, as data: a shape and what fills it. `str()` is the English; a reply in
    another language says the same fields its own way (assistant/chat/reasons.py) rather than parsing
    the English back."""

    shape: str  # a key of REASON_SHAPES
    kind: str = ""  # the category leaf ("the store" when it has none)
    brand: str = ""
    title: str = ""  # a product the shopper touched
    did: Did = ""  # what they did with it

    def __post_init__(self) -> None:
        if self.shape not in REASON_SHAPES:
            raise ValueError(f"unknown reason shape {self.shape!r}; use one of {', '.join(REASON_SHAPES)}")

    def __str__(self) -> str:
        return REASON_SHAPES[self.shape].format(
            kind=self.kind, brand=self.brand, title=self.title, did=self.did
        )


@dataclass(frozen=True, slots=True)
class RankedItem:
    """A product placed for one user, with the score that placed it and reasons a shopper can read."""

    product: Product
    score: float
    reasons: tuple[Reason, ...] = ()
    evidence: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return str(self.reasons[0]) if self.reasons else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.product.summary(),
            "score": round(self.score, 6),
            "reason": self.reason,
            "reasons": [str(r) for r in self.reasons],
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class UserProfile:
    user_id: str
    interest_tags: tuple[str, ...] = ()
    top_categories: tuple[tuple[str, float], ...] = ()
    top_brands: tuple[tuple[str, float], ...] = ()
    price_band: tuple[float, float] | None = None
    recent: tuple[Event, ...] = ()
    n_events: int = 0

    @property
    def is_cold(self) -> bool:
        return self.n_events == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "interest_tags": list(self.interest_tags),
            "top_categories": [list(c) for c in self.top_categories],
            "top_brands": [list(b) for b in self.top_brands],
            "price_band": list(self.price_band) if self.price_band else None,
            "recent": [e.to_dict() for e in self.recent],
            "n_events": self.n_events,
        }
