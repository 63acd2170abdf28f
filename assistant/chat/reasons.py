"""The ranker's reasons as a Chinese shopper reads them.

The ranker gives its reasons as data (`ranking.records.Reason`: a shape and what fills it); a Chinese
reply showed "— matches your search" beside every product. Here each shape is said in Chinese from the
same fields. Product names stay as the catalog spells them, as everywhere in a Chinese reply.
"""

from __future__ import annotations

from assistant.chat.dialogue import kind_name
from ranking.records import Reason

_DID = {"bought": "买过", "liked": "喜欢", "viewed": "看过"}
ZH_SHAPES = {
    "search": "符合你的搜索",
    "asked": "你问到的商品",
    "brands_and_price": "符合你常买的品牌和价位",
    "price_band": "在你常买的价位内",
    "brand": "来自你喜欢的品牌 {brand}",
    "often": "你常逛{kind}",
    "popular": "{kind}里的热门款",
    "trending": "{kind}里正流行",
    "new": "{kind}新品",
    "alternative": "可替代你最近看过的 {title}",
    "goes_with": "和你最近看过的 {title} 搭配",
    "also_chose": "{did} {title} 的人也选了这款",
    "similar": "和你{did}的 {title} 相似",
}


def reason_in(reason: Reason, language: str) -> str:
    if language != "zh":
        return str(reason)
    return ZH_SHAPES[reason.shape].format(
        kind="本店" if reason.kind == "the store" else kind_name(reason.kind, "zh"),
        brand=reason.brand,
        title=reason.title,
        did=_DID.get(reason.did, ""),
    )
