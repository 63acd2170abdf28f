"""The local LLM backends side by side, on the real chat prompts of a demo store.

Prompts: a small demo store is generated, ingested, indexed and trained in a temporary home, and the
chat engine answers scripted conversations (need, refinement, question, policy turns, as in
bench/chat_quality.py) with a recording stand-in for the model: what it records is exactly what the
model would be asked. Each backend then runs in its own subprocess (so peak RAM is its own) on those
prompts: load time, prompt tokens, prefill tokens/s, first-token time, decode tokens/s at batch 1
(streamed) and at batch 8, replies a minute at batch 8, peak RAM; and the ratio of each to the transformers reference of the same run.
`openvino_no_prefix_cache` is the openvino backend with its prefix cache off: what the cache saves.

    .venv/bin/python bench/llm_backends.py                    # default model, all backends
    .venv/bin/python bench/llm_backends.py --model test --new-tokens 16 --turns 4

Run `shopmate models prepare --model M --backend B` first for each backend, or the first load includes
the conversion. Other work on a shared machine slows every backend: the load average is recorded, and
only the ratios of one run should be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BACKENDS = ("transformers", "openvino", "openvino_no_prefix_cache", "ctranslate2")
DEFAULT_BACKENDS = "transformers,openvino,ctranslate2"
HERE = Path(__file__).resolve().parent


class RecordingGenerator:
    """Stands in for the model while the chat engine runs: keeps every prompt, answers nothing useful."""

    name = "recording"

    def __init__(self):
        self.prompts: list[list] = []

    def generate(self, prompts, params):
        self.prompts.extend(prompts)
        return ["" for _ in prompts]

    def stream(self, messages, params):
        self.prompts.append(messages)
        yield ""


def collect_prompts(turns: int, seed: int) -> list[list[dict]]:
    """The chat engine's prompts for `turns` scripted turns on a fresh demo store."""
    sys.path.insert(0, str(HERE))
    from chat_quality import conversations, run_conversation

    from assistant.demo_store import generate_demo_store
    from assistant.shop import Shop

    with tempfile.TemporaryDirectory() as tmp:
        source = generate_demo_store(Path(tmp) / "source", seed=11, products=300, users=120)
        shop = Shop.open(Path(tmp) / "home", llm="test")
        shop.ingest(catalog=source.products, reviews=source.reviews, events=source.events, users=source.users)
        shop.build_index()
        shop.train()
        recorder = RecordingGenerator()
        shop.__dict__["generator"] = recorder
        users = [u.id for u in shop.events.iter_users()][:20]
        for i, script in enumerate(conversations(shop, max(1, turns // 4), language="en", seed=seed)):
            run_conversation(shop, users[i % len(users)], script)
        shop.close()
    return [[{"role": m.role, "content": m.content} for m in p] for p in recorder.prompts]


def open_backend(backend: str, model: str, threads: int | None):
    if backend == "transformers":
        import torch

        from assistant.llm.local import TransformersGenerator

        if threads:
            torch.set_num_threads(threads)
        return TransformersGenerator(model)
    if backend == "ctranslate2":
        from assistant.llm.ctranslate2_backend import CTranslate2Generator

        return CTranslate2Generator(model, threads=threads)
    from assistant.llm.openvino_backend import OpenVINOGenerator

    return OpenVINOGenerator(model, threads=threads, prefix_caching=backend != "openvino_no_prefix_cache")


def count_tokens(generator, text: str) -> int:
    if hasattr(generator, "count_tokens"):
        return generator.count_tokens(text)
    return len(generator.tokenizer(text, add_special_tokens=False)["input_ids"])


def prompt_tokens(generator, messages) -> int:
    if hasattr(generator, "prompt_text"):
        return count_tokens(generator, generator.prompt_text(messages))
    return int(generator._encode([messages])["input_ids"].shape[1])


def worker(
    backend: str, model: str, prompts_file: str, new_tokens: int, batch1_turns: int, threads: int | None
) -> dict:
    """One backend in this process: everything the parent reports for it."""
    from assistant.llm import ChatMessage, GenerationParams

    prompts = [
        [ChatMessage(m["role"], m["content"]) for m in p] for p in json.loads(Path(prompts_file).read_text())
    ]
    started = time.perf_counter()
    generator = open_backend(backend, model, threads)
    row: dict = {
        "backend": backend,
        "load_s": round(time.perf_counter() - started, 2),
        "loaded_from": generator.loaded_from,
    }
    params = GenerationParams(max_new_tokens=new_tokens)
    generator.generate([[ChatMessage("user", "Hello")]], GenerationParams(max_new_tokens=2))  # warm-up
    turns = []
    for messages in prompts[:batch1_turns]:
        started = time.perf_counter()
        first = None
        text = ""
        for chunk in generator.stream(messages, params):
            first = first or time.perf_counter() - started
            text += chunk
        total = time.perf_counter() - started
        tokens = count_tokens(generator, text)
        n_prompt = prompt_tokens(generator, messages)
        turns.append(
            {
                "prompt_tokens": n_prompt,
                "first_token_s": round(first or total, 3),
                "total_s": round(total, 3),
                "new_tokens": tokens,
                "prefill_tokens_per_s": round(n_prompt / (first or total), 1),
                "decode_tokens_per_s": round((tokens - 1) / (total - first), 2)
                if first and tokens > 1
                else None,
            }
        )
    row["batch1"] = turns
    # The first prompt once more: with a prefix cache only its last tokens are computed again.
    again = timed(lambda: generator.generate(prompts[:1], GenerationParams(max_new_tokens=1)))
    row["same_prompt_again_first_token_s"] = round(again, 3)
    batch = prompts[batch1_turns : batch1_turns + 8]
    if len(batch) < 8:
        batch = (batch + prompts)[:8]
    # Decode at batch 8: the new tokens after the first over the time after the prefill, both runs seeing
    # the same cache state (a prefix cache holds these prompts after the first one-token run). A batch of
    # new prompts costs the cold prefill plus that decoding: replies a minute are counted so.
    one = GenerationParams(max_new_tokens=1)
    cold_prefill = timed(lambda: generator.generate(batch, one))
    warm_prefill = timed(lambda: generator.generate(batch, one))
    started = time.perf_counter()
    replies = generator.generate(batch, params)
    elapsed = time.perf_counter() - started
    tokens = sum(count_tokens(generator, r) for r in replies)
    decode_s = max(elapsed - warm_prefill, 1e-3)
    row["batch8"] = {
        "cold_prefill_s": round(cold_prefill, 2),
        "warm_prefill_s": round(warm_prefill, 2),
        "seconds": round(elapsed, 2),
        "new_tokens": tokens,
        "decode_tokens_per_s": round((tokens - len(batch)) / decode_s, 2),
        "cold_batch_s": round(cold_prefill + decode_s, 2),
        "prompt_tokens": sum(prompt_tokens(generator, m) for m in batch),
    }
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    row["sample_reply"] = text
    return row


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def median(values: list[float]) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def summarize(row: dict) -> dict:
    turns = row["batch1"]
    return {
        "load_s": row["load_s"],
        "prompt_tokens": median([t["prompt_tokens"] for t in turns]),
        "prefill_tokens_per_s": median([t["prefill_tokens_per_s"] for t in turns]),
        "first_token_s": median([t["first_token_s"] for t in turns]),
        "same_prompt_again_first_token_s": row["same_prompt_again_first_token_s"],
        "decode_tokens_per_s_batch1": median([t["decode_tokens_per_s"] for t in turns]),
        "decode_tokens_per_s_batch8": row["batch8"]["decode_tokens_per_s"],
        "replies_per_min_batch8": round(60 * 8 / row["batch8"]["cold_batch_s"], 1),
        "peak_rss_mb": row["peak_rss_mb"],
    }


def run_worker(backend: str, prompts_file: str, args: argparse.Namespace) -> dict:
    command = [
        sys.executable,
        __file__,
        "--worker",
        backend,
        "--prompts",
        prompts_file,
        "--model",
        args.model,
        "--new-tokens",
        str(args.new_tokens),
        "--batch1-turns",
        str(args.batch1_turns),
    ]
    env = dict(os.environ)
    if args.threads:  # torch's threads other than the main one follow OpenMP's default: set it too
        env["OMP_NUM_THREADS"] = str(args.threads)
        command += ["--threads", str(args.threads)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        return {"backend": backend, "error": done.stderr.strip().splitlines()[-1:]}
    row = json.loads(done.stdout.strip().splitlines()[-1])
    return {**row, "summary": summarize(row), "load_average_after": [round(x, 1) for x in os.getloadavg()]}


def combine(backend: str, mine: list[dict], runs: list[dict]) -> dict:
    """A backend's medians over its rounds, and the median of its per-round ratios to transformers."""
    done = [r for r in mine if "summary" in r]
    if not done:
        return {"backend": backend, "errors": [r.get("error") for r in mine]}
    keys = done[0]["summary"].keys()
    row = {
        "backend": backend,
        "rounds": len(done),
        **{k: round(median([r["summary"][k] for r in done]), 3) for k in keys},
    }
    ratios: dict[str, list[float]] = {k: [] for k in keys}
    for r in done:
        reference = next(
            (
                x["summary"]
                for x in runs
                if x["backend"] == "transformers" and x["round"] == r["round"] and "summary" in x
            ),
            None,
        )
        for k in keys:
            if reference and r["summary"][k] and reference.get(k):
                ratios[k].append(r["summary"][k] / reference[k])
    row["ratio_to_transformers"] = {k: round(median(v), 2) for k, v in ratios.items() if v}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--backends", default=DEFAULT_BACKENDS, help=f"any of {', '.join(BACKENDS)}")
    parser.add_argument("--turns", type=int, default=8, help="chat turns to record prompts from")
    parser.add_argument(
        "--batch1-turns", type=int, default=3, help="turns streamed one at a time per backend"
    )
    parser.add_argument("--new-tokens", type=int, default=48)
    parser.add_argument(
        "--threads", type=int, help="CPU threads for every backend (default: each one's own choice)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="times each backend runs, alternating")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--out", default="bench/results/llm_backends.json")
    parser.add_argument("--prompts-cache", help="a JSON file of prompts: read when it exists, else written")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--prompts", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(
            json.dumps(
                worker(
                    args.worker, args.model, args.prompts, args.new_tokens, args.batch1_turns, args.threads
                )
            )
        )
        return

    load_before = os.getloadavg()
    cached = Path(args.prompts_cache) if args.prompts_cache else None
    if cached and cached.exists():
        prompts = json.loads(cached.read_text())
    else:
        prompts = collect_prompts(args.turns, args.seed)
        if cached:
            cached.write_text(json.dumps(prompts, ensure_ascii=False))
    runs: list[dict] = []  # one per backend per round
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(prompts, fh)
    try:
        # Rounds alternate the backends, so that a change in the machine's load hits each of them alike;
        # ratios are taken within a round, then the median over rounds.
        for round_no in range(args.rounds):
            for backend in args.backends.split(","):
                runs.append({"round": round_no, **run_worker(backend, fh.name, args)})
                print(
                    json.dumps({k: v for k, v in runs[-1].items() if k not in ("batch1", "batch8")}),
                    flush=True,
                )
    finally:
        os.unlink(fh.name)
    rows = [
        combine(backend, [r for r in runs if r["backend"] == backend], runs)
        for backend in args.backends.split(",")
    ]
    result = {
        "command": "python bench/llm_backends.py "
        + " ".join(
            f"--{k.replace('_', '-')} {v}"
            for k, v in vars(args).items()
            if v is not None and k not in ("worker", "prompts")
        ),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "load_average_before": [round(x, 1) for x in load_before],
        "note": "greedy decoding; tokens counted with each backend's tokenizer; first token = first streamed "
        "chunk; prefill tokens/s = prompt tokens / first-token time; every backend in its own "
        "process, one after another, rounds alternating the backends, on a machine shared with other jobs "
        "(see the load averages): figures are medians over rounds, ratios are medians of the ratios within "
        "each round",
        "prompts": {"turns": len(prompts), "roles": [[m["role"] for m in p] for p in prompts[:1]]},
        "backends": rows,
        "runs": runs,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
