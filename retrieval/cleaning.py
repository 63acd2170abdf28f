"""Pure functions that turn messy catalog values into clean ones (or say why they cannot)."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from datetime import UTC, datetime

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_PRICE = re.compile(r"^[^\d\-.]*?(-?\d[\d,]*(?:\.\d+)?|-?\.\d+)\s*[^\d]*$")
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")


class RowRejected(ValueError):
    """A row that cannot go into the store; the message is the reason shown in the reject report."""


def clean_text(value: object) -> str:
    """Strip HTML tags and entities, normalize Unicode (NFKC) and collapse whitespace."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = " ".join(clean_text(v) for v in value)
    text = str(value)
    # Entities first so that escaped tags (&lt;b&gt;) are stripped too; twice for double-escaped feeds.
    text = html.unescape(html.unescape(text))
    text = _TAG.sub(" ", text)
    text = unicodedata.normalize("NFKC", text).translate(_CONTROL)
    return _SPACE.sub(" ", text).strip()


def parse_price(value: object) -> float | None:
    """"$1,299.00" -> 1299.0; empty, junk, negative or non-finite -> None (missing, never zero)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = clean_text(value)
        if not text or "-" in text.lstrip("-"):  # ranges such as "$10 - $20" are not one price
            return None
        match = _PRICE.match(text)
        if not match:
            return None
        try:
            number = float(match.group(1).replace(",", ""))
        except ValueError:
            return None
    if not math.isfinite(number) or number < 0:
        return None
    return round(number, 2)


def parse_rating(value: object) -> int:
    """A star rating 1..5 (4.0 and "4" accepted); anything else is rejected."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise RowRejected(f"rating {value!r} is not a number from 1 to 5") from None
    if not math.isfinite(number) or number != int(number) or not 1 <= number <= 5:
        raise RowRejected(f"rating {value} is impossible: ratings are whole numbers from 1 to 5")
    return int(number)


def parse_time(value: object) -> int:
    """Unix seconds from seconds, milliseconds, or an ISO-8601 string; missing -> 0."""
    if value is None or value == "":
        return 0
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise RowRejected(f"time {value!r} is neither a Unix timestamp nor an ISO-8601 date") from None
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return int(parsed.timestamp())
    if not math.isfinite(number) or number < 0:
        raise RowRejected(f"time {value!r} is not a valid timestamp")
    # Timestamps past the year 2286 in seconds are milliseconds (the Amazon 2023 format uses them).
    return int(number / 1000) if number > 1e10 else int(number)


def parse_bool(value: object, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y", "t"}:
        return True
    if text in {"0", "false", "no", "n", "f"}:
        return False
    raise RowRejected(f"{value!r} is not a yes/no value (use true/false)")


def require_id(value: object, field: str) -> str:
    text = clean_text(value)
    if not text:
        raise RowRejected(f"missing {field}")
    return text
