"""A question picking among the products shown, answered in code where the catalog settles it."""

from __future__ import annotations

import pytest

from assistant.chat.which import which_answer
from retrieval.records import Product

JACKETS = [
    Product(
        "J1",
        "Stormcrest Shell Rain Jacket, Navy",
        "A packable shell.",
        price=89.0,
        rating=4.2,
        rating_count=40,
    ),
    Product(
        "J2",
        "Stormcrest Trek Rain Jacket",
        "Fully waterproof with taped seams.",
        price=129.0,
        rating=4.7,
        rating_count=12,
        attributes={"features": "waterproof, hood"},
    ),
    Product(
        "J3",
        "Driftline Light Jacket (M)",
        "A light layer for breezy days.",
        price=59.5,
        rating=4.7,
        rating_count=3,
    ),
]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("which is the cheapest?", "The Driftline Light Jacket ($59.50) is the cheapest of these."),
        ("which one is cheaper?", "The Driftline Light Jacket ($59.50) is the cheapest of these."),
        (
            "which is the most expensive?",
            "The Stormcrest Trek Rain Jacket ($129.00) is the most expensive of these.",
        ),
        # A tie names both; a rating is the catalog's, never rounded up.
        (
            "which is the best rated?",
            "The Stormcrest Trek Rain Jacket (4.7/5) and the Driftline Light Jacket (4.7/5) are the best rated of these.",
        ),
        (
            "which is the most popular?",
            "The Stormcrest Shell Rain Jacket (40 ratings) has the most ratings of these.",
        ),
        ("哪款最便宜？", "这几款里最便宜的是Driftline Light Jacket（$59.50）。"),
    ],
)
def test_a_price_or_rating_superlative_is_answered_from_the_catalog(question, answer):
    assert which_answer(question, JACKETS, "zh" if question.startswith("哪") else "en").text == answer


def test_a_product_with_no_price_is_not_taken_for_the_cheapest_and_is_said_to_have_none():
    products = [*JACKETS, Product("J4", "Unpriced Jacket", "", rating=3.0)]
    assert which_answer("which is the cheapest?", products, "en").text == (
        "The Driftline Light Jacket ($59.50) is the cheapest of these (1 of them does not list one)."
    )
    unrated = [Product("A", "A"), Product("B", "B")]
    assert which_answer("which is the cheapest?", unrated, "en").text == "None of these lists a price."
    assert which_answer("哪款评分最高？", unrated, "zh").text == "这几款都还没有评分。"
    assert which_answer("which is the most popular?", unrated, "en").text == "None of these has a rating yet."


@pytest.mark.parametrize(
    ("question", "language", "answer"),
    [
        (
            "which ones are waterproof?",
            "en",
            'Of these, only the Stormcrest Trek Rain Jacket lists "waterproof" in its catalog details.',
        ),
        ("哪款防水？", "zh", "按商品信息，写明防水的是Stormcrest Trek Rain Jacket；其他几款没有写到。"),
        (
            "which is noise cancelling?",
            "en",
            'None of these lists "noise cancelling" in its catalog details.',
        ),
        # "Lightest" is no number the catalog holds: which products list the feature is what it settles.
        ("哪件最轻？", "zh", "这几款的商品信息都没有写到轻便。"),
    ],
)
def test_a_feature_is_answered_from_each_products_own_catalog_texts(question, language, answer):
    assert which_answer(question, JACKETS, language).text == answer


@pytest.mark.parametrize(
    ("question", "picked"),
    [
        ("which is the cheapest?", ("J3",)),
        ("which is the best rated?", ("J2", "J3")),  # a tie picks both
        ("which ones are waterproof?", ("J2",)),
        ("which is noise cancelling?", ()),  # none has it: nothing picked
    ],
)
def test_the_answer_says_which_products_it_picked(question, picked):
    assert which_answer(question, JACKETS, "en").picked == picked


@pytest.mark.parametrize("question", ["which is best for cycling?", "which would you pick?", "哪个更好看？"])
def test_what_the_catalog_cannot_settle_is_left_to_the_model(question):
    assert which_answer(question, JACKETS, "en") is None


def test_one_product_is_no_choice():
    assert which_answer("which is the cheapest?", JACKETS[:1], "en") is None
