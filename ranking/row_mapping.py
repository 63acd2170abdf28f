"""Map raw rows to behaviour records (events and users), cleaning every value.

Column mapping as in `retrieval.row_mapping`: each field accepts the aliases listed below, and
`columns={"kind": "event_type"}` overrides a field's source column.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ranking.records import EVENT_KINDS, Event, User
from retrieval.cleaning import RowRejected, clean_text, parse_bool, parse_time, require_id
from retrieval.row_mapping import pick

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
