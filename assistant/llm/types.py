"""The generator contract: chat messages in, text out, batched or streamed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class GenerationParams:
    max_new_tokens: int = 256
    # 0 means greedy decoding: deterministic, as tests and fact-checked copy want.
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be at least 1, got {self.max_new_tokens}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0 (0 = greedy), got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if isinstance(self.stop, str):  # a bare string would be split into single-character stops
            object.__setattr__(self, "stop", (self.stop,))


@runtime_checkable
class Generator(Protocol):
    """What chat and push need from a language model. Every implementation passes the same contract
    tests (tests/contracts/test_generator.py): `generate` returns, for each conversation, the text
    that the chunks of `stream` join to, cut before the first stop string and stripped."""

    name: str

    def generate(self, prompts: list[list[ChatMessage]], params: GenerationParams) -> list[str]:
        """One reply per conversation, generated as a batch."""
        ...

    def stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        """The reply to one conversation, chunk by chunk as it is generated."""
        ...


class GeneratorUnavailable(RuntimeError):
    """The model or server cannot be used; the message says what to do about it."""


def cut_at_stop(text: str, stop: tuple[str, ...]) -> str:
    cuts = [text.find(s) for s in stop if s and s in text]
    return text[: min(cuts)] if cuts else text


def finish_text(text: str, stop: tuple[str, ...]) -> str:
    """The reply as the contract returns it: cut before the first stop string, stripped."""
    return cut_at_stop(text, stop).strip()


def _held_back(text: str, stop: tuple[str, ...]) -> int:
    """How many trailing characters could still turn out to start a stop string."""
    longest = 0
    for s in stop:
        for n in range(min(len(s) - 1, len(text)), longest, -1):
            if text.endswith(s[:n]):
                longest = n
                break
    return longest


def visible_chunks(chunks: Iterable[str], stop: tuple[str, ...]) -> Iterator[str]:
    """Re-chunk raw model output so that the pieces join to exactly `finish_text(all of it, stop)`.

    Text that might be the start of a stop string, and trailing whitespace, is held back until the
    next chunk shows what it is; reading stops at the first complete stop string."""
    text = ""
    sent = 0
    for chunk in chunks:
        text += chunk
        cut = cut_at_stop(text, stop)
        if len(cut) < len(text):
            text = cut
            break
        ready = text[: len(text) - _held_back(text, stop)].lstrip().rstrip()
        if len(ready) > sent:
            yield ready[sent:]
            sent = len(ready)
    final = finish_text(text, stop)
    if len(final) > sent:
        yield final[sent:]
