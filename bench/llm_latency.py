"""Latency and throughput of the local language models on this CPU.

For each model: conversion time (from the converted copy's manifest, or measured with --reconvert), load
time from the converted cache, time to first token and to the full streamed reply, and generated tokens/s
at several batch sizes (greedy). Writes bench/results/llm_latency.json.

    .venv/bin/python bench/llm_latency.py                       # default and fast, batch 1/4/8
    .venv/bin/python bench/llm_latency.py --models fast --batch-sizes 1,4 --new-tokens 24 --threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import torch

from assistant.llm import ChatMessage, GenerationParams
from assistant.llm.local import TransformersGenerator

SYSTEM = (
    "You are a shop assistant. Recommend only products from the list, with their ids and prices, "
    "in two short sentences."
)
PRODUCTS = (
    "P101 Trail running shoes, $79.00, rating 4.5; P204 Wireless sport earbuds, $49.99, rating 4.2; "
    "P310 Insulated water bottle, $19.50, rating 4.7; P412 Reflective running vest, $24.00, rating 4.4"
)
QUESTIONS = [
    "I need a gift for a runner under $50.",
    "Something for running at night?",
    "What keeps drinks cold on a long run?",
    "Which earbuds stay in during a run?",
    "A cheap present for a marathon friend?",
    "Gear for trail running in the rain?",
    "What is the best rated item?",
    "Anything for a runner who loves music?",
]


def prompt(i: int) -> list[ChatMessage]:
    return [
        ChatMessage("system", SYSTEM),
        ChatMessage("user", f"Products: {PRODUCTS}\nQuestion: {QUESTIONS[i % len(QUESTIONS)]}"),
    ]


def n_tokens(generator: TransformersGenerator, text: str) -> int:
    return len(generator.tokenizer(text, add_special_tokens=False)["input_ids"])


def bench_model(model: str, batch_sizes: list[int], params: GenerationParams, reconvert: bool) -> dict:
    row: dict = {"model": model}
    if reconvert:
        with tempfile.TemporaryDirectory() as cache:
            started = time.perf_counter()
            TransformersGenerator(model, cache=cache)
            row["convert_and_load_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    generator = TransformersGenerator(model)
    row["load_s"] = round(time.perf_counter() - started, 2)
    row["loaded_from"] = generator.loaded_from
    row["convert_s"] = generator.manifest.get("convert_s")
    row["prompt_tokens"] = len(generator._encode([prompt(0)])["input_ids"][0])

    generator.generate([prompt(0)], GenerationParams(max_new_tokens=2))  # warm-up
    started = time.perf_counter()
    first = None
    text = ""
    for chunk in generator.stream(prompt(0), params):
        first = first or time.perf_counter() - started
        text += chunk
    row["time_to_first_token_s"] = round(first or 0.0, 2)
    row["time_to_full_reply_s"] = round(time.perf_counter() - started, 2)
    row["reply_tokens"] = n_tokens(generator, text)
    row["sample_reply"] = text

    row["batches"] = []
    for batch in batch_sizes:
        prompts = [prompt(i) for i in range(batch)]
        started = time.perf_counter()
        replies = generator.generate(prompts, params)
        elapsed = time.perf_counter() - started
        tokens = sum(n_tokens(generator, r) for r in replies)
        row["batches"].append(
            {
                "batch": batch,
                "seconds": round(elapsed, 2),
                "tokens": tokens,
                "tokens_per_s": round(tokens / elapsed, 2),
                "replies_per_min": round(60 * batch / elapsed, 1),
            }
        )
        print(json.dumps({"model": model, **row["batches"][-1]}), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="default,fast")
    parser.add_argument("--batch-sizes", default="1,4,8")
    parser.add_argument("--new-tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--reconvert", action="store_true", help="also time a fresh GGUF conversion")
    parser.add_argument("--out", default="bench/results/llm_latency.json")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    params = GenerationParams(max_new_tokens=args.new_tokens)
    load_before = os.getloadavg()[0]
    rows = [
        bench_model(m, [int(b) for b in args.batch_sizes.split(",")], params, args.reconvert)
        for m in args.models.split(",")
    ]
    result = {
        "command": "python bench/llm_latency.py "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v not in (None, False)),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "load_average_before_after": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "note": "greedy decoding; tokens counted by re-tokenizing the replies; the machine was shared "
        "with other jobs (see load average), so treat the figures as lower bounds",
        "models": rows,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
