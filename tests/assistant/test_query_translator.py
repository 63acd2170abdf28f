"""The language model writes a need in another language as an English search query for search; the Shop
passes it to the searcher only when settings.translate_queries asks for it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.config import Settings
from assistant.llm.types import GenerationParams
from assistant.query_translation import EXAMPLES, QueryTranslator, clean_answer
from assistant.shop import Shop


class ScriptedModel:
    def __init__(self, answer: str):
        self.name, self.answer, self.prompts = "scripted", answer, []

    def generate(self, prompts, params: GenerationParams) -> list[str]:
        self.prompts.extend(prompts)
        assert params.temperature == 0 and "\n" in params.stop  # greedy, one line
        return [self.answer for _ in prompts]

    def stream(self, messages, params):
        yield from self.generate([messages], params)


@pytest.mark.parametrize(
    ("answer", "query"),
    [
        ("noise cancelling headphones", "noise cancelling headphones"),
        ('Query: "noise cancelling headphones".', "noise cancelling headphones"),
        (
            "\n  English search query: headphones for the subway\nExplanation: ...",
            "headphones for the subway",
        ),
        ("one two three four five six seven eight nine ten eleven twelve thirteen", None),
    ],
)
def test_the_answer_is_one_short_clean_line(answer, query):
    cleaned = clean_answer(answer)
    if query is None:
        assert len(cleaned.split()) == 12 and cleaned.startswith("one two")
    else:
        assert cleaned == query


def test_the_prompt_ends_with_the_need_and_the_model_loads_on_first_use():
    model = ScriptedModel("noise cancelling headphones")
    loaded = []
    translate = QueryTranslator(lambda: loaded.append(1) or model)
    assert loaded == []
    assert translate("地铁上太吵了") == "noise cancelling headphones"
    (prompt,) = model.prompts
    assert prompt[0].role == "system" and prompt[-1].content == "地铁上太吵了"
    assert len(prompt) == 2 + 2 * len(EXAMPLES)
    # The worked examples are for products the demo store does not sell: they show the form only.
    assert not any(word in q for _, q in EXAMPLES for word in ("headphone", "boot", "jacket", "knife"))
    assert QueryTranslator(lambda: model)("地铁上太吵了") == "noise cancelling headphones"


def test_the_shop_passes_a_translator_only_when_asked(tmp_path):
    off = Shop(Settings(home=tmp_path / "off", llm="test", translate_queries=False))
    on = Shop(Settings(home=tmp_path / "on", llm="test", translate_queries=True))
    try:
        assert off.query_translator is None
        assert isinstance(on.query_translator, QueryTranslator)
    finally:
        off.close()
        on.close()


def test_the_setting_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("SHOPMATE_TRANSLATE_QUERIES")
    assert Settings.from_env(tmp_path).translate_queries is True  # on unless told otherwise
    monkeypatch.setenv("SHOPMATE_TRANSLATE_QUERIES", "0")
    assert Settings.from_env(tmp_path).translate_queries is False


def test_the_store_kinds_are_named_so_the_query_starts_with_one_it_sells():
    """Without them the model wrote "ankle support brace" for 爬山时脚踝容易扭到, which this store does not
    sell; with them, "hiking boots with ankle support" (bench/retrieval_relevance.py, docs/search.md)."""
    model = ScriptedModel("hiking boots with ankle support")
    kinds = ["Hiking Boots", "Rain Jackets", "No expiration, no fees."]
    QueryTranslator(lambda: model, kinds=lambda: kinds)("爬山时脚踝容易扭到")
    system = model.prompts[0][0].content
    assert "Hiking Boots, Rain Jackets;" in system and "No expiration" not in system  # a slogan is no kind
    many = [f"Kind {i}" for i in range(50)]  # too many to read: left out
    assert "kinds of product" not in QueryTranslator(lambda: model, kinds=lambda: many).instructions()
    assert "kinds of product" not in QueryTranslator(lambda: model).instructions()


def test_the_shop_names_its_catalogs_kinds_to_the_translator(indexed_demo_shop):
    shop, settings = indexed_demo_shop, indexed_demo_shop.settings
    shop.settings = replace(settings, translate_queries=True)
    shop.__dict__.pop("query_translator", None)  # the shop made its own (None, with the setting off)
    try:
        instructions = shop.query_translator.instructions()
    finally:
        shop.settings = settings
        shop.__dict__.pop("query_translator", None)
    assert "Running Shoes" in instructions and "Hiking Boots" in instructions
