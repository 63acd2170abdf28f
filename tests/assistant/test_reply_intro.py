"""The reply's first line, written in code: the count and kind read as a sentence a person would write."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.chat.prompts import intro_template, question_header
from retrieval.query import SearchFilters
from retrieval.records import Product


def item(*category: str) -> SimpleNamespace:
    return SimpleNamespace(product=SimpleNamespace(category=category))


def intro(kind: str, n: int = 4, language: str = "en", **limits) -> str:
    return intro_template(
        [item("Shop", kind)] * n, SearchFilters(categories=(kind,), **limits), language, False
    )


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("Running Shoes", "Here are 4 running shoes:"),
        ("Gift Cards", "Here are 4 gift cards:"),
        # Not things one counts: "4 skincare" and "4 yoga & fitness" were shown to shoppers.
        ("Skincare", "Here are 4 picks in Skincare:"),
        ("Yoga & Fitness", "Here are 4 picks in Yoga & Fitness:"),
        ("Glass", "Here are 4 picks in Glass:"),
    ],
)
def test_the_kind_reads_as_a_count_or_a_department(kind, expected):
    assert intro(kind) == expected


def test_the_shoppers_limits_follow_the_kind():
    assert (
        intro("Skincare", 1, brands=("Aurum Botanics",))
        == "Here is one option in Skincare from Aurum Botanics:"
    )


def test_a_chinese_intro_names_the_kind_in_chinese_where_it_can():
    assert intro("Running Shoes", 2, "zh") == "为你找到2款跑鞋："
    assert intro("Yoga & Fitness", 2, "zh") == "为你找到2款Yoga & Fitness："


def test_a_list_of_mixed_kinds_is_not_named_after_its_first():
    """A vague need ranked by a shopper's history can mix kinds: the line must not call them all knives."""
    mixed = [item("Home", "Kitchen Knives"), item("Sports", "Running Shoes")]
    assert intro_template(mixed, SearchFilters(), "en", False) == "Here are 2 options:"
    same = [item("Home", "Kitchen Knives")] * 2
    assert intro_template(same, SearchFilters(), "en", False) == "Here are 2 kitchen knives:"


def test_a_kind_in_the_filters_is_not_named_over_products_of_another():
    """Skincare chosen after "a backpack for my commute": the need's words brought backpacks back, and the
    line read "Here are 4 picks in Skincare:" over them."""
    bags = [item("Bags", "Backpacks")] * 2
    wanted = SearchFilters(categories=("Skincare",))
    assert intro_template(bags, wanted, "en", False) == "Here are 2 backpacks:"
    mixed = [item("Beauty", "Skincare"), item("Bags", "Backpacks")]
    assert intro_template(mixed, wanted, "en", False) == "Here are 2 options:"
    parent = [item("Outdoor", "Running Shoes"), item("Outdoor", "Hiking Boots")]
    assert intro_template(parent, SearchFilters(categories=("Outdoor",)), "en", False) == (
        "Here are 2 picks in Outdoor:"
    )


def test_a_question_header_does_not_double_a_titles_article():
    """From the Gift Cards bench: "About the The Steeping Room Gift Card"."""
    card = Product(id="B1", title="The Steeping Room Gift Card", price=25.0)
    assert question_header(card, "en") == "About The Steeping Room Gift Card [B1] ($25.00):"
    assert question_header(Product(id="B2", title="Theo Tea Gift Card", price=25.0), "en").startswith(
        "About the Theo"
    )
