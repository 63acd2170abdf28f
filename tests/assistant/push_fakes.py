"""A scripted Generator for the push tests: it reads the facts from the prompt and writes a message,
correct or wrong on purpose (a wrong price, too long, a banned word), per shopper name.

It implements the Generator protocol (`generate(prompts, params) -> list[str]`), which is the one
thing faked: the campaign, store, ranker, checks, ledger and outbox are the real ones.
"""

from __future__ import annotations

import os
import re
import time

_NAME = re.compile(r" in (?:English|Simplified Chinese) for ([^\n.(]+)\.")
_HOOK = re.compile(r"built on: ([^\n]+?)\.(?:\n|$)")
_FACT = re.compile(
    r"Product: (?P<title>.+?) \(brand (?P<brand>[^)]+)\)\. Sale price (?P<sale>[^,]+), "
    r"regular (?P<was>[^,]+), (?P<pct>\S+) off"
)


def _content(message) -> str:
    return message["content"] if isinstance(message, dict) else message.content


class ScriptedGenerator:
    """`script` maps a shopper's first name to a list of behaviours, one per attempt (the last repeats):
    "ok", "wrong_price", "too_long", "rambling", "banned", "generic" (the same closing sentence for everyone), "nameless",
    "personal" (a closing sentence on the prompt's hook), "third_person", "chinese", "junk"."""

    name = "scripted"

    def __init__(self, script: dict[str, list[str]] | None = None, default: str = "ok", delay_s: float = 0.0):
        self.script = script or {}
        self.default = default
        self.delay_s = delay_s
        self.calls: list[int] = []
        self._attempts: dict[str, int] = {}

    def generate(self, prompts, params=None) -> list[str]:
        self.calls.append(len(prompts))
        if self.delay_s:
            time.sleep(self.delay_s * len(prompts))
        return [self._one(prompt) for prompt in prompts]

    def _one(self, prompt) -> str:
        # The last request is this shopper's (an earlier one is a worked example; a later turn may ask again).
        text = [_content(m) for m in prompt if _content(m).startswith("Write one")][-1]
        name = _NAME.search(text).group(1).strip()
        fact = _FACT.search(text)
        plan = self.script.get(name, [self.default])
        attempt = self._attempts.get(name, 0)
        self._attempts[name] = attempt + 1
        behaviour = plan[min(attempt, len(plan) - 1)]
        title_words = fact["title"].split(",")[0]
        sale, pct, brand = fact["sale"], fact["pct"], fact["brand"]
        if behaviour == "wrong_price":  # the sale price is right, the regular price it quotes is not
            wrong = f"${float(fact['was'].strip('$').replace(',', '')) + 30:.2f}"
            return (
                f"TITLE: {pct} off {brand}\nBODY: {name}, the {title_words} is now {sale}, down from {wrong}!"
            )
        if behaviour == "too_long":  # one run-on sentence: no whole sentence fits the channel
            return (
                f"TITLE: {pct} off {brand}\nBODY: {name}, the {title_words} is now {sale}, "
                + " ".join(f"point {i}" for i in range(20))  # not one word looping, which is garbled
                + "!"
            )
        if behaviour == "rambling":  # a good first sentence, then more than the channel holds
            return (
                f"TITLE: {pct} off {brand}\nBODY: {name}, the {title_words} is now {sale}. " + "Really! " * 20
            )
        if behaviour == "banned":
            return f"TITLE: {pct} off {brand}\nBODY: {name}, guaranteed best: the {title_words} for {sale}."
        if behaviour == "personal":
            return (
                f"TITLE: {pct} off {brand}\nBODY: {name}, the {title_words} is now {sale}. "
                f"Think {_HOOK.findall(text)[-1]}."
            )
        if behaviour == "third_person":
            return f"TITLE: {pct} off {brand}\nBODY: The shopper would like the {title_words}, now {sale}."
        if behaviour == "nameless":  # one sentence, no name: the same body for everyone with this pick
            return f"TITLE: {pct} off {brand}\nBODY: The {title_words} is now {sale}."
        if behaviour == "generic":
            return f"TITLE: {pct} off {brand}\nBODY: The {title_words} is now {sale}. Treat yourself!"
        if behaviour == "chinese" or (behaviour == "ok" and "Simplified Chinese" in text):
            return f"TITLE: {brand}优惠{pct}\nBODY: {name}，{title_words}现价{sale}。"
        if behaviour == "junk":
            return "Sure! Here is a great message for you."
        return f"TITLE: {pct} off {brand}\nBODY: {name}, the {title_words} is now {sale}."


class ProcessTaggedGenerator(ScriptedGenerator):
    """Signs each message with the process that wrote it, to see how many Ray actors worked."""

    @property
    def name(self) -> str:
        return f"scripted@{os.getpid()}"


def slow_generator() -> ScriptedGenerator:
    """For the kill test: correct messages, each batch taking a while, as a real model's would."""
    return ScriptedGenerator(delay_s=float(os.environ.get("PUSH_FAKE_DELAY_S", "0.4")))
