"""Where the writing half of the per-user work runs: in this process (`local`) or in a pool of Ray
actors (`ray`).

Both take batches that the driver prepared from the store (`ComposeTask`s and Skips, plain data) and
hand the outcomes back to the driver, who alone writes the ledger and the outbox, so exactly-once and
resuming are the same on one machine or many. A Ray actor gets the run's facts (`ComposeContext`) and
the model to load (`ModelSpec`); it builds the generator and a `Composer`, nothing else: no store, no
path to one. Ray is imported only when asked for; the local engine needs nothing beyond the project.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from assistant.push.briefing import ComposeTask
from assistant.push.compose import ComposeContext, Composed, Composer
from assistant.push.ledger import Skip

ENGINES = ("local", "ray")
Item = ComposeTask | Skip
Outcome = Composed | Skip


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """How the writing runs: `workers` Ray actors with `gpus_per_worker` GPUs each (Ray only)."""

    kind: str = "local"
    batch_size: int = 8
    workers: int = 1
    gpus_per_worker: float = 0.0

    def __post_init__(self):
        if self.kind not in ENGINES:
            raise ValueError(f"unknown engine {self.kind!r}; use one of: {', '.join(ENGINES)}")
        if self.batch_size < 1:
            raise ValueError("--batch-size must be at least 1")
        if self.workers < 1:
            raise ValueError(f"--workers {self.workers}: a run needs at least 1 worker")
        if self.gpus_per_worker < 0:
            raise ValueError(f"--gpus-per-worker {self.gpus_per_worker}: use 0 (CPU only) or more")
        if self.kind == "local" and (self.workers != 1 or self.gpus_per_worker):
            raise ValueError(
                "--workers and --gpus-per-worker size the Ray pool; add --engine ray, or drop them "
                "to write in this process"
            )


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """The language model a worker loads (assistant.llm.open_generator's arguments), or `generator`, an
    object Ray can serialize (a scripted generator, a client of a model server), used as it is."""

    model: str = "default"
    url: str | None = None
    backend: str = "ctranslate2"
    generator: Any = None

    def open(self):
        if self.generator is not None:
            return self.generator
        from assistant.llm import open_generator

        return open_generator(self.model, self.url, self.backend)


def run_local(composer: Composer, batches: Iterable[list[Item]]) -> Iterator[list[Outcome]]:
    for batch in batches:
        yield composer.compose(batch)


class ComposeWorker:
    """A Ray actor: loads the model once, then composes batch after batch."""

    def __init__(self, context: ComposeContext, model: ModelSpec):
        self.composer = Composer(context, model.open(), model.model)

    def compose(self, batch: list[Item]) -> list[Outcome]:
        return self.composer.compose(batch)


def _import_ray():
    try:
        import ray
    except ImportError:
        raise RuntimeError(
            "--engine ray needs Ray: pip install 'ray==2.60.0' (or pip install -e '.[ray]'), "
            "or use --engine local"
        ) from None
    return ray


def run_ray(
    context: ComposeContext, model: ModelSpec, batches: Iterable[list[Item]], options: EngineOptions
) -> Iterator[list[Outcome]]:
    """The same compose function in `options.workers` Ray actors. `ray.init()` joins a running cluster
    if one is configured (RAY_ADDRESS), else starts a local one. Batches are prepared lazily and at
    most one waits per busy actor, so the driver's briefing overlaps the actors' writing; outcomes come
    back in the order they finish (the driver's commit does not depend on order)."""
    ray = _import_ray()
    from ray.util import ActorPool

    if not ray.is_initialized():
        ray.init(ignore_reinit_error=True, log_to_driver=False, include_dashboard=False)
    resources = ray.cluster_resources()
    gpus = resources.get("GPU", 0.0)
    if options.gpus_per_worker and gpus < options.gpus_per_worker * options.workers:
        raise ValueError(
            f"--gpus-per-worker {options.gpus_per_worker:g} with --workers {options.workers} asks "
            f"for {options.gpus_per_worker * options.workers:g} GPUs but the Ray cluster has {gpus:g}; "
            "use --gpus-per-worker 0 (CPU) or fewer workers"
        )
    # More workers than cores share the cores (asking one CPU each would leave the rest waiting forever).
    cpus = min(1.0, resources.get("CPU", 1.0) / options.workers)
    actor = ray.remote(ComposeWorker).options(num_cpus=cpus, num_gpus=options.gpus_per_worker)
    workers = [actor.remote(context, model) for _ in range(options.workers)]
    pool = ActorPool(workers)
    pending = iter(batches)

    def submit(batch: list[Item]) -> None:
        pool.submit(lambda w, b: w.compose.remote(b), batch)

    try:
        for batch in islice(pending, 2 * options.workers):
            submit(batch)
        while pool.has_next():
            outcomes = pool.get_next_unordered()
            batch = next(pending, None)
            if batch is not None:
                submit(batch)
            yield outcomes
    finally:
        for w in workers:
            ray.kill(w)
