"""A shopper's need in another language than the catalog's, written by the local language model as a short
search query in the catalog's language ("地铁上太吵了" -> "noise cancelling headphones for the subway").

Search reads the translation with its English channels (dense, BM25, reviews, the category step) beside
the multilingual view of the original (`retrieval.search.HybridSearcher(translate=...)`); retrieval gets
this as a plain callable, so it never imports the assistant. The same call rewrites an English need whose
kind the category step is unsure of ("stretching in hotel rooms when I travel for work" -> "stretching mat
for hotel use"), read by the category step alone. The worked examples are needs for products
the demo store does not sell, so the prompt teaches the form of the answer; the store's kinds of product
are named beside them (`kinds`), so the answer starts with one the store sells.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.llm.types import ChatMessage, GenerationParams, Generator
from retrieval.categories import names_a_kind

INSTRUCTIONS = (
    "A shopper tells an online store what they need, in any language. Reply with the English search query "
    "for the product that solves it: the product first, then what it must do. At most 8 words, English only."
)
EXAMPLES = (
    ("家里的猫到处掉毛", "pet grooming brush for shedding hair"),
    ("晚上看书眼睛累", "reading lamp with warm dim light"),
    ("宝宝晚上总是踢被子", "baby sleeping bag"),
)
# The store's kinds of product, named in the instructions so the query starts with one the store sells
# ("爬山时脚踝容易扭到" -> "hiking boots with ankle support", not "ankle support brace"). A longer list than
# this is left out: a small model reads a long list worse than none.
MAX_KINDS = 40
MAX_WORDS = 12
_QUOTES = re.compile(r"^[\"'`“”‘’]+|[\"'`“”‘’.。]+$")


class QueryTranslator:
    """`translator(text) -> str`: the query in English, written by the Generator that `generator` returns
    (a function, so the model loads on the first translation). Greedy and short: about 10 new tokens,
    the instructions and examples cached by the backend as a static prompt."""

    def __init__(
        self,
        generator: Callable[[], Generator],
        max_new_tokens: int = 16,
        kinds: Callable[[], Sequence[str]] | None = None,
    ):
        self._generator = generator
        self._kinds = kinds
        self.params = GenerationParams(max_new_tokens=max_new_tokens, stop=("\n",))

    @property
    def generator(self) -> Generator:
        return self._generator()

    def instructions(self) -> str:
        """The task, and the store's kinds of product when `kinds` gives a short enough list."""
        kinds = [k for k in (self._kinds() if self._kinds else ()) if names_a_kind(k)]
        if not kinds or len(kinds) > MAX_KINDS:
            return INSTRUCTIONS
        return f"{INSTRUCTIONS} The store's kinds of product: {', '.join(kinds)}; start with one of them when it fits."

    def messages(self, text: str) -> list[ChatMessage]:
        messages = [ChatMessage("system", self.instructions())]
        for need, query in EXAMPLES:
            messages += [ChatMessage("user", need), ChatMessage("assistant", query)]
        return [*messages, ChatMessage("user", text)]

    def __call__(self, text: str) -> str:
        answer = self.generator.generate([self.messages(text)], self.params)[0]
        return clean_answer(answer)


def clean_answer(answer: str) -> str:
    """The first line of the model's answer, without a "Query:" label or quotes, at most MAX_WORDS words."""
    line = next((part for part in answer.splitlines() if part.strip()), "")
    line = re.sub(r"^\s*(?:english\s+)?(?:search\s+)?query\s*:\s*", "", line, flags=re.I)
    return " ".join(_QUOTES.sub("", line.strip()).split()[:MAX_WORDS])
