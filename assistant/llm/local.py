"""Local generation with transformers: GGUF weights converted once to a safetensors cache.

Loading a GGUF file dequantizes every tensor each time (about a minute for 1.5B parameters on CPU);
the converted copy loads in seconds. The copy is a directory with a manifest naming the source file,
its sha256, the dtype and the transformers version, so a changed source is never silently reused.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import torch

from assistant.llm.manifest import publish, scratch_dir, write_manifest
from assistant.llm.manifest import read_manifest as read_folder_manifest
from assistant.llm.types import ChatMessage, GenerationParams, finish_text, visible_chunks
from assistant.llm.weights import PACKAGED_MODELS, ModelUnavailable, cache_dir, gguf_path, sha256_of

log = logging.getLogger(__name__)


def default_dtype(model: str) -> torch.dtype:
    # bf16 ran faster than fp32 for the Qwen models on this CPU; the tiny test model stays fp32, where
    # batched and one-by-one greedy decoding agree exactly.
    return torch.float32 if model == "test" else torch.bfloat16


def converted_dir(model: str, root: str | Path | None = None) -> Path:
    return cache_dir(root) / model / "converted"


def read_manifest(target: Path, sha256: str, dtype: torch.dtype) -> dict | None:
    """The manifest of a converted copy made from these weights at this dtype, whole; None otherwise."""
    return read_folder_manifest(target, {"sha256": sha256, "dtype": str(dtype)}, sizes_optional=True)


def convert_gguf(source: Path, sha256: str, target: Path, dtype: torch.dtype) -> dict:
    """Dequantize a GGUF file once and save it, with its tokenizer and a manifest, as a plain
    safetensors directory. Written beside `target` and renamed into place, so a crash leaves no half copy."""
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    loaded = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, dtype=dtype)
    config = loaded.config
    # save_pretrained refuses a model that still says it is GGUF-quantized: rebuild it as a plain one.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    result = model.load_state_dict(loaded.state_dict(), strict=False)
    tied = {"lm_head.weight"} if getattr(config, "tie_word_embeddings", False) else set()
    if result.unexpected_keys or set(result.missing_keys) - tied:
        raise ModelUnavailable(
            f"converting {source}: weights did not fit the architecture (missing "
            f"{result.missing_keys}, unexpected {result.unexpected_keys})"
        )
    model.tie_weights()
    del loaded
    partial = scratch_dir(target)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    manifest = {
        "source": str(source),
        "sha256": sha256,
        "dtype": str(dtype),
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "convert_s": round(time.perf_counter() - started, 1),
    }
    manifest = write_manifest(partial, manifest)
    return publish(partial, target, lambda: read_manifest(target, sha256, dtype), manifest)


class TransformersGenerator:
    """A causal LM run in this process: batched with left padding, streamed through a thread.

    `model` is `default`, `fast`, `test`, a path to a .gguf file, a local model directory or a Hugging
    Face id. GGUF weights are converted once into `cache` (see `cache_dir`); `loaded_from` says whether
    this load converted (`gguf`) or reused the copy (`converted`)."""

    def __init__(
        self,
        model: str = "default",
        device: str | None = None,
        dtype: torch.dtype | None = None,
        cache: str | Path | None = None,
    ):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        started = time.perf_counter()
        self.dtype = dtype or default_dtype(model)
        if model in PACKAGED_MODELS:
            info = PACKAGED_MODELS[model]
            self.name = f"{model} ({info.description})"
            self._load_gguf(model, lambda: gguf_path(model, cache), info.sha256, converted_dir(model, cache))
        elif model.endswith(".gguf") and Path(model).is_file():
            source = Path(model)
            sha = sha256_of(source)
            self.name = source.name
            self._load_gguf(source.stem, lambda: source, sha, cache_dir(cache) / f"{source.stem}-{sha[:12]}")
        else:  # a local directory or a Hugging Face id, for stores with a network or their own weights
            self.name = model
            self.tokenizer = AutoTokenizer.from_pretrained(model)
            self.model = AutoModelForCausalLM.from_pretrained(model, dtype=self.dtype)
            self.manifest = {"source": model}
            self.loaded_from = "pretrained"
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model.to(self.device).eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.load_s = time.perf_counter() - started
        # One generation at a time per model: torch already uses every core; callers batch instead.
        self._lock = threading.Lock()

    def _load_gguf(self, key: str, source, sha256: str, target: Path) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        manifest = read_manifest(target, sha256, self.dtype)
        if manifest is None:
            log.info("converting %s to a safetensors copy in %s, once; this takes a minute", key, target)
            manifest = convert_gguf(source(), sha256, target, self.dtype)
            self.loaded_from = "gguf"
        else:
            self.loaded_from = "converted"
        self.tokenizer = AutoTokenizer.from_pretrained(target)
        self.model = AutoModelForCausalLM.from_pretrained(target, dtype=self.dtype)
        self.manifest = manifest
        self.converted_path = target

    def _encode(self, prompts: list[list[ChatMessage]]):
        texts = [
            self.tokenizer.apply_chat_template(
                [{"role": m.role, "content": m.content} for m in msgs],
                add_generation_prompt=True,
                tokenize=False,
            )
            for msgs in prompts
        ]
        return self.tokenizer(texts, padding=True, return_tensors="pt", add_special_tokens=False).to(
            self.device
        )

    def _kwargs(self, params: GenerationParams) -> dict:
        kwargs = {"max_new_tokens": params.max_new_tokens, "pad_token_id": self.tokenizer.pad_token_id}
        if params.temperature > 0:
            kwargs.update(do_sample=True, temperature=params.temperature, top_p=params.top_p, top_k=None)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if params.stop:
            kwargs.update(stop_strings=list(params.stop), tokenizer=self.tokenizer)
        return kwargs

    def _seed(self, params: GenerationParams) -> None:
        if params.temperature > 0 and params.seed is not None:
            torch.manual_seed(params.seed)

    def generate(self, prompts: list[list[ChatMessage]], params: GenerationParams) -> list[str]:
        if not prompts:
            return []
        encoded = self._encode(prompts)
        with self._lock, torch.inference_mode():
            self._seed(params)
            output = self.model.generate(**encoded, **self._kwargs(params))
        new_tokens = output[:, encoded["input_ids"].shape[1] :]
        texts = self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        return [finish_text(t, params.stop) for t in texts]

    def stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        encoded = self._encode([messages])
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        cancelled = threading.Event()
        errors: list[BaseException] = []

        class UntilCancelled(StoppingCriteria):
            # A reader that stops early (a stop string, a closed connection) frees the model at once.
            def __call__(self, input_ids, scores, **kwargs):
                return torch.full((input_ids.shape[0],), cancelled.is_set(), dtype=torch.bool)

        def run() -> None:
            try:
                with self._lock, torch.inference_mode():
                    self._seed(params)
                    self.model.generate(
                        **encoded,
                        **self._kwargs(params),
                        streamer=streamer,
                        stopping_criteria=StoppingCriteriaList([UntilCancelled()]),
                    )
            except BaseException as exc:  # surfaced in the reading thread below
                errors.append(exc)
                streamer.end()

        thread = threading.Thread(target=run, name="generate-stream", daemon=True)
        thread.start()
        try:
            yield from visible_chunks(streamer, params.stop)
        finally:
            cancelled.set()  # the streamer's queue is unbounded: the thread finishes without a reader
            thread.join()
        if errors:
            raise errors[0]
