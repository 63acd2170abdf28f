"""The ranker's reasons in a Chinese reply: every shape the ranker gives is said in Chinese."""

from __future__ import annotations

import pytest

from assistant.chat.prompts import compare_template, product_line
from assistant.chat.reasons import ZH_SHAPES, reason_in
from ranking.records import REASON_SHAPES, RankedItem, Reason
from retrieval.records import Product


@pytest.mark.parametrize(
    ("reason", "en", "zh"),
    [
        (Reason("search"), "matches your search", "符合你的搜索"),
        (Reason("often", kind="Running Shoes"), "you often shop Running Shoes", "你常逛跑鞋"),
        (Reason("popular", kind="the store"), "popular in the store", "本店里的热门款"),
        (Reason("brand", brand="Kinetra"), "from Kinetra, a brand you like", "来自你喜欢的品牌 Kinetra"),
        (Reason("price_band"), "in your usual price band", "在你常买的价位内"),
        (
            Reason("also_chose", title="Stridewell Luma 8", did="bought"),
            "bought Stridewell Luma 8; people who bought it also chose this",
            "买过 Stridewell Luma 8 的人也选了这款",
        ),
        (
            Reason("similar", title="Fleetfoot Zen 3", did="liked"),
            "similar to Fleetfoot Zen 3, which you liked",
            "和你喜欢的 Fleetfoot Zen 3 相似",
        ),
        (
            Reason("goes_with", title="Driftline Shell"),
            "goes with Driftline Shell, which you looked at lately",
            "和你最近看过的 Driftline Shell 搭配",
        ),
    ],
)
def test_a_reason_is_said_in_chinese_with_product_names_as_the_catalog_spells_them(reason, en, zh):
    assert reason_in(reason, "zh") == zh
    assert reason_in(reason, "en") == str(reason) == en


@pytest.mark.parametrize("shape", sorted(REASON_SHAPES))
def test_every_shape_the_ranker_gives_is_said_in_chinese_with_no_english_but_names(shape):
    reason = Reason(shape, kind="Headphones", brand="Auralis", title="Auralis Core 8", did="viewed")
    said = reason_in(reason, "zh")
    assert set(ZH_SHAPES) == set(REASON_SHAPES)
    assert "Headphones" not in said and not any(w in said for w in ("you", "which", "in "))


def test_a_reason_of_no_known_shape_is_refused():
    with pytest.raises(ValueError, match="unknown reason shape 'hot'"):
        Reason("hot")


def test_a_chinese_list_and_side_by_side_hold_no_english_but_names():
    shoe = Product(
        "P1",
        "Stridewell Luma 8 Running Shoes",
        price=80.0,
        brand="Stridewell",
        attributes={"features": "wide fit, waterproof"},
    )
    line = product_line(1, RankedItem(shoe, 1.0, (Reason("search"),)), "zh")
    assert line.endswith("— 符合你的搜索") and "暂无评分" in line
    side = compare_template([RankedItem(shoe, 1.0)], "zh")
    assert "宽楦、防水" in side and "评分 暂无" in side and "n/a" not in side
