"""The records push works with: an offer (a product on promotion with its price computed in code),
one user's picks, and the message that goes into the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from retrieval.records import Product


def sale_price(price: float, discount_pct: float) -> float:
    """The promoted price, computed here and only here: the model is never asked to do arithmetic."""
    return round(price * (1 - discount_pct / 100.0) + 1e-9, 2)


@dataclass(frozen=True, slots=True)
class Offer:
    product: Product
    discount_pct: float
    ends: datetime

    @property
    def price(self) -> float:
        return float(self.product.price or 0.0)

    @property
    def sale_price(self) -> float:
        return sale_price(self.price, self.discount_pct)

    @property
    def discount_text(self) -> str:
        return f"{self.discount_pct:g}%"

    def to_dict(self) -> dict[str, Any]:
        p = self.product
        return {
            "id": p.id,
            "title": p.title,
            "brand": p.brand,
            "price": self.price,
            "sale_price": self.sale_price,
            "discount_pct": self.discount_pct,
            "currency": p.currency,
            "ends": self.ends.date().isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Pick:
    """A promoted product chosen for a user by the ranker, with the ranker's reasons."""

    offer: Offer
    score: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PushMessage:
    campaign: str
    user: str
    variant: str
    products: tuple[str, ...]
    title: str
    body: str
    deep_link: str
    reasons: tuple[str, ...]
    checks: dict[str, Any]
    model: str
    language: str
    channel: str
    send_at: datetime
    segment: str = ""
    offers: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @property
    def fallback(self) -> str | None:
        return self.checks.get("fallback")

    def to_line(self) -> dict[str, Any]:
        """One outbox line (the output contract: scripts rely on these keys)."""
        return {
            "campaign": self.campaign,
            "user": self.user,
            "variant": self.variant,
            "products": list(self.products),
            "title": self.title,
            "body": self.body,
            "deep_link": self.deep_link,
            "reasons": list(self.reasons),
            "checks": self.checks,
            "model": self.model,
            "language": self.language,
            "channel": self.channel,
            "send_at": self.send_at.isoformat(),
            "segment": self.segment,
            "offers": list(self.offers),
        }

    @classmethod
    def from_line(cls, line: dict[str, Any]) -> PushMessage:
        return cls(
            campaign=line["campaign"],
            user=line["user"],
            variant=line["variant"],
            products=tuple(line["products"]),
            title=line["title"],
            body=line["body"],
            deep_link=line["deep_link"],
            reasons=tuple(line["reasons"]),
            checks=line["checks"],
            model=line["model"],
            language=line["language"],
            channel=line["channel"],
            send_at=datetime.fromisoformat(line["send_at"]),
            segment=line.get("segment", ""),
            offers=tuple(line.get("offers", ())),
        )
