"""Readiness, apart from liveness: the heavy parts load on a thread, and anyone can ask how far it got.

`/healthz` says the process answers; `/readyz` says 503 until every part has loaded (or names the
part that failed), so a load balancer sends no chats to a server still loading its language model.
The UI reads the same record to show a "warming up" line.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.shop import Shop

log = logging.getLogger("shopmate.readiness")

WAITING, LOADING, READY, FAILED = "waiting", "loading", "ready", "failed"

_BY_SHOP: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(slots=True)
class PartState:
    state: str = WAITING
    seconds: float | None = None
    error: str | None = None

    def to_dict(self) -> dict:
        return {"state": self.state, "seconds": self.seconds, "error": self.error}


@dataclass(eq=False)
class WarmUp:
    """Loads `parts` of a shop (its cached properties) one after another on a background thread."""

    shop: Shop
    parts: tuple[str, ...]
    after: Callable[[str], None] | None = None  # called with each part's name once it has loaded
    states: dict[str, PartState] = field(default_factory=dict)

    def __post_init__(self):
        self.states = {name: PartState() for name in self.parts}
        self._lock = threading.Lock()
        _BY_SHOP[self.shop] = self

    def start(self) -> WarmUp:
        threading.Thread(target=self.run, name="warm-up", daemon=True).start()
        return self

    def run(self) -> None:
        for name in self.parts:
            with self._lock:
                self.states[name].state = LOADING
            started = time.perf_counter()
            try:
                self.shop.load(name)
                if self.after is not None:
                    self.after(name)
            except Exception as exc:  # the part stays failed; requests that need it report the error
                log.exception("warming up %s failed", name)
                with self._lock:
                    self.states[name] = PartState(
                        FAILED, time.perf_counter() - started, f"{type(exc).__name__}: {exc}"
                    )
                continue
            with self._lock:
                self.states[name] = PartState(READY, round(time.perf_counter() - started, 2))

    @property
    def ready(self) -> bool:
        with self._lock:
            return all(s.state == READY for s in self.states.values())

    def state_of(self, name: str) -> str | None:
        with self._lock:
            part = self.states.get(name)
            return part.state if part else None

    def to_dict(self) -> dict[str, dict]:
        with self._lock:
            return {name: s.to_dict() for name, s in self.states.items()}


def warm_up_of(shop) -> WarmUp | None:
    """The warm-up running (or done) for this shop, if one was started."""
    return _BY_SHOP.get(shop)
