"""A query in another language than the catalog's: the channels weigh by the query's language, and an
injected translator (the facade passes the language model's) lets the English channels read it too."""

from __future__ import annotations

from dataclasses import replace

import pytest

from retrieval.index import MULTILINGUAL, PRODUCTS, CatalogIndex
from retrieval.search import HybridSearcher
from tests.support.fakes import HashingEncoder

NEED = "下雨天走泥泞的山路"  # "walking muddy mountain paths on rainy days"


class OtherHashing(HashingEncoder):
    """A second fake encoder standing in for the multilingual one (it reads Chinese as unrelated words)."""

    name = "test-multilingual"


class FakeTranslator:
    def __init__(self, answer="waterproof hiking boots", fail=False):
        self.answer, self.fail, self.calls = answer, fail, []

    def __call__(self, text: str) -> str:
        self.calls.append(text)
        if self.fail:
            raise RuntimeError("the model server is down")
        return self.answer


@pytest.fixture
def searcher(small_catalog, hashing_encoder, tmp_path):
    index = CatalogIndex(
        small_catalog, hashing_encoder, path=tmp_path / "chroma", multilingual=OtherHashing()
    )
    index.sync(rebuild=True)
    return HybridSearcher(index, small_catalog)


def _says(plan):
    """What the category step reads of a plan: each channel's say."""
    return {r.channel: r.weight for r in plan.category}


def test_the_query_language_decides_the_channel_weights(searcher):
    w = replace(searcher.weights, dense=1.0, lexical=5.0, multilingual=0.0, reviews=0.6, translated=0.5)
    searcher.weights = w
    english = searcher._plan("waterproof hiking boots", "hybrid")
    assert (english.dense, english.multilingual, english.lexical, english.reviews) == (1.0, 0.0, 5.0, 0.6)
    assert PRODUCTS in english.vectors
    # Chinese without a translator: the English encoder and the English reviews would read noise.
    alone = searcher._plan(NEED, "hybrid")
    assert (alone.dense, alone.multilingual, alone.reviews) == (0.0, 1.0, 0.0)
    assert set(alone.vectors) == {MULTILINGUAL} and _says(alone) == {MULTILINGUAL: 1.0}
    # With one, the English channels read the translation at `translated` x their weights.
    searcher.translate = FakeTranslator()
    both = searcher._plan(NEED, "hybrid")
    assert both.text == "waterproof hiking boots"
    assert (both.dense, both.multilingual, both.lexical, both.reviews) == (0.5, 1.0, 2.5, 0.3)
    assert set(both.vectors) == {PRODUCTS, MULTILINGUAL}
    assert _says(both) == {MULTILINGUAL: 1.0, PRODUCTS: w.category_translated}


def test_a_translated_chinese_need_finds_the_english_products_bm25_and_dense_read(searcher):
    translate = FakeTranslator()
    searcher.translate = translate
    found = searcher.search(NEED, k=3)
    assert [c.product.category[-1] for c in found] == ["Hiking Boots"] * 3
    assert found[0].product.id == "B1" and found[0].lexical_score is not None
    # Remembered per query: the chat asks the category step, then searches; the model runs once.
    searcher.guess_category(NEED)
    searcher.search(NEED, k=5)
    assert translate.calls == [NEED]


def test_sure_english_queries_and_a_zero_weight_never_call_the_translator(searcher):
    translate = FakeTranslator()
    searcher.translate = translate
    assert searcher.guess_category("drip coffee maker").probs[0] >= searcher.weights.rewrite_below
    searcher.search("drip coffee maker", k=3)
    assert translate.calls == []
    searcher.weights = replace(searcher.weights, translated=0.0)
    searcher.search(NEED, k=3)
    assert translate.calls == []


@pytest.mark.parametrize(
    "translate",
    [FakeTranslator(fail=True), FakeTranslator(answer="下雨天的登山鞋"), FakeTranslator(answer="  ")],
    ids=["fails", "answers-in-chinese", "answers-nothing"],
)
def test_a_translator_that_fails_leaves_the_query_to_the_multilingual_view(searcher, translate):
    searcher.translate = translate
    plan = searcher._plan(NEED, "hybrid")
    assert plan.text == NEED and plan.dense == 0.0 and set(plan.vectors) == {MULTILINGUAL}
    assert searcher.search(NEED, k=3) is not None  # search goes on
    assert translate.calls == [NEED]  # and the failure is remembered, not retried per search


def test_without_a_multilingual_view_a_translation_is_read_by_the_english_channels(
    small_catalog, hashing_encoder, tmp_path
):
    index = CatalogIndex(small_catalog, hashing_encoder, path=tmp_path / "chroma")  # SHOPMATE_MULTILINGUAL=0
    index.sync(rebuild=True)
    searcher = HybridSearcher(index, small_catalog)
    plain = searcher._plan(NEED, "hybrid")
    assert plain.text == NEED and set(plain.vectors) == {PRODUCTS}  # as before: read as any query
    searcher.translate = FakeTranslator()
    plan = searcher._plan(NEED, "hybrid")
    assert plan.text == "waterproof hiking boots" and set(plan.vectors) == {PRODUCTS}
    assert plan.multilingual == 0.0 and _says(plan) == {PRODUCTS: 1.0}
    assert searcher.search(NEED, k=1)[0].product.id == "B1"
    searcher.translate = FakeTranslator(fail=True)
    assert searcher._plan(NEED + "吗", "hybrid").dense == searcher.weights.dense


UNSURE = "a present for my dad"  # no word of either kind: the category step cannot tell


def test_an_unsure_english_need_is_read_again_with_the_models_rewrite(searcher):
    plain = searcher.guess_category(UNSURE)
    assert plain.probs[0] < searcher.weights.rewrite_below
    translate = FakeTranslator(answer="drip coffee maker")
    searcher.translate = translate
    guess = searcher.guess_category(UNSURE)
    assert guess.top == "Coffee Makers" and guess.probs[0] > plain.probs[0]
    # The search gates on the same guess, and the model ran once for the chat's guess and the search.
    assert {c.product.category[-1] for c in searcher.search(UNSURE, k=3)} == {"Coffee Makers"}
    assert translate.calls == [UNSURE]


@pytest.mark.parametrize(
    "change",
    [{"category_rewrite": 0.0}, {"rewrite_below": 0.0}],
    ids=["no-say", "never-unsure-enough"],
)
def test_the_rewrite_is_off_with_a_zero_say_or_threshold(searcher, change):
    plain = searcher.guess_category(UNSURE)
    searcher.weights = replace(searcher.weights, **change)
    searcher.translate = translate = FakeTranslator(answer="drip coffee maker")
    assert searcher.guess_category(UNSURE) == plain and translate.calls == []


@pytest.mark.parametrize(
    "translate",
    [FakeTranslator(fail=True), FakeTranslator(answer="一份礼物"), FakeTranslator(answer=UNSURE.upper())],
    ids=["fails", "answers-in-chinese", "says-the-need-back"],
)
def test_a_rewrite_that_adds_nothing_leaves_the_guess_as_it_was(searcher, translate):
    plain = searcher.guess_category(UNSURE)
    searcher.translate = translate
    assert searcher.guess_category(UNSURE) == plain and translate.calls == [UNSURE]


@pytest.mark.parametrize("need", [UNSURE, NEED], ids=["english-unsure", "chinese"])
def test_the_quick_guess_reads_by_the_encoders_alone(searcher, need):
    """The chat's check of a wish ("one for my dry face") wants only a sure guess: no model call."""
    plain = searcher.guess_category(need)
    searcher.translate = translate = FakeTranslator(answer="drip coffee maker")
    assert searcher.guess_category(need, model=False) == plain and translate.calls == []
    assert searcher.guess_category(need) != plain and translate.calls == [need]


def test_the_category_step_is_learned_again_when_the_multilingual_view_comes_back(searcher):
    # Learned while the view was away (a bench toggling it), it must not read queries without it for good.
    multilingual, searcher.index.multilingual = searcher.index.multilingual, None
    assert set(searcher.kinds.products_) == {PRODUCTS}
    searcher.index.multilingual = multilingual
    assert set(searcher.kinds.products_) == {PRODUCTS, MULTILINGUAL}
