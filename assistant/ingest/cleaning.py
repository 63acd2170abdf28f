"""Pure functions that turn messy catalog values into clean ones (or say why they cannot)."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from price_parser import Price

_TAG = re.compile(r"<[^>]+>")
# A tag cut off by the end of the field: scraped titles such as '<span class="a-size-medium a-color-'.
_CUT_TAG = re.compile(r"<[A-Za-z!/][^<>]*$")
# The end of a tag whose start was cut off: 'a-color-secondary">'.
_TAG_TAIL = re.compile(r"^[^<>]*[\"'=][^<>]*>")
_STYLE = re.compile(r"[.#]?[\w-]+\s*\{[^}]*:[^}]*\}|\w+=\"[^\"]*\"")
_SPACE = re.compile(r"\s+")
_RANGE = re.compile(r"\d\s*(?:-|–|—|to)\s*\D{0,4}\d")
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")
# Symbols price-parser reports, as ISO 4217 codes. "¥" stays unresolved (yen or yuan): the row's
# currency column, or the store's default, decides.
CURRENCY_SYMBOLS = {
    "$": "USD",
    "US$": "USD",
    "€": "EUR",
    "£": "GBP",
    "₹": "INR",
    "Rs": "INR",
    "Rs.": "INR",
    "R$": "BRL",
    "C$": "CAD",
    "CA$": "CAD",
    "A$": "AUD",
    "AU$": "AUD",
    "₩": "KRW",
    "元": "CNY",
    "RMB": "CNY",
    "CHF": "CHF",
    "zł": "PLN",
    "kr": "SEK",
    "₽": "RUB",
    "₺": "TRY",
}
_ISO = re.compile(r"^[A-Z]{3}$")


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


@dataclass(frozen=True, slots=True)
class Money:
    """An amount and, when the text named one, its ISO 4217 currency."""

    amount: float | None
    currency: str | None = None


def currency_code(text: str | None) -> str | None:
    """'€' -> 'EUR', 'eur' -> 'EUR'; None for an ambiguous or unknown symbol."""
    if not text:
        return None
    text = text.strip()
    if _ISO.match(text.upper()) and text.isalpha():
        return text.upper()
    return CURRENCY_SYMBOLS.get(text)


def parse_money(value: object) -> Money:
    """ "€12,50" -> 12.5 EUR, "15.00 EUR" -> 15.0 EUR, "$1,299.00" -> 1299.0 USD, "1.299,00 €" -> 1299.0 EUR.

    Decimal commas and thousands separators are read by price-parser; empty, junk, ranges, negative
    and non-finite amounts are missing (None), never zero."""
    if value is None or isinstance(value, bool):
        return Money(None)
    if isinstance(value, int | float):
        number = float(value)
        return Money(round(number, 2) if math.isfinite(number) and number >= 0 else None)
    if not any(c.isdigit() for c in str(value)):  # before NFKC, which makes "1⁄4" digits out of "¼"
        return Money(None)
    text = clean_text(value)
    if (
        not text
        or len(text) > 40
        or text.startswith("-")
        or _RANGE.search(text)
        or any(c in text for c in "{};#<>")
    ):
        return Money(None)
    price = Price.fromstring(text)
    number = price.amount_float
    if number is None or not math.isfinite(number) or number < 0:
        return Money(None)
    return Money(round(number, 2), currency_code(price.currency))


def parse_price(value: object) -> float | None:
    """The amount of `parse_money`: "$1,299.00" -> 1299.0; junk -> None (missing, never zero)."""
    return parse_money(value).amount


def clean_title(value: object) -> str:
    """clean_text, then whatever is left of cut-off tags and inline styles: '' when that was all."""
    text = clean_text(value)
    text = _CUT_TAG.sub(" ", text)
    text = _TAG_TAIL.sub(" ", text)
    text = _STYLE.sub(" ", text)
    return _SPACE.sub(" ", text).strip(" \"'<>=")


def title_from_text(text: str, limit: int = 100) -> str:
    """A stand-in title from a description: its first sentence, cut at a word near `limit` characters."""
    first = re.split(r"(?<=[.!?。！？])\s", text, maxsplit=1)[0].strip()
    if len(first) <= limit:
        return first.rstrip(".。")
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


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
                raise RowRejected(
                    f"time {value!r} is neither a Unix timestamp nor an ISO-8601 date"
                ) from None
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
