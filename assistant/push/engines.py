"""Where the per-user function runs: in this process (`local`) or on Ray Data (`ray`).

Both feed batches of user ids to `Composer.compose` and hand the outcomes back to the caller, who
alone writes the ledger and the outbox, so the exactly-once semantics are the same on one machine or
many. Ray is imported only when asked for; the local engine needs nothing beyond the project.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from assistant.push.compose import Composed, Composer
from assistant.push.ledger import Skip

ENGINES = ("local", "ray")
Outcome = Composed | Skip


def _batches(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def run_local(composer: Composer, user_ids: Sequence[str], batch_size: int) -> Iterator[list[Outcome]]:
    for batch in _batches(user_ids, batch_size):
        yield composer.compose(batch)


class RayComposeWorker:
    """A Ray Data actor: opens the store and the model once, then composes batch after batch."""

    def __init__(self, home: str, campaign_path: str, now: str, overrides: dict[str, Any], generator=None):
        from assistant.push.campaign import load_campaign
        from assistant.shop import Shop

        self.shop = Shop.open(home, **overrides)
        self.composer = Composer.from_shop(self.shop, load_campaign(campaign_path), datetime.fromisoformat(now),
                                           generator=generator)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        outcomes = self.composer.compose([str(u) for u in batch["user"]])
        return {"user": [o.message.user if isinstance(o, Composed) else o.user for o in outcomes],
                "payload": [pickle.dumps(o) for o in outcomes]}


def run_ray(worker_args: dict[str, Any], user_ids: Sequence[str], batch_size: int,
            concurrency: int | None = None) -> Iterator[list[Outcome]]:
    """The same compose function over Ray Data: `ray.init()` joins a running cluster if one is
    configured (RAY_ADDRESS), else starts a local one. Each worker opens the store at `home` (a path
    every node can read) and loads the model named by the store's settings, unless `generator` (an
    object Ray can serialize, such as a client of a model server) is given."""
    try:
        import ray
    except ImportError:
        raise RuntimeError("--engine ray needs Ray Data: pip install 'ray[data]==2.60.0' "
                           "(or pip install -e '.[ray]'), or use --engine local") from None
    if not ray.is_initialized():
        ray.init(ignore_reinit_error=True, log_to_driver=False, include_dashboard=False)
    dataset = ray.data.from_items([{"user": u} for u in user_ids])
    results = dataset.map_batches(RayComposeWorker, batch_size=batch_size,
                                  compute=ray.data.ActorPoolStrategy(size=concurrency or 1),
                                  fn_constructor_kwargs=worker_args)
    for batch in results.iter_batches(batch_size=batch_size, batch_format="numpy"):
        yield [pickle.loads(p) for p in batch["payload"]]
