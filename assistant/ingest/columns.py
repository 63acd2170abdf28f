"""Map raw rows (any of the supported layouts) to records, cleaning every value: products and reviews
for the catalog, events and users for the behaviour store. The one column mapping of ingest.

Each record field accepts the column names listed in its alias tuple below, first match wins;
`columns={"title": "product_name"}` overrides a field's source column. The Amazon Review Data layouts
(2018 and 2023) are covered by the aliases, so `--format amazon` needs no extra mapping.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.ingest.cleaning import (
    Money,
    RowRejected,
    clean_text,
    clean_title,
    currency_code,
    parse_bool,
    parse_money,
    parse_rating,
    parse_time,
    require_id,
    title_from_text,
)
from ranking.records import EVENT_KINDS, Event, User
from retrieval.records import Product, Review

PRODUCT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "product_id", "parent_asin", "asin", "sku"),
    "title": ("title", "name", "product_name"),
    "description": ("description", "desc"),
    "features": ("features", "feature"),
    "category": ("category", "categories", "category_path"),
    "main_category": ("main_category", "main_cat"),
    "brand": ("brand", "store", "manufacturer"),
    "price": ("price",),
    "currency": ("currency",),
    "attributes": ("attributes", "details"),
    "image_url": ("image_url", "image", "images", "imageURLHighRes"),
    "rating": ("rating", "average_rating"),
    "rating_count": ("rating_count", "rating_number"),
}

REVIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "review_id"),
    "product_id": ("product_id", "parent_asin", "asin", "item_id"),
    "user_id": ("user_id", "reviewerID", "user", "reviewer_id"),
    "user_name": ("user_name", "reviewerName", "reviewer_name"),
    "rating": ("rating", "overall", "stars", "score"),
    "title": ("title", "summary"),
    "text": ("text", "reviewText", "review", "body"),
    "time": ("time", "unixReviewTime", "timestamp", "date"),
    "verified": ("verified", "verified_purchase"),
}


EVENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "user_id": ("user_id", "user", "userId", "visitorid", "reviewerID"),
    "product_id": ("product_id", "item_id", "itemid", "asin", "product"),
    "kind": ("kind", "event", "event_type", "type"),
    "value": ("value", "rating"),
    "time": ("time", "timestamp", "ts"),
    "session": ("session", "session_id"),
}

USER_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "user_id"),
    "name": ("name", "display_name", "username"),
    "locale": ("locale", "language", "lang"),
    "marketing_opt_in": ("marketing_opt_in", "opt_in", "opted_in"),
    "timezone": ("timezone", "tz", "time_zone"),
    "quiet_hours": ("quiet_hours",),
}


def pick(
    data: Mapping[str, Any],
    field: str,
    aliases: Mapping[str, tuple[str, ...]],
    columns: Mapping[str, str] | None = None,
) -> Any:
    """The value of `field` under its mapped column or the first alias present (None if absent)."""
    names = (columns[field],) if columns and field in columns else aliases[field]
    for name in names:
        value = data.get(name)
        if value is not None and value != "" and value != []:
            return value
    return None


def _category_path(value: Any, main: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (
            json.loads(value) if value.startswith("[") else [p for p in value.replace("|", ">").split(">")]
        )
    parts: list[str] = []
    for item in value or []:
        text = clean_text(item)
        if text and (
            not parts or parts[-1] != text
        ):  # Amazon repeats the top level ("Gift Cards", "Gift Cards")
            parts.append(text)
    if not parts and main:
        parts = [clean_text(main)]
    return tuple(parts)


def _attributes(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except json.JSONDecodeError:
            raise RowRejected("attributes is not a JSON object") from None
    if not isinstance(value, Mapping):
        return {}
    cleaned = {clean_text(k).rstrip(":").strip(): clean_text(v) for k, v in value.items()}
    return {k: v for k, v in cleaned.items() if k and v}


def _image_url(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, Mapping):
        value = value.get("large") or value.get("hi_res") or value.get("thumb") or ""
    text = clean_text(value)
    return text if text.startswith(("http://", "https://", "/")) else ""


def _price_and_currency(raw_price: Any, raw_currency: Any) -> tuple[Money, str]:
    """The amount, and the currency from the currency column or the price text (USD when neither says)."""
    money = parse_money(raw_price)
    named = clean_text(raw_currency)
    column = currency_code(named) if named else None
    if named and column is None:
        raise RowRejected(f"currency {named[:20]!r} is not a currency code such as USD or EUR")
    if column and money.currency and column != money.currency:
        raise RowRejected(
            f"price {clean_text(raw_price)[:30]!r} is in {money.currency} but the currency column "
            f"says {column}"
        )
    return money, column or money.currency or "USD"


def product_from_row(data: Mapping[str, Any], columns: Mapping[str, str] | None = None) -> Product:
    get = lambda field: pick(data, field, PRODUCT_COLUMNS, columns)  # noqa: E731
    product_id = require_id(get("id"), "product id")
    description = clean_text(get("description"))
    features = clean_text(get("features"))
    if features:
        description = f"{description} {features}".strip()
    # A scraped title can be nothing but a cut-off tag; the description's first sentence stands in.
    title = clean_title(get("title")) or title_from_text(description)
    if not title:
        raw = str(get("title") or "")[:60]
        raise RowRejected(
            f"title {raw!r} is empty or only markup, and there is no description to take one from"
            if raw
            else "missing title, and no description to take one from"
        )
    rating = get("rating")
    try:
        rating_value = float(rating) if rating is not None else None
    except (TypeError, ValueError):
        rating_value = None
    count = get("rating_count")
    money, currency = _price_and_currency(get("price"), get("currency"))
    return Product(
        id=product_id,
        title=title,
        description=description,
        category=_category_path(get("category"), get("main_category")),
        brand=clean_text(get("brand")),
        price=money.amount,
        currency=currency,
        attributes=_attributes(get("attributes")),
        image_url=_image_url(get("image_url")),
        rating=rating_value if rating_value is not None and 0 <= rating_value <= 5 else None,
        rating_count=int(count)
        if isinstance(count, int | float) or (isinstance(count, str) and count.isdigit())
        else 0,
    )


def review_from_row(data: Mapping[str, Any], columns: Mapping[str, str] | None = None) -> tuple[Review, str]:
    """The review and its author's display name (for the users table)."""
    get = lambda field: pick(data, field, REVIEW_COLUMNS, columns)  # noqa: E731
    product_id = require_id(get("product_id"), "product id")
    user = clean_text(get("user_id")) or None
    rating = parse_rating(get("rating"))
    title = clean_text(get("title"))
    text = clean_text(get("text"))
    time = parse_time(get("time"))
    review_id = clean_text(get("id"))
    if not review_id:
        # One review per user and product is kept, so that pair is a stable id across reloads.
        review_id = (
            f"{product_id}:{user}"
            if user
            else "r:"
            + hashlib.sha256(json.dumps([product_id, rating, title, text, time]).encode()).hexdigest()[:24]
        )
    review = Review(
        id=review_id,
        product_id=product_id,
        user_id=user,
        rating=rating,
        title=title,
        text=text,
        time=time,
        verified=parse_bool(get("verified")),
    )
    return review, clean_text(get("user_name"))


_KIND_ALIASES = {
    "addtocart": "cart",
    "add_to_cart": "cart",
    "transaction": "purchase",
    "buy": "purchase",
    "order": "purchase",
    "rating": "rate",
    "not_interested": "dismiss",
    "impression": "view",
}


def event_from_row(data: Mapping[str, Any], columns: Mapping[str, str] | None = None) -> Event:
    get = lambda field: pick(data, field, EVENT_COLUMNS, columns)  # noqa: E731
    kind_text = clean_text(get("kind")).lower().replace("-", "_").replace(" ", "_")
    kind = _KIND_ALIASES.get(kind_text, kind_text)
    if kind not in EVENT_KINDS:
        raise RowRejected(f"event kind {kind_text!r} is not one of {', '.join(EVENT_KINDS)}")
    value = get("value")
    try:
        number = float(value) if value is not None else None
    except (TypeError, ValueError):
        raise RowRejected(f"event value {value!r} is not a number") from None
    if kind == "rate" and (number is None or not 1 <= number <= 5):
        raise RowRejected(f"a rate event needs a value from 1 to 5, got {value!r}")
    return Event(
        user_id=require_id(get("user_id"), "user id"),
        product_id=require_id(get("product_id"), "product id"),
        kind=kind,
        time=parse_time(get("time")),
        value=number,
        session=clean_text(get("session")) or None,
    )


def _quiet_hours(value: Any) -> tuple[int, int] | None:
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        text = value.strip()
        parts = json.loads(text) if text.startswith("[") else text.replace(":00", "").split("-")
    else:
        parts = list(value)
    try:
        start, end = (int(p) for p in parts)
    except (TypeError, ValueError):
        raise RowRejected(f'quiet_hours {value!r} should be two hours such as "22-8" or [22, 8]') from None
    if not (0 <= start <= 23 and 0 <= end <= 23):
        raise RowRejected(f"quiet_hours {value!r} must be hours from 0 to 23")
    return start, end


def user_from_row(data: Mapping[str, Any], columns: Mapping[str, str] | None = None) -> User:
    get = lambda field: pick(data, field, USER_COLUMNS, columns)  # noqa: E731
    timezone = clean_text(get("timezone")) or "UTC"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise RowRejected(f"unknown time zone {timezone!r}; use an IANA name such as Europe/Berlin") from None
    return User(
        id=require_id(get("id"), "user id"),
        name=clean_text(get("name")),
        locale=clean_text(get("locale")) or "en",
        marketing_opt_in=parse_bool(get("marketing_opt_in")),
        timezone=timezone,
        quiet_hours=_quiet_hours(get("quiet_hours")),
    )
