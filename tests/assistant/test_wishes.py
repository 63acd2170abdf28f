"""The line that says which products shown have the shopper's latest wish, from their own texts."""

from __future__ import annotations

import pytest

from assistant.chat.wishes import wish_line
from ranking.records import RankedItem
from retrieval.records import Product


def shoe(pid, name, cushioning, features, description=""):
    return Product(
        pid,
        f"Fleetfoot {name} Running Shoes, Black",
        description,
        ("Sports", "Running Shoes"),
        "Fleetfoot",
        99.0,
        attributes={"cushioning": cushioning, "features": features, "color": "black"},
    )


SHOWN = [
    RankedItem(shoe("P1", "Glide 3", "plush", "breathable, wide fit"), 1.0, evidence=("it stays dry",)),
    RankedItem(shoe("P2", "Arc 2", "firm", "lightweight"), 0.9),
    RankedItem(shoe("P3", "Pace 5", "plush", "waterproof"), 0.8),
]


def test_it_names_the_products_whose_attributes_have_the_wish():
    line = wish_line("with plush cushioning", SHOWN, "en")
    assert line == (
        "Of these, the Fleetfoot Glide 3 Running Shoes and the Fleetfoot Pace 5 Running Shoes have what you "
        "asked for (cushioning: plush)."
    )


def test_a_feature_is_read_in_its_other_spellings_and_never_from_a_review():
    """ "Water-proof" asks for the "waterproof" feature; the Glide 3's review says it stays dry, but a
    review is a shopper's word, not the catalog's."""
    line = wish_line("any that are water-proof", SHOWN, "en")
    assert line.startswith("Of these, the Fleetfoot Pace 5 Running Shoes has what you asked for (waterproof)")
    assert "Glide" not in line and "Arc" not in line


def test_a_text_that_says_a_product_lacks_the_feature_does_not_count_as_having_it():
    dry = shoe("P4", "Zen 1", "firm", "lightweight", "A road racer. Not waterproof, so keep it for dry days.")
    assert wish_line("waterproof ones", [RankedItem(dry, 1.0)], "en").startswith("None of these lists")


def test_when_none_has_it_the_line_says_so_instead_of_implying_it():
    line = wish_line("without fragrance", SHOWN, "en")
    assert line.startswith("None of these lists what you asked for (fragrance free)")


def test_all_of_them_and_chinese():
    assert wish_line("in black", SHOWN, "en") == "All 3 have what you asked for (black)."
    assert wish_line("防水", SHOWN, "zh") == "其中Fleetfoot Pace 5 Running Shoes符合你说的“防水”。"
    assert wish_line("不含香精", SHOWN, "zh").startswith("这些商品的说明都没有写到“不含香精”")
    assert wish_line("不要有香味", SHOWN, "zh").startswith("这些商品的说明都没有写到“不要有香味”")
    scentless = shoe("P5", "Calm 2", "firm", "fragrance free")
    assert wish_line("不要有香味", [RankedItem(scentless, 1.0)], "zh") == "它符合你说的“不要有香味”。"


@pytest.mark.parametrize("wish", ["for my son", "in a bigger size", "that my wife would like", ""])
def test_a_wish_that_names_nothing_a_catalog_settles_gets_no_line(wish):
    assert wish_line(wish, SHOWN, "en") == ""
