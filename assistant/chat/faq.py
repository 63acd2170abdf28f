"""The store's policy and FAQ documents (shipping, returns, warranty), found for a question.

The demo store's documents ship with shopmate; a store puts its own Markdown files in <home>/faq/:
`<topic>.md`, and the same policy in other languages as `<topic>.<language>.md` (`warranty.zh.md`), which
a shopper writing that language is answered from. A store's files for a topic replace the packaged
ones for it in every language, so a packaged translation never speaks for the store's own policy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from retrieval.language import detect_language

_PACKAGED = Path(__file__).parent / "faq"
_TOPICS = {
    "shipping": (
        "ship",
        "shipping",
        "delivery",
        "deliver",
        "arrive",
        "express",
        "运费",
        "发货",
        "配送",
        "快递",
        "邮",
    ),
    "returns": ("return", "refund", "exchange", "send back", "退货", "退款", "换货", "退"),
    "warranty": ("warranty", "guarantee", "broken", "defect", "repair", "保修", "质保", "坏"),
}
_AMOUNT = re.compile(r"\$(\d+(?:\.\d+)?)")
_CJK_END = re.compile(r"[\u3000-\u9fff\uff00-\uffef]$")
_CJK_START = re.compile(r"^[\u3000-\u9fff\uff00-\uffef]")
_TRANSLATION = re.compile(r"^(?P<topic>[\w-]+)\.(?P<language>[a-z]{2})$")


@dataclass(frozen=True, slots=True)
class FaqDocument:
    topic: str
    title: str
    text: str
    language: str = "en"
    translations: Mapping[str, FaqDocument] = field(default_factory=dict, compare=False)

    def in_language(self, language: str) -> FaqDocument:
        """The store's own wording of this policy in `language`, or this document when it has none."""
        return self if language == self.language else self.translations.get(language, self)

    @property
    def versions(self) -> tuple[FaqDocument, ...]:
        """This document and its translations."""
        return (self, *self.translations.values())

    @property
    def amounts(self) -> list[float]:
        """The amounts the document states; "free" (return shipping, say) states zero."""
        free = [0.0] if re.search(r"\bfree\b|免费", self.text, re.I) else []
        return [float(a) for a in _AMOUNT.findall(self.text)] + free


def _read(path: Path, topic: str, language: str | None) -> FaqDocument:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").strip().splitlines()]
    title = lines[0].lstrip("# ").strip() if lines else topic
    body = lines[1:]
    # Lines of Chinese join without a space, lines of English with one.
    text = "".join(
        line if i == 0 or (_CJK_END.search(body[i - 1]) and _CJK_START.search(line)) else " " + line
        for i, line in enumerate(body)
    ).strip()
    return FaqDocument(topic, title, text, language or detect_language(text, "en"))


def load_faq(home: Path | None = None) -> dict[str, FaqDocument]:
    """Per topic, the store's document with its translations (see the module's docstring)."""
    docs: dict[str, FaqDocument] = {}
    for folder in (_PACKAGED, (home / "faq") if home else None):
        if folder is None or not folder.is_dir():
            continue
        written: dict[str, FaqDocument] = {}
        translated: dict[str, list[FaqDocument]] = {}
        for path in sorted(folder.glob("*.md")):
            if named := _TRANSLATION.match(path.stem):
                translated.setdefault(named["topic"], []).append(
                    _read(path, named["topic"], named["language"])
                )
            else:
                written[path.stem] = _read(path, path.stem, None)
        for topic in {**written, **translated}:
            # A policy written only in another language stands as the document itself.
            first, *others = ([written[topic]] if topic in written else []) + translated.get(topic, [])
            docs[topic] = replace(
                first, translations={d.language: d for d in others if d.language != first.language}
            )
    return docs


def faq_topic(message: str) -> str | None:
    lowered = message.lower()
    scores = {topic: sum(word in lowered for word in words) for topic, words in _TOPICS.items()}
    topic, score = max(scores.items(), key=lambda kv: kv[1])
    return topic if score else None
