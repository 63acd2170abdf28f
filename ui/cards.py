"""Product cards as HTML: title, price, rating, a picture where the catalog has one, a short "why for you"."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Card:
    """What one card shows; built from a RankedItem, a Candidate or a plain dict from the facade."""

    id: str
    title: str
    price: float | None = None
    currency: str = "USD"
    rating: float | None = None
    rating_count: int = 0
    image_url: str = ""
    brand: str = ""
    why: str = ""

    @classmethod
    def from_item(cls, item: Any) -> Card:
        if isinstance(item, dict):
            product = item.get("product") or item
            why = item.get("reason") or next(iter(item.get("reasons") or ()), "")
            get = product.get
        else:
            product = getattr(item, "product", item)
            why = getattr(item, "reason", "") or next(iter(getattr(item, "evidence", ()) or ()), "")

            def get(name, default=None):
                return getattr(product, name, default)

        return cls(
            id=str(get("id")),
            title=str(get("title", "") or get("id")),
            price=get("price"),
            currency=get("currency", "USD") or "USD",
            rating=get("rating"),
            rating_count=int(get("rating_count", 0) or 0),
            image_url=get("image_url", "") or "",
            brand=get("brand", "") or "",
            why=_short(str(why or "")),
        )


def _short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def format_price(price: float | None, currency: str = "USD") -> str:
    if price is None:
        return "price on request"
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency)
    return f"{symbol}{price:,.2f}" if symbol else f"{price:,.2f} {currency}"


def card_html(card: Card, mark: str = "") -> str:
    """One card; `mark` is a short note the shopper left on it ("Liked", "In your cart")."""
    e = html.escape
    picture = (
        f'<img class="sm-card-img" src="{e(card.image_url)}" alt="{e(card.title)}" loading="lazy">'
        if card.image_url.startswith(("http://", "https://", "/"))
        else ""
    )
    if card.rating is not None:
        stars = f'{card.rating:.1f}★ <span class="sm-muted">({card.rating_count} ratings)</span>'
        rating = f'<span aria-label="rated {card.rating:.1f} of 5">{stars}</span>'
    else:
        rating = '<span class="sm-muted">no ratings yet</span>'
    why = f'<p class="sm-why"><strong>Why for you:</strong> {e(card.why)}</p>' if card.why else ""
    badge = f'<span class="sm-badge">{e(mark)}</span>' if mark else ""
    brand = f'<span class="sm-muted">{e(card.brand)}</span>' if card.brand else ""
    return (
        f'<article class="sm-card" data-product-id="{e(card.id)}" aria-label="{e(card.title)}">{picture}'
        f'<h3 class="sm-title">{e(card.title)} {badge}</h3>'
        f'<p class="sm-meta"><span class="sm-price">{e(format_price(card.price, card.currency))}</span> · '
        f"{rating} {brand}</p>{why}</article>"
    )


CARD_CSS = """
.sm-card { padding: 4px 2px; }
.sm-card h3.sm-title { font-size: 1rem; margin: 0 0 4px 0; }
.sm-card .sm-meta { margin: 0 0 4px 0; }
.sm-card .sm-price { font-weight: 600; }
.sm-card .sm-why { margin: 0; font-size: 0.9rem; }
.sm-card .sm-muted { opacity: 0.75; font-size: 0.85rem; }
.sm-card .sm-badge { font-size: 0.75rem; padding: 1px 6px; border-radius: 8px; border: 1px solid currentColor; }
.sm-card-img { max-width: 100%; max-height: 140px; object-fit: contain; display: block; margin-bottom: 4px; }
.sm-tags span { display: inline-block; margin: 2px 4px 2px 0; padding: 2px 8px; border-radius: 10px;
                border: 1px solid currentColor; font-size: 0.9rem; }
@media (max-width: 640px) {
  .sm-shop-row { flex-direction: column !important; }
  .sm-shop-row > * { min-width: 100% !important; }
}
"""
