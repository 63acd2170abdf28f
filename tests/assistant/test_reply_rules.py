"""The reply's rules: each has sentences it must catch (from replies a shopper actually got) and
sentences it must let through."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.reply_rules import CatalogNames, ReplyContext, ShownProduct, check_sentence

SHOES = ShownProduct(
    "P1",
    "Stridewell Luma 8 Plus Running Shoes, Blue",
    "Stridewell",
    95.99,
    4.4,
    "stridewell luma 8 plus running shoes, blue. breathable and cut for wide feet. color blue "
    "comfortable from the first minute, and i ordered half a size up.",
)
CHEAP = ShownProduct(
    "P2",
    "Fleetfoot Vista 2 Pro Running Shoes, Black",
    "Fleetfoot",
    46.99,
    3.9,
    "fleetfoot vista 2 pro running shoes, black. remarkably lightweight and all-day comfortable.",
)
HEADPHONES = ShownProduct(
    "P3",
    "Auralis Core 8 Max Wireless Headphones",
    "Auralis",
    129.0,
    4.6,
    "auralis core 8 max wireless headphones: all-day comfortable and remarkably lightweight.",
)
CATALOG = CatalogNames(
    [
        ("P1", SHOES.title),
        ("P2", CHEAP.title),
        ("P3", HEADPHONES.title),
        ("P9", "Verdant Skin Daily Mineral Sunscreen SPF 50"),
    ]
)
KETTLE = ShownProduct(
    "P4",
    "Brewline Pour 1 Gooseneck Kettle",
    "Brewline",
    39.0,
    4.5,
    "brewline pour 1 gooseneck kettle. easy to use, well made and great value for the price.",
)
GIFT_CARD = ShownProduct(
    "P5", "Banana Republic Gift Card", "Banana Republic", None, None, "banana republic gift card."
)
REVIEWS = ("Comfortable from the first minute, and I ordered half a size up.",)


EXAMPLE = "For rocky trails the Trailmoss Ridge 4 suits you best: reviewers say their ankles felt steady on loose rock."


def ctx(*shown, language="en", words="running shoes under $120", limits=(120.0,)):
    return ReplyContext(tuple(shown), language, words, limits, REVIEWS, CATALOG, ("Trailmoss",), (EXAMPLE,))


def rules(sentence, context):
    return {b.rule for b in check_sentence(sentence, context)}


@pytest.mark.parametrize(
    "sentence, context",
    [
        ("The Fleetfoot Vista 2 Pro is not easy to use.", ctx(CHEAP)),
        ("Vibram soles are known for their durability.", ctx(SHOES)),
        ("The Stridewell Luma 8 Plus is a good quality shoe at a fair price.", ctx(SHOES)),
        ("Stridewell is a trusted brand among runners.", ctx(SHOES)),
        ("The Auralis Core 8 Max is a popular choice and great value.", ctx(HEADPHONES)),
        ("这款耳机做工很好，质量不错。", ctx(HEADPHONES, language="zh", words="耳机")),
        ("The kettle is easy to use but not reliable.", ctx(KETTLE, words="kettle")),
    ],
)
def test_judgements_no_text_supports_are_caught(sentence, context):
    """From replies a careful reader marked: opinions and world knowledge the texts never give."""
    assert "attribute" in rules(sentence, context)


@pytest.mark.parametrize(
    "sentence",
    [
        "The Brewline Pour 1 is easy to use and well made.",
        "It is great value for the price.",
        "The listing does not say whether it is reliable.",
    ],
)
def test_judgements_the_texts_give_pass(sentence):
    assert check_sentence(sentence, ctx(KETTLE, words="kettle")) == []


@pytest.mark.parametrize(
    "sentence, context, rule",
    [
        (
            "Based on the FACTS provided, the shopper would likely choose the Stridewell.",
            ctx(SHOES, CHEAP),
            "address",
        ),
        ("The shopper likes Headphones and Skincare.", ctx(SHOES), "address"),
        ("FACTS: 1. Stridewell Luma 8 Plus.", ctx(SHOES), "prompt_words"),
        ("Based on the information provided, these fit well.", ctx(SHOES), "prompt_words"),
        ("根据提供的信息，这款鞋很适合你。", ctx(SHOES, language="zh", words="跑鞋"), "prompt_words"),
        ("该用户喜欢跑步。", ctx(SHOES, language="zh", words="跑鞋"), "address"),
        ("You might also like the Verdant Skin Daily Mineral Sunscreen.", ctx(SHOES), "unshown_product"),
        (
            "The shoes come with Auralis Core 8 Max Wireless Headphones, which you mentioned you liked.",
            ctx(SHOES, CHEAP),
            "relation",
        ),
        (
            "The shoes come with Auralis Core 8 Max Wireless Headphones, which you mentioned you liked.",
            ctx(SHOES, CHEAP),
            "history",
        ),
        (
            "The Stridewell Luma 8 Plus ($95.99) is cheaper than the Fleetfoot Vista 2 Pro ($46.99).",
            ctx(SHOES, CHEAP),
            "comparison",
        ),
        (
            "The Fleetfoot Vista 2 Pro is lighter than the Stridewell Luma 8 Plus.",
            ctx(SHOES, CHEAP),
            "comparison",
        ),
        ("The Stridewell Luma 8 Plus is the cheapest here.", ctx(SHOES, CHEAP), "comparison"),
        ("These are better rated.", ctx(SHOES, CHEAP), "comparison"),
        (
            "The Cragline Vista 4 Max Hiking Boots, waterproof, comfortable, and suitable for your budget suit "
            "your hiking needs: waterproof, comfortable, and suitable for your budget.",
            ctx(SHOES),
            "garbled",
        ),
        (
            "The Banana Republic Gift Card suits your budget.",
            ctx(GIFT_CARD, words="gift card under $60", limits=(60.0,)),
            "limit",
        ),
        (
            "The Stridewell Luma 8 Plus suits your budget, but the Fleetfoot Vista 2 Pro is a better option "
            "for your needs.",
            ctx(SHOES, CHEAP),
            "comparison",
        ),
        (
            "The Fleetfoot Vista 2 Pro is better than the Stridewell Luma 8 Plus.",
            ctx(SHOES, CHEAP),
            "comparison",
        ),
        (
            "Fleetfoot Vista 2 Pro 比 Stridewell Luma 8 Plus 更好。",
            ctx(SHOES, CHEAP, language="zh", words="跑鞋"),
            "comparison",
        ),
        ("Yes, they are waterproof.", ctx(HEADPHONES, words="are they waterproof?"), "attribute"),
        ("是的，它们是防水的。", ctx(HEADPHONES, language="zh", words="防水吗"), "attribute"),
        ("The Fleetfoot Vista 2 Pro is cut for wide feet.", ctx(SHOES, CHEAP), "attribute"),
        ("The Stridewell Luma 8 Plus comes in red.", ctx(SHOES, CHEAP), "attribute"),
        ("The Stridewell Luma 8 Plus is not breathable.", ctx(SHOES, CHEAP), "attribute"),
        ("Comfortable from the first minute, and I ordered half a size up.", ctx(SHOES), "reviewer_voice"),
        (
            "They were comfortable from the first minute and i ordered half a size up",
            ctx(SHOES),
            "reviewer_voice",
        ),
        ("All of these fit within your budget of $60-$311.", ctx(SHOES, CHEAP), "limit"),
        ("They fit your budget nicely.", ctx(SHOES, words="running shoes", limits=()), "limit"),
        ("Since you bought the Verdant sunscreen last month, you will love these.", ctx(SHOES), "history"),
        ("You mentioned you need them for a marathon in the snow.", ctx(SHOES), "history"),
        ("The headphones pair well with the Stridewell Luma 8 Plus.", ctx(SHOES, HEADPHONES), "relation"),
        ("It comes with a carrying case and a spare cable.", ctx(HEADPHONES, words="headphones"), "relation"),
        ("These shoes are great for your runs.", ctx(SHOES, language="zh", words="跑鞋"), "language"),
        (
            "The first one does not run small: the description does not mention any size.",
            ctx(CHEAP),
            "attribute",
        ),
        ("Based on your profile, you will love these.", ctx(SHOES), "history"),
        ("It is light, and reviewers say it is waterproof.", ctx(CHEAP), "attribute"),
        (
            "The Fleetfoot Vista 2 Pro is great: reviewers say their ankles felt steady on loose rock.",
            ctx(CHEAP),
            "prompt_words",
        ),
        ("Running shoes under $120?", ctx(SHOES), "prompt_words"),
        ("We're an award winning pizzeria serving gourmet pizzas.", ctx(SHOES), "reviewer_voice"),
        ("Reviewers say the laces snap within a week of hard training.", ctx(SHOES), "reviewer_voice"),
        (
            "The description calls it breathable, and reviewers say it is breathable too.",
            ctx(SHOES),
            "attribute",
        ),
    ],
)
def test_each_rule_catches_what_a_shopper_was_shown(sentence, context, rule):
    assert rule in rules(sentence, context)


@pytest.mark.parametrize(
    "sentence, context",
    [
        (
            "The Stridewell Luma 8 Plus suits wide feet, and reviewers say it is comfortable from the first minute.",
            ctx(SHOES, CHEAP),
        ),
        ("The Fleetfoot Vista 2 Pro is cheaper than the Stridewell Luma 8 Plus.", ctx(SHOES, CHEAP)),
        ("The Fleetfoot Vista 2 Pro is the cheapest of these.", ctx(SHOES, CHEAP)),
        ("The Stridewell Luma 8 Plus is better rated than the Fleetfoot Vista 2 Pro.", ctx(SHOES, CHEAP)),
        ("Here are some cheaper options.", ctx(SHOES, CHEAP, words="cheaper")),
        ("One reviewer wrote: “I ordered half a size up.”", ctx(SHOES)),
        (
            "Reviewers say it is comfortable from the first minute and suggest ordering half a size up.",
            ctx(SHOES),
        ),
        (
            "The listing does not say whether the Auralis Core 8 Max is waterproof.",
            ctx(HEADPHONES, words="waterproof?"),
        ),
        ("I can't tell from the description if they are waterproof.", ctx(HEADPHONES, words="waterproof?")),
        (
            "The Auralis Core 8 Max Wireless Headphones are lightweight and comfortable for long days.",
            ctx(HEADPHONES),
        ),
        ("All of these are under your budget of $120.", ctx(SHOES, CHEAP)),
        ("You mentioned running, and the Stridewell Luma 8 Plus is breathable.", ctx(SHOES)),
        ("I picked the Stridewell Luma 8 Plus for you because it is breathable.", ctx(SHOES)),
        ("The blue Stridewell Luma 8 Plus is breathable and suits wide feet.", ctx(SHOES)),
        (
            "Stridewell Luma 8 Plus Running Shoes 透气，适合脚宽的你。",
            ctx(SHOES, language="zh", words="跑鞋"),
        ),
        ("Enjoy your runs!", ctx(SHOES)),
        (
            "The Banana Republic Gift Card is a gift they can spend on what they like.",
            ctx(GIFT_CARD, words="gift card"),
        ),
        ("Run far, run often, and run with friends who run with you.", ctx(SHOES)),
        (
            "The Stridewell Luma 8 Plus is a good fit for long runs, so you will feel better after them.",
            ctx(SHOES),
        ),
        (
            "For your runs the Stridewell Luma 8 Plus suits you best: it is described as breathable.",
            ctx(SHOES),
        ),
        ("The description doesn't say whether the Fleetfoot Vista 2 Pro runs small.", ctx(CHEAP)),
        ("The listing does not mention if it is waterproof, and reviewers do not say either.", ctx(CHEAP)),
    ],
)
def test_true_sentences_spoken_to_the_shopper_pass(sentence, context):
    assert check_sentence(sentence, context) == []


@given(st.text(max_size=300))
def test_the_rules_never_crash_on_any_text(text):
    for b in check_sentence(text, ctx(SHOES, CHEAP, HEADPHONES)):
        assert b.rule and b.detail
