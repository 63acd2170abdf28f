"""The store's policy and FAQ documents (shipping, returns, warranty), found for a question.

The demo store's documents ship with shopmate; a store puts its own Markdown files in <home>/faq/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True, slots=True)
class FaqDocument:
    topic: str
    title: str
    text: str

    @property
    def amounts(self) -> list[float]:
        """The amounts the document states; "free" (return shipping, say) states zero."""
        free = [0.0] if re.search(r"\bfree\b|免费", self.text, re.I) else []
        return [float(a) for a in _AMOUNT.findall(self.text)] + free


def load_faq(home: Path | None = None) -> dict[str, FaqDocument]:
    docs: dict[str, FaqDocument] = {}
    for folder in (_PACKAGED, (home / "faq") if home else None):
        if folder is None or not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.md")):
            lines = path.read_text(encoding="utf-8").strip().splitlines()
            title = lines[0].lstrip("# ").strip() if lines else path.stem
            docs[path.stem] = FaqDocument(
                path.stem, title, " ".join(line.strip() for line in lines[1:]).strip()
            )
    return docs


def faq_topic(message: str) -> str | None:
    lowered = message.lower()
    scores = {topic: sum(word in lowered for word in words) for topic, words in _TOPICS.items()}
    topic, score = max(scores.items(), key=lambda kv: kv[1])
    return topic if score else None
