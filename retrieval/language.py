"""Which language a text is written in (English and Chinese at least): the query's language decides how
the search channels weigh, and the chat answers in the shopper's language."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str, default: str = "en") -> str:
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    if cjk == 0 and latin == 0:
        return default
    # A Chinese sentence often carries a Latin brand name; a few characters of Chinese settle it.
    return "zh" if cjk >= 2 or (cjk and cjk * 3 >= latin) else "en"
