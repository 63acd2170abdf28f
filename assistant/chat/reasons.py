"""The ranker's reasons as a Chinese shopper reads them.

The ranker says why in a few English sentence shapes (`ranking/reasons.py`, `ranking/service.py`); a
Chinese reply showed "— matches your search" beside every product. Product names stay as the catalog
spells them, as everywhere in a Chinese reply; a reason of no known shape is shown as it is.
"""

from __future__ import annotations

import re

from assistant.chat.dialogue import kind_name

_DID = {"bought": "买过", "liked": "喜欢", "viewed": "看过"}
_SHAPES: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"^matches your search$", "符合你的搜索"),
        (r"^the product you asked about$", "你问到的商品"),
        (r"^matches your usual brands and price band$", "符合你常买的品牌和价位"),
        (r"^in your usual price band$", "在你常买的价位内"),
        (r"^from (?P<brand>.+), a brand you like$", "来自你喜欢的品牌 {brand}"),
        (r"^you often shop (?P<kind>.+)$", "你常逛{kind}"),
        (r"^popular in (?P<kind>.+)$", "{kind}里的热门款"),
        (r"^trending in (?P<kind>.+)$", "{kind}里正流行"),
        (r"^new in (?P<kind>.+)$", "{kind}新品"),
        (r"^an alternative to (?P<title>.+), which you looked at lately$", "可替代你最近看过的 {title}"),
        (r"^goes with (?P<title>.+), which you looked at lately$", "和你最近看过的 {title} 搭配"),
        (
            r"^(?P<did>bought|liked|viewed) (?P<title>.+); people who (?P=did) it also chose this$",
            "{did} {title} 的人也选了这款",
        ),
        (r"^similar to (?P<title>.+), which you (?P<did>bought|liked|viewed)$", "和你{did}的 {title} 相似"),
    )
)


def reason_in(reason: str, language: str) -> str:
    if language != "zh":
        return reason
    for pattern, zh in _SHAPES:
        if m := pattern.match(reason):
            found = m.groupdict()
            kind = found.get("kind", "")
            return zh.format(
                brand=found.get("brand"),
                kind="本店" if kind == "the store" else kind_name(kind, "zh"),
                title=found.get("title"),
                did=_DID.get(found.get("did", ""), ""),
            )
    return reason
