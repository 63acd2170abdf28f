"""The language model writes a need in another language as an English search query for search; the Shop
passes it to the searcher only when settings.translate_queries asks for it."""

from __future__ import annotations

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
