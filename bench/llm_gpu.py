"""GPU throughput of the chat model's architecture: random weights of the real shapes, fixed output length.

The packaged weights cannot travel to a GPU machine without a network, and the speed is the
architecture's, not the words': build Qwen2.5 from the config embedded in bench/llm_configs/, feed random
prompts, force exactly --new-tokens tokens per sequence, and time `generate` for each batch size with
the plain dynamic cache and with the static (compiled) cache. Needs only torch and transformers.

    python bench/llm_gpu.py --model-config qwen2.5-1.5b --out bench/results
    python bench/llm_gpu.py --model-config qwen2.5-0.5b --batch-sizes 1,16,64,256,512 --out DIR
    python bench/llm_gpu.py --device cpu --layers 2 --batch-sizes 1,2 --new-tokens 4 --out /tmp/x  # smoke run
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch

CONFIGS = Path(__file__).resolve().parent / "llm_configs"


def build_model(config_name: str, device: str, dtype: torch.dtype, layers: int | None):
    import transformers
    from transformers import AutoConfig, AutoModelForCausalLM

    path = Path(config_name) if config_name.endswith(".json") else CONFIGS / f"{config_name}.json"
    values = json.loads(path.read_text())
    if layers:
        values["num_hidden_layers"] = layers
    config = AutoConfig.for_model(values.pop("model_type"), **values)
    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    return model.eval(), config, transformers.__version__


def timed_generate(
    model, input_ids, attention_mask, new_tokens: int, cache: str | None, device: str
) -> float:
    kwargs = {
        "max_new_tokens": new_tokens,
        "min_new_tokens": new_tokens,
        "do_sample": False,
        "pad_token_id": 0,
        "temperature": None,
        "top_p": None,
        "top_k": None,
    }
    if cache:
        kwargs["cache_implementation"] = cache
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    started = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - started
    produced = out.shape[1] - input_ids.shape[1]
    if produced != new_tokens:
        raise RuntimeError(f"expected {new_tokens} new tokens, got {produced}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model-config", default="qwen2.5-1.5b", help="name in bench/llm_configs/ or a config.json"
    )
    parser.add_argument("--out", required=True, help="directory for llm_gpu_<config>.json")
    parser.add_argument("--batch-sizes", default="1,16,64,256")
    parser.add_argument(
        "--modes", default="plain,static", help="plain (dynamic cache) and/or static (compiled)"
    )
    parser.add_argument("--prompt-len", type=int, default=160)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per point after one warm-up")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float16", "float32"])
    parser.add_argument("--layers", type=int, default=None, help="override the layer count (smoke runs only)")
    args = parser.parse_args()

    dtype = getattr(torch, args.dtype)
    model, config, tf_version = build_model(args.model_config, args.device, dtype, args.layers)
    generator = torch.Generator().manual_seed(0)
    rows = []
    for mode in args.modes.split(","):
        cache = {"plain": None, "static": "static"}[mode]
        for batch in (int(b) for b in args.batch_sizes.split(",")):
            input_ids = torch.randint(
                1000, config.vocab_size - 1000, (batch, args.prompt_len), generator=generator
            ).to(args.device)
            mask = torch.ones_like(input_ids)
            row = {"mode": mode, "batch": batch, "prompt_len": args.prompt_len, "new_tokens": args.new_tokens}
            try:
                if args.device.startswith("cuda"):
                    torch.cuda.reset_peak_memory_stats()
                warm = timed_generate(model, input_ids, mask, args.new_tokens, cache, args.device)
                times = [
                    timed_generate(model, input_ids, mask, args.new_tokens, cache, args.device)
                    for _ in range(args.repeats)
                ]
                best = min(times)
                row.update(
                    warmup_s=round(warm, 3),
                    seconds=round(best, 3),
                    tokens_per_s=round(batch * args.new_tokens / best, 1),
                    ms_per_step=round(1000 * best / args.new_tokens, 2),
                )
                if args.device.startswith("cuda"):
                    row["peak_mem_gb"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
            except torch.OutOfMemoryError:
                row["error"] = "out of memory"
                torch.cuda.empty_cache()
            print(json.dumps(row), flush=True)
            rows.append(row)

    device_name = (
        torch.cuda.get_device_name() if args.device.startswith("cuda") else platform.processor() or "cpu"
    )
    result = {
        "model_config": args.model_config,
        "layers": config.num_hidden_layers,
        "device": device_name,
        "dtype": args.dtype,
        "weights": "random (real shapes)",
        "torch": torch.__version__,
        "transformers": tf_version,
        "rows": rows,
        "command": "python bench/llm_gpu.py "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v is not None),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = Path(args.model_config).name.removesuffix(".json")
    path = out / f"llm_gpu_{name}.json"
    path.write_text(json.dumps(result, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
