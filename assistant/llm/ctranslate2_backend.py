"""Local generation with CTranslate2: int8 weights, the fastest backend measured on this CPU.

The packaged GGUF weights are converted once (`shopmate models prepare`): GGUF -> the transformers
safetensors copy (assistant/llm/local.py) -> a CTranslate2 model quantized to int8 (float32 for the tiny
test model, where batched and one-by-one greedy decoding then agree exactly). The folder holds the
tokenizer and a manifest naming the source sha256, the quantization and the versions that made it, so a
changed source is never silently reused. Decoding reads int8 weights through oneDNN's VNNI kernels;
the instructions and worked example that start every prompt of a kind are cached (`static_prompt`), so
a turn pays only for its own tokens.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from assistant.llm.manifest import publish, read_manifest, scratch_dir, write_manifest
from assistant.llm.threaded_stream import threaded_stream
from assistant.llm.types import (
    ChatMessage,
    GenerationParams,
    GeneratorUnavailable,
    finish_text,
    visible_chunks,
)
from assistant.llm.weights import PACKAGED_MODELS, ModelUnavailable, cache_dir

log = logging.getLogger(__name__)
_TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "special_tokens_map.json",
    "generation_config.json",
)


def _ct2():
    try:
        import ctranslate2
    except ImportError as exc:
        raise GeneratorUnavailable(
            "the ctranslate2 backend needs its package: pip install ctranslate2==4.8.5 "
            "(or SHOPMATE_LLM_BACKEND=transformers)"
        ) from exc
    return ctranslate2


def ct2_dir(model: str, root: str | Path | None = None) -> Path:
    return cache_dir(root) / model / "ctranslate2"


def quantization_for(model: str) -> str:
    return "float32" if model == "test" else "int8"


def read_ct2_manifest(target: Path, sha256: str, quantization: str) -> dict | None:
    """The manifest of a converted model made from these weights at this quantization, whole; else None."""
    return read_manifest(target, {"sha256": sha256, "quantization": quantization})


def prepare_ct2(model: str, cache: str | Path | None = None) -> tuple[Path, dict, bool]:
    """The converted CTranslate2 model of a packaged model: (folder, manifest, converted now?). Written
    beside its place and renamed in, so a crash leaves no half copy."""
    from assistant.llm.local import convert_gguf, converted_dir, default_dtype, read_manifest
    from assistant.llm.weights import gguf_path

    if model not in PACKAGED_MODELS:
        raise ModelUnavailable(
            f"the ctranslate2 backend converts the packaged models (default, fast, test), "
            f"not {model!r}: run it with SHOPMATE_LLM_BACKEND=transformers, or convert it with "
            f"ct2-transformers-converter --model {model} --quantization int8 --output_dir OUT"
        )
    info = PACKAGED_MODELS[model]
    quantization = quantization_for(model)
    target = ct2_dir(model, cache)
    manifest = read_ct2_manifest(target, info.sha256, quantization)
    if manifest is not None:
        return target, manifest, False
    ct2 = _ct2()
    started = time.perf_counter()
    dtype = default_dtype(model)
    source = converted_dir(model, cache)
    if read_manifest(source, info.sha256, dtype) is None:
        log.info("converting %s from GGUF to safetensors in %s, once", model, source)
        convert_gguf(gguf_path(model, cache), info.sha256, source, dtype)
    partial = scratch_dir(target)
    log.info("converting %s to CTranslate2 (%s) in %s, once", model, quantization, target)
    ct2.converters.TransformersConverter(str(source), low_cpu_mem_usage=True).convert(
        str(partial), quantization=quantization, force=True
    )
    for name in _TOKENIZER_FILES:
        if (source / name).exists():
            shutil.copy2(source / name, partial / name)
    manifest = write_manifest(
        partial,
        {
            "source": str(source),
            "sha256": info.sha256,
            "quantization": quantization,
            "ctranslate2": ct2.__version__,
            "convert_s": round(time.perf_counter() - started, 1),
        },
    )
    manifest = publish(
        partial, target, lambda: read_ct2_manifest(target, info.sha256, quantization), manifest
    )
    return target, manifest, True


class CTranslate2Generator:
    """A packaged model (or a folder a CTranslate2 converter wrote) run by CTranslate2; the `Generator`
    contract. `threads` caps the CPU threads (default: all cores); on a machine with CUDA the model runs
    there in int8 with float16 activations."""

    def __init__(
        self,
        model: str = "default",
        cache: str | Path | None = None,
        threads: int | None = None,
        device: str | None = None,
    ):
        from transformers import AutoTokenizer

        ct2 = _ct2()
        started = time.perf_counter()
        if model in PACKAGED_MODELS:
            self.path, self.manifest, converted = prepare_ct2(model, cache)
            self.loaded_from = "gguf" if converted else "ctranslate2"
            self.name = (
                f"{model} ({PACKAGED_MODELS[model].description}, CTranslate2 {self.manifest['quantization']})"
            )
        elif (Path(model) / "model.bin").is_file():
            self.path, self.manifest, self.loaded_from = Path(model), {"source": model}, "ctranslate2"
            self.name = f"{model} (CTranslate2)"
        else:
            raise GeneratorUnavailable(
                f"the ctranslate2 backend runs a packaged model (default, fast, test) or a folder a CTranslate2 "
                f"converter wrote, and {model!r} is neither: run it with SHOPMATE_LLM_BACKEND=transformers"
            )
        self.device = device or ("cuda" if ct2.get_cuda_device_count() > 0 else "cpu")
        quantization = self.manifest.get("quantization", "int8")
        compute = quantization if self.device == "cpu" or quantization == "float32" else "int8_float16"
        self._model = ct2.Generator(
            str(self.path),
            device=self.device,
            compute_type=compute,
            intra_threads=threads or os.cpu_count() or 1,
        )
        self.tokenizer = AutoTokenizer.from_pretrained(self.path)
        self._stop_ids = sorted(
            {
                i
                for i in (
                    self.tokenizer.eos_token_id,
                    self.tokenizer.pad_token_id,
                    self.tokenizer.convert_tokens_to_ids("<|im_end|>"),
                )
                if isinstance(i, int) and i >= 0 and i != self.tokenizer.unk_token_id
            }
        )
        self._newline = self.tokenizer.convert_ids_to_tokens(
            self.tokenizer("\n", add_special_tokens=False)["input_ids"]
        )[0]
        self.load_s = time.perf_counter() - started
        # One generation at a time: the model already uses every core; callers batch instead.
        self._lock = threading.Lock()

    # -- prompts: the fixed part of a prompt is computed once and cached -------------------------------------
    def prompt_text(self, messages: list[ChatMessage], whole: bool = True) -> str:
        return self.tokenizer.apply_chat_template(
            [{"role": m.role, "content": m.content} for m in messages],
            add_generation_prompt=whole,
            tokenize=False,
        )

    def _ids(self, messages: list[ChatMessage], whole: bool = True) -> list[int]:
        return self.tokenizer(self.prompt_text(messages, whole), add_special_tokens=False)["input_ids"]

    def _split(self, prompts: list[list[ChatMessage]]) -> tuple[list[str] | None, list[list[str]]]:
        """(the shared prefix, each prompt's own tokens) when every prompt starts with the same earlier
        messages (instructions and worked example), else (None, the whole prompts)."""
        whole = [self._ids(p) for p in prompts]
        heads = {tuple(p[:-1]) for p in prompts}
        if len(heads) == 1 and len(prompts[0]) > 1:
            prefix = self._ids(prompts[0][:-1], whole=False)
            if prefix and all(w[: len(prefix)] == prefix and len(w) > len(prefix) for w in whole):
                tokens = self.tokenizer.convert_ids_to_tokens
                return tokens(prefix), [tokens(w[len(prefix) :]) for w in whole]
        return None, [self.tokenizer.convert_ids_to_tokens(w) for w in whole]

    def _same_length(self, tokens: list[list[str]]) -> list[list[str]]:
        """Prompts of one batch made the same length with blank lines before their own turn.

        CTranslate2 forwards a batch's prompts at once only up to the shortest one; the rest of every
        longer prompt is fed one token per decoding step (CTranslate2 issue #1349), which made a batch of 8
        chat prompts slower than running them one by one. A newline between turns changes nothing the model
        reads, and lets the whole batch be forwarded in one pass."""
        longest = max(len(t) for t in tokens)
        return [[self._newline] * (longest - len(t)) + t for t in tokens]

    def _options(self, params: GenerationParams, static_prompt: list[str] | None) -> dict:
        options = {"max_length": params.max_new_tokens, "end_token": self._stop_ids}
        if params.temperature > 0:
            options.update(
                sampling_topk=0, sampling_temperature=params.temperature, sampling_topp=params.top_p
            )
        else:
            options.update(sampling_topk=1)
        if static_prompt:
            options.update(static_prompt=static_prompt, cache_static_prompt=True)
        return options

    def _sample_seeded(self, messages: list[ChatMessage], params: GenerationParams) -> str:
        """Seeded sampling, token by token: CTranslate2's own sampler draws from per-thread generators
        that a seed set later does not reach, so a repeatable draw is made here from the model's logits."""
        import numpy as np

        rng = np.random.default_rng(params.seed)
        ids = self._ids(messages)
        reply: list[int] = []
        for _ in range(params.max_new_tokens):
            tokens = self.tokenizer.convert_ids_to_tokens(ids + reply)
            logits = (
                np.asarray(self._model.forward_batch([tokens]), dtype=np.float64)[0, -1] / params.temperature
            )
            probs = np.exp(logits - logits.max())
            probs /= probs.sum()
            order = np.argsort(-probs)
            keep = order[: int(np.searchsorted(np.cumsum(probs[order]), params.top_p)) + 1]
            token = int(rng.choice(keep, p=probs[keep] / probs[keep].sum()))
            if token in self._stop_ids:
                break
            reply.append(token)
        return self.tokenizer.decode(reply, skip_special_tokens=True)

    def generate(self, prompts: list[list[ChatMessage]], params: GenerationParams) -> list[str]:
        if not prompts:
            return []
        if params.temperature > 0 and params.seed is not None:
            with self._lock:
                return [finish_text(self._sample_seeded(p, params), params.stop) for p in prompts]
        prefix, tokens = self._split(prompts)
        with self._lock:
            options = self._options(params, prefix)
            results = self._model.generate_batch(
                self._same_length(tokens), include_prompt_in_result=False, **options
            )
        texts = [self.tokenizer.decode(r.sequences_ids[0], skip_special_tokens=True) for r in results]
        return [finish_text(t, params.stop) for t in texts]

    def stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        if params.temperature > 0 and params.seed is not None:
            yield from visible_chunks(iter(self.generate([messages], replace(params, stop=()))), params.stop)
            return
        prefix, (tokens,) = self._split([messages])

        def produce(emit) -> None:
            ids: list[int] = []
            sent = ""
            with self._lock:
                steps = self._model.generate_tokens(tokens, **self._options(params, prefix))
                for step in steps:
                    if step.token_id in self._stop_ids:
                        break
                    ids.append(step.token_id)
                    # Decoding the whole reply each step keeps multi-byte characters whole.
                    text = self.tokenizer.decode(ids, skip_special_tokens=True)
                    if len(text) > len(sent) and not text.endswith("\ufffd"):
                        fresh, sent = text[len(sent) :], text
                        if not emit(fresh):
                            steps.close()
                            break

        yield from threaded_stream(produce, params.stop)
