"""Understanding a turn: asking back when a need fits two kinds, reading the answer, and "it"/"them"
after a list as a question about the products shown."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.chat.dialogue import understand
from assistant.chat.sessions import DialogueState
from retrieval.categories import CategoryGuess

CATEGORIES = [("Clothing", "Rain Jackets"), ("Beauty", "Skincare"), ("Sports & Outdoors", "Running Shoes")]
BRANDS = ["Stormcrest", "Purelle", "Fleetfoot"]
SHOWN = DialogueState(need="running shoes for long runs", filters={}, shown=["P1", "P2", "P3"])


def guess_kind(text: str) -> CategoryGuess:
    """The category step's answer for these tests: "dry" alone is both kinds, context settles it."""
    lowered = text.lower()
    if any(w in lowered for w in ("rain", "jacket", "walk", "雨")):
        return CategoryGuess(("Rain Jackets", "Skincare", "Running Shoes"), (0.9, 0.08, 0.02))
    if any(w in lowered for w in ("skin", "face", "moisturizer", "脸")):
        return CategoryGuess(("Skincare", "Rain Jackets", "Running Shoes"), (0.9, 0.08, 0.02))
    if "dry" in lowered or "干" in text:
        return CategoryGuess(("Rain Jackets", "Skincare", "Running Shoes"), (0.5, 0.45, 0.05))
    return CategoryGuess(("Running Shoes", "Rain Jackets", "Skincare"), (0.8, 0.1, 0.1))


def ask(message, state=None, guess=guess_kind):
    return understand(message, state or DialogueState(), BRANDS, CATEGORIES, {}, guess_kind=guess)


@pytest.mark.parametrize("message", ["something to keep me dry", "I need something for dry days"])
def test_a_need_between_two_kinds_is_asked_back_naming_both(message):
    turn = ask(message)
    assert turn.intent == "clarify"
    assert "rain jackets" in turn.question and "skincare" in turn.question and turn.question.endswith("?")
    assert turn.state.pending == ["Rain Jackets", "Skincare"] and turn.state.need


def test_the_question_is_in_the_shoppers_language():
    turn = ask("想要能保持干爽的东西")
    assert turn.intent == "clarify" and turn.question.endswith("？") and "雨衣" in turn.question


@pytest.mark.parametrize(
    "message",
    [
        "stay dry on my walk to work",
        "my face is dry and flaky",
        "dry skincare for winter",
        "shoes for my first marathon",
    ],
)
def test_a_clear_need_or_a_named_kind_is_not_asked_back(message):
    turn = ask(message)
    assert turn.intent == "need" and turn.question is None and not turn.state.pending


def test_a_need_naming_a_brand_is_not_asked_back_between_kinds():
    turn = ask("something from Stormcrest to keep me dry")
    assert turn.intent == "need" and turn.question is None and not turn.state.pending
    assert turn.state.filters["brands"] == ["Stormcrest"]


@pytest.mark.parametrize(
    ("answer", "language"), [("not that one", "en"), ("something else", "en"), ("换一个", "zh")]
)
def test_turning_down_both_kinds_asks_what_kind_instead_of_refining(answer, language):
    asked = ask("something to keep me dry" if language == "en" else "想要能保持干爽的东西")
    turn = ask(answer, asked.state)
    assert turn.intent == "clarify" and not turn.state.pending and not turn.state.filters.get("exclude_ids")
    assert ("？" if language == "zh" else "?") in turn.question
    assert "rain jackets" not in turn.question.lower()
    follow = ask("a water bottle for the gym", turn.state)
    assert follow.intent == "need" and "water bottle" in follow.state.need


def test_without_the_category_step_nothing_is_asked_back():
    assert ask("something to keep me dry", guess=None).intent == "need"


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ("the rain jacket", "Rain Jackets"),
        ("a moisturizer please", "Skincare"),
        ("Skincare", "Skincare"),
        ("the second", "Skincare"),
        ("前者", "Rain Jackets"),
        ("雨衣", "Rain Jackets"),
        ("for my face", "Skincare"),
    ],
)
def test_the_answer_settles_the_kind_and_keeps_the_need(answer, kind):
    asked = ask("something to keep me dry under $80")
    turn = ask(answer, asked.state)
    assert turn.intent == "need"
    assert turn.state.filters["categories"] == [kind] and turn.state.filters["max_price"] == 80
    assert turn.state.need == asked.state.need and not turn.state.pending


def test_an_answer_that_picks_neither_is_read_as_a_turn_of_its_own():
    asked = ask("something to keep me dry")
    turn = ask("what is your return policy?", asked.state)
    assert turn.intent == "faq" and not turn.state.pending


@pytest.mark.parametrize(
    "message",
    [
        "does it run small?",
        "is it waterproof?",
        "how long does it last on long runs?",
        "它偏小吗？",
        "这双鞋透气吗",
    ],
)
def test_a_question_about_it_after_a_list_is_about_the_products_shown(message):
    turn = ask(message, SHOWN)
    assert turn.intent == "product_question" and turn.targets == ("P1",)


def test_an_ordinal_question_names_its_product():
    turn = ask("does the second one run small?", SHOWN)
    assert turn.intent == "product_question" and turn.targets == ("P2",)


@pytest.mark.parametrize(
    "message",
    [
        "now I need a rain jacket for my runs",
        "what about skincare for dry skin?",
        "I also want something to keep me warm and dry on my runs",
    ],
)
def test_a_new_need_after_a_list_is_still_a_need(message):
    turn = ask(message, SHOWN)
    assert turn.intent in ("need", "clarify")


def test_only_categories_that_read_as_kinds_are_offered_when_asking_back():
    from retrieval.categories import names_a_kind

    assert names_a_kind("Rain Jackets") and names_a_kind("Gift Cards") and names_a_kind("跑鞋")
    assert not names_a_kind("No expiration, no fees.") and not names_a_kind("")


@pytest.mark.parametrize("message", ["something better rated", "any higher rated ones?", "有没有评分高的"])
def test_asking_for_better_rated_refines_the_need_shown(message):
    """ "Something better rated" keeps the kind of product being shown (it once started a new need of
    its own words, and the shopper's history filled the list with another kind)."""
    turn = ask(message, SHOWN)
    assert turn.intent == "refine"
    assert turn.state.need == SHOWN.need and turn.state.filters["min_rating"] == 4.0


def test_a_new_kind_asked_for_well_rated_is_a_new_need_with_that_limit():
    turn = ask("highly rated rain jackets", SHOWN)
    assert turn.intent == "need" and turn.state.filters["min_rating"] == 4.0
    assert turn.state.filters["categories"] == ["Rain Jackets"]


@pytest.mark.parametrize(
    ("message", "wish"),
    [
        ("one with more cushioning please", "with more cushioning"),
        ("ones that are wider?", "that are wider"),
        ("any with a wide toe box", "with a wide toe box"),
        ("what about one for my son", "for my son"),
        ("one for my dry feet", "for my dry feet"),  # "one" is the kind shown, whatever the wish says
        ("the same one but in a bigger size", "in a bigger size"),
    ],
)
def test_one_more_wish_after_a_list_refines_the_need_shown(message, wish):
    turn = ask(message, SHOWN)
    assert turn.intent == "refine" and turn.state.need == SHOWN.need
    assert turn.state.extra_terms == [wish] and turn.state.shown == SHOWN.shown


@pytest.mark.parametrize(
    ("message", "wish"),
    [
        ("有没有不含香精的", "不含香精"),
        ("那有没有防水的？", "防水"),
        ("换个大一点的", "大一点"),
        ("要轻一点的吗", "轻一点"),
        # Without a 的: what the shopper wants, or does not want (the negation stays in the wish).
        ("不要有香味", "不要有香味"),
        ("最好轻一点", "轻一点"),
        ("那要防水吧", "防水"),
        ("希望不含酒精", "不含酒精"),
    ],
)
def test_a_chinese_wish_for_one_more_refines_the_need_shown(message, wish):
    """ "有没有不含香精的" once kept the list as it was: read as a refinement, with nothing of the wish."""
    turn = ask(message, SHOWN)
    assert turn.intent == "refine" and turn.state.need == SHOWN.need
    assert turn.state.extra_terms == [wish]


def test_not_too_dear_in_chinese_is_cheaper_than_the_list_not_a_wish_of_words():
    turn = understand("别太贵", SHOWN, BRANDS, CATEGORIES, {"P1": 80.0, "P2": 120.0, "P3": 100.0})
    assert turn.intent == "refine" and turn.state.extra_terms == []
    assert turn.state.filters["max_price"] == 99.99


@pytest.mark.parametrize("message", ["有没有防水的跑鞋", "有没有评分高的", "要一双跑鞋"])
def test_a_chinese_message_that_names_a_kind_or_a_limit_is_read_as_before(message):
    turn = ask(message, SHOWN)
    assert turn.state.extra_terms == []
    assert turn.state.filters["categories"] == ["Running Shoes"] or turn.state.filters["min_rating"] == 4.0


@pytest.mark.parametrize(
    ("message", "other"),
    [("one for my dry face", "Skincare"), ("what about one for the rain", "Rain Jackets")],
)
def test_a_wish_surely_about_another_kind_is_asked_back(message, other):
    """ "One" says the running shoes shown; "for my dry face" says skincare. Asking settles it, and the
    answer searches that kind with the wish."""
    turn = ask(message, SHOWN)
    assert turn.intent == "clarify" and turn.state.pending == ["Running Shoes", other]
    assert "running shoes" in turn.question and other.lower() in turn.question
    answer = ask(other.lower(), turn.state)
    assert answer.intent == "need" and answer.state.filters["categories"] == [other]
    # The wish alone: "running shoes for long runs" would pull running shoes back into the search.
    assert answer.state.need == turn.state.need and "running" not in answer.state.need
    assert answer.state.need in message and not answer.state.extra_terms
    kept = ask("running shoes", turn.state)
    assert kept.state.filters["categories"] == ["Running Shoes"] and kept.state.need == answer.state.need


def test_a_wish_is_read_by_the_quick_guess_when_there_is_one():
    """The wish needs a sure guess of another kind, not the model's rewrite: the quick guess reads it."""
    read = []

    def quick(text):
        read.append(text)
        return guess_kind(text)

    def slow(text):
        assert "face" not in text, "the wish went to the guess that may call the model"
        return guess_kind(text)

    turn = understand(
        "one for my dry face", SHOWN, BRANDS, CATEGORIES, {}, guess_kind=slow, quick_guess=quick
    )
    assert turn.intent == "clarify" and read == ["for my dry face"]


@pytest.mark.parametrize("message", ["one that is rainproof", "有没有防水的"])
def test_a_wish_for_a_feature_the_store_lists_refines_even_when_it_reads_as_another_kind(message):
    """ "Rainproof" alone reads as rain jackets, but it is a feature running shoes have: no question."""

    def rainy(text):
        return guess_kind("rain" if message in text or text in message else text)

    turn = ask(message, SHOWN, guess=rainy)
    assert turn.intent == "refine" and turn.state.extra_terms and turn.state.need == SHOWN.need


def test_one_more_wish_keeps_the_limits_set_before_and_adds_its_own():
    state = DialogueState(need=SHOWN.need, filters={"max_price": 120.0}, shown=SHOWN.shown)
    assert ask("one with more cushioning", state).state.filters["max_price"] == 120.0
    assert ask("one with more cushioning under $80", state).state.filters["max_price"] == 80.0


@pytest.mark.parametrize(
    ("message", "state"),
    [
        ("one without fragrance please", DialogueState()),  # nothing shown to refine
        ("one pair of rain jackets for hiking", SHOWN),  # names a kind
    ],
    ids=["nothing-shown", "names-a-kind"],
)
def test_a_one_phrase_that_is_no_wish_about_the_list_is_not_a_refinement(message, state):
    assert ask(message, state).intent != "refine"


@pytest.mark.parametrize(
    ("message", "target"),
    [
        # No "it", yet about the products shown: read as needs, these searched the catalog for "battery".
        ("what's the battery life like?", "P1"),
        ("how big is the bottle?", "P1"),
        ("what do reviewers say about the cushioning?", "P1"),
        ("how long does the battery last?", "P1"),  # "last" as a verb, not the last product
        ("is the last one waterproof?", "P3"),
        ("tell me more about the second", "P2"),
        ("第三个多少钱", "P3"),
    ],
)
def test_a_question_with_no_new_need_after_a_list_is_about_the_products_shown(message, target):
    turn = ask(message, SHOWN)
    assert turn.intent == "product_question" and turn.targets == (target,)


@pytest.mark.parametrize(
    "message",
    [
        "I have wide feet",
        "my feet hurt after long runs",
        "I run on trails mostly",
        "我脚比较宽",
        "我是扁平足",
    ],
)
def test_what_a_shopper_tells_of_themselves_refines_the_kind_shown(message):
    """Read as new needs, these searched the whole catalog for "wide feet" and dropped the kind shown;
    "我脚比较宽" was a comparison (比较 as "rather")."""
    turn = ask(message, SHOWN)
    assert turn.intent == "refine" and turn.state.need == SHOWN.need and turn.state.extra_terms == [message]


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("I need rain jackets", "need"),  # asks for something: a need
        ("I have dry skin", "clarify"),  # surely another kind: asked back, not read as shoes
        ("I like the first one", "refine"),  # tells nothing of the shopper: the list stays as it is
        ("比较一下第一个和第二个", "compare"),
    ],
)
def test_a_statement_that_asks_for_another_kind_or_tells_nothing_is_no_situation(message, intent):
    turn = ask(message, SHOWN)
    assert turn.intent == intent and turn.state.extra_terms == []


def test_it_means_the_product_the_last_answer_was_about():
    third = ask("does the third one run small?", SHOWN)
    assert third.targets == ("P3",) and third.state.focus == "P3"
    for follow_up in ("is it waterproof?", "它防水吗？"):
        assert ask(follow_up, third.state).targets == ("P3",)
    assert ask("is the first one waterproof?", third.state).targets == ("P1",)  # a place named wins
    gone = replace(third.state, shown=["P7", "P8"])  # a focus from an earlier list means nothing now
    assert ask("is it waterproof?", gone).targets == ("P7",)


@pytest.mark.parametrize(
    "message",
    [
        "which one has the best grip?",
        "which is the cheapest?",
        "which would you pick?",
        "are all of them breathable?",
        "do any of these have a wide toe box?",
        "哪款最便宜",
        "哪双最轻？",
        "这几双都防水吗？",
    ],
)
def test_a_question_picking_among_the_products_shown_is_about_all_of_them(message):
    turn = ask(message, SHOWN)
    assert turn.intent == "which" and turn.targets == ("P1", "P2", "P3")
    assert turn.state.shown == SHOWN.shown and turn.state.need == SHOWN.need


@pytest.mark.parametrize("message", ["are they waterproof?", "do these come in wide sizes?", "它们防水吗？"])
def test_they_right_after_a_list_is_the_whole_list_and_after_an_answer_the_product_it_was_about(message):
    """ "Are they waterproof?" after four shoes asked about the first alone."""
    turn = ask(message, SHOWN)
    assert turn.intent == "which" and turn.targets == ("P1", "P2", "P3")
    third = ask("does the third one run small?", SHOWN)
    assert ask(message, third.state).targets == ("P3",)  # the pair just answered about


@pytest.mark.parametrize("message", ["any cheaper than these?", "do you have ones like these in red?"])
def test_they_in_a_refinement_still_refines(message):
    prices = {"P1": 90.0, "P2": 60.0, "P3": 120.0}
    assert understand(message, SHOWN, BRANDS, CATEGORIES, prices, guess_kind=guess_kind).intent == "refine"


@pytest.mark.parametrize(
    ("message", "targets"),
    [
        ("which of the first and the third is lighter?", ("P1", "P3")),
        ("which is lighter, the second or last?", ("P2", "P3")),  # "last" after "second or" is a place
    ],
)
def test_a_question_picking_between_two_named_products_is_about_those_two(message, targets):
    turn = ask(message, SHOWN)
    assert turn.intent == "which" and turn.targets == targets


@pytest.mark.parametrize(
    "message",
    [
        "what's a good gift for my dad who runs?",
        "do you have rain jackets?",
        "something for the rain?",
        "which rain jacket is best for cycling?",  # names a kind: a need, not a pick among running shoes
        "what's good for dry skin?",  # no cue word, but surely another kind
        "有没有适合送爸爸的礼物？",
    ],
)
def test_a_question_asking_for_something_new_after_a_list_is_a_need(message):
    turn = ask(message, SHOWN)
    assert turn.intent in ("need", "clarify") and not turn.targets
