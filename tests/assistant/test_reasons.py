"""The ranker's reasons in a Chinese reply: every shape the ranker writes is said in Chinese."""

from __future__ import annotations

import pytest

from assistant.chat.prompts import compare_template, product_line
from assistant.chat.reasons import reason_in
from ranking.reasons import _STORE_REASONS
from ranking.records import RankedItem
from retrieval.records import Product


@pytest.mark.parametrize(
    ("reason", "zh"),
    [
        ("matches your search", "符合你的搜索"),
        ("you often shop Running Shoes", "你常逛跑鞋"),
        ("popular in the store", "本店里的热门款"),
        ("from Kinetra, a brand you like", "来自你喜欢的品牌 Kinetra"),
        ("in your usual price band", "在你常买的价位内"),
        (
            "bought Stridewell Luma 8; people who bought it also chose this",
            "买过 Stridewell Luma 8 的人也选了这款",
        ),
        ("similar to Fleetfoot Zen 3, which you liked", "和你喜欢的 Fleetfoot Zen 3 相似"),
        ("goes with Driftline Shell, which you looked at lately", "和你最近看过的 Driftline Shell 搭配"),
    ],
)
def test_a_reason_is_said_in_chinese_with_product_names_as_the_catalog_spells_them(reason, zh):
    assert reason_in(reason, "zh") == zh
    assert reason_in(reason, "en") == reason


@pytest.mark.parametrize("shape", sorted(_STORE_REASONS.values()))
def test_every_store_reason_the_ranker_writes_has_a_chinese_shape(shape):
    said = reason_in(shape.format(leaf="Headphones"), "zh")
    assert "耳机" in said and "Headphones" not in said


def test_a_chinese_list_and_side_by_side_hold_no_english_but_names():
    shoe = Product(
        "P1",
        "Stridewell Luma 8 Running Shoes",
        price=80.0,
        brand="Stridewell",
        attributes={"features": "wide fit, waterproof"},
    )
    line = product_line(1, RankedItem(shoe, 1.0, ("matches your search",)), "zh")
    assert line.endswith("— 符合你的搜索") and "暂无评分" in line
    side = compare_template([RankedItem(shoe, 1.0)], "zh")
    assert "宽楦、防水" in side and "评分 暂无" in side and "n/a" not in side
