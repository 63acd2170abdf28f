"""Local generation with OpenVINO GenAI: the shipped 4-bit GGUF weights run as they are.

The transformers backend dequantizes the GGUF weights to bf16 and reads three times the bytes for every
token; OpenVINO keeps them 4-bit (decompressed inside the matmul kernels, with AMX/VNNI where the CPU has
them), so decoding, which is bound by memory bandwidth, is several times faster (docs/generation.md).

OpenVINO GenAI reads a GGUF file (llama, qwen2 and qwen3 architectures) and can save what it built as
OpenVINO IR, which later loads in seconds. `export_ir` does that once, at set-up (`shopmate models
prepare`), into `<cache>/<model>/openvino` with a manifest like the transformers copy's, so a changed
source or a half-written folder is never reused.

Every request runs through the continuous-batching pipeline with prefix caching on: the KV blocks of a
prompt's beginning (the fixed system prompt, a session's earlier turns) are kept and reused, so a turn
pays only for its new tokens.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from assistant.llm.manifest import publish, read_manifest, scratch_dir, write_manifest
from assistant.llm.threaded_stream import threaded_stream
from assistant.llm.types import (
    ChatMessage,
    GenerationParams,
    GeneratorUnavailable,
    finish_text,
)
from assistant.llm.weights import PACKAGED_MODELS, ModelUnavailable, cache_dir, gguf_path, sha256_of

log = logging.getLogger(__name__)
INSTALL = "pip install openvino-genai==2026.4.1.0"
IR_FILES = ("openvino_model.xml", "openvino_model.bin", "openvino_tokenizer.xml", "openvino_detokenizer.xml")


def _genai():
    try:
        import openvino_genai
    except ImportError as exc:
        raise GeneratorUnavailable(
            f"the openvino backend needs the openvino-genai package: {INSTALL}  (or run "
            "`make venv`), or choose the reference backend: SHOPMATE_LLM_BACKEND=transformers"
        ) from exc
    return openvino_genai


def ir_dir(model: str, root: str | Path | None = None) -> Path:
    return cache_dir(root) / model / "openvino"


def read_ir_manifest(target: Path, sha256: str) -> dict | None:
    """The manifest of an exported IR folder made from these weights, whole; None otherwise."""
    return read_manifest(target, {"sha256": sha256})


def export_ir(source: Path, sha256: str, target: Path) -> dict:
    """Build the OpenVINO model and tokenizers from a GGUF file once and save them as IR, with a manifest.

    The GGUF reader writes the IR beside the file it reads, so the file is linked into a scratch folder
    beside `target`, which is renamed into place when complete: a crash leaves no half copy."""
    genai = _genai()
    started = time.perf_counter()
    partial = scratch_dir(target)
    partial.mkdir(parents=True)
    link = partial / source.name
    link.symlink_to(source.resolve())
    try:
        # Building the pipeline compiles the model too; the IR is what is kept.
        genai.LLMPipeline(str(link), "CPU", enable_save_ov_model=True)
    except RuntimeError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise ModelUnavailable(
            f"OpenVINO could not read {source}: {exc}; run this model with SHOPMATE_LLM_BACKEND=transformers"
        ) from exc
    link.unlink()
    missing = [name for name in IR_FILES if not (partial / name).exists()]
    if missing:
        shutil.rmtree(partial, ignore_errors=True)
        raise ModelUnavailable(
            f"exporting {source} to OpenVINO left no {', '.join(missing)}; run this model "
            "with SHOPMATE_LLM_BACKEND=transformers"
        )
    manifest = {
        "source": str(source),
        "sha256": sha256,
        "backend": "openvino",
        "openvino_genai": genai.__version__,
        "export_s": round(time.perf_counter() - started, 1),
    }
    manifest = write_manifest(partial, manifest)
    return publish(partial, target, lambda: read_ir_manifest(target, sha256), manifest)


def prepare_ir(model: str, cache: str | Path | None = None) -> tuple[Path, dict, bool]:
    """The IR folder for a packaged model name or a .gguf path, exported if it is missing or stale.
    Returns (folder, manifest, whether this call exported it)."""
    if model in PACKAGED_MODELS:
        sha = PACKAGED_MODELS[model].sha256
        target = ir_dir(model, cache)
        source: Callable[[], Path] = lambda: gguf_path(model, cache)  # noqa: E731 (joined only when needed)
    elif model.endswith(".gguf") and Path(model).is_file():
        path = Path(model)
        sha = sha256_of(path)
        target = cache_dir(cache) / f"{path.stem}-{sha[:12]}" / "openvino"
        source = lambda: path  # noqa: E731
    else:
        raise ValueError(f"{model!r} is neither a packaged model (default, fast, test) nor a .gguf file")
    manifest = read_ir_manifest(target, sha)
    if manifest is not None:
        return target, manifest, False
    log.info("exporting %s to OpenVINO IR in %s, once", model, target)
    return target, export_ir(source(), sha, target), True


class OpenVINOGenerator:
    """A GGUF (or OpenVINO IR) model run by OpenVINO GenAI in this process; the `Generator` contract.

    `model` is `default`, `fast`, `test`, a .gguf path or a folder holding OpenVINO IR (as
    `optimum-cli export openvino` writes it). `loaded_from` says whether this load exported the IR
    (`gguf`) or reused it (`ir`). `threads` caps the CPU threads (default: all cores); `exact` runs in
    f32 (default: only the test model); `prefix_caching` off is for measuring what it saves."""

    def __init__(
        self,
        model: str = "default",
        cache: str | Path | None = None,
        threads: int | None = None,
        exact: bool | None = None,
        prefix_caching: bool = True,
    ):
        genai = _genai()
        started = time.perf_counter()
        if model in PACKAGED_MODELS or model.endswith(".gguf"):
            if model.endswith(".gguf") and not Path(model).is_file():
                raise ModelUnavailable(f"no GGUF file at {model}")
            self.path, self.manifest, exported = prepare_ir(model, cache)
            self.loaded_from = "gguf" if exported else "ir"
            info = PACKAGED_MODELS.get(model)
            self.name = (
                f"{model} ({info.description}, OpenVINO)" if info else f"{Path(model).name} (OpenVINO)"
            )
        elif (Path(model) / "openvino_model.xml").is_file():
            self.path, self.manifest, self.loaded_from = Path(model), {"source": model}, "ir"
            self.name = f"{model} (OpenVINO)"
        else:
            raise GeneratorUnavailable(
                f"the openvino backend runs a packaged model (default, fast, test), a .gguf file or a folder of "
                f"OpenVINO IR, and {model!r} is none of these: run it with SHOPMATE_LLM_BACKEND=transformers, or "
                f"export it first: optimum-cli export openvino --model {model} --weight-format int4 OUT_DIR"
            )
        properties: dict = {}
        if threads:
            properties["INFERENCE_NUM_THREADS"] = threads
        # The tiny test model runs in f32 (as the transformers backend runs it): there batched and
        # one-by-one greedy decoding agree exactly, which bf16 arithmetic does not promise.
        if exact if exact is not None else model == "test":
            properties.update(
                INFERENCE_PRECISION_HINT="f32", KV_CACHE_PRECISION="f32", DYNAMIC_QUANTIZATION_GROUP_SIZE=0
            )
        scheduler = genai.SchedulerConfig()
        scheduler.enable_prefix_caching = prefix_caching
        self._pipe = genai.LLMPipeline(str(self.path), "CPU", scheduler_config=scheduler, **properties)
        self._tokenizer = self._pipe.get_tokenizer()
        self._genai = genai
        self.load_s = time.perf_counter() - started
        # One generation at a time: the pipeline already uses every core; callers batch instead.
        self._lock = threading.Lock()

    def prompt_text(self, messages: list[ChatMessage]) -> str:
        history = self._genai.ChatHistory([{"role": m.role, "content": m.content} for m in messages])
        return self._tokenizer.apply_chat_template(history, add_generation_prompt=True)

    def count_tokens(self, text: str) -> int:
        return int(self._tokenizer.encode(text, add_special_tokens=False).input_ids.shape[1])

    def _config(self, params: GenerationParams):
        config = self._genai.GenerationConfig(max_new_tokens=params.max_new_tokens, apply_chat_template=False)
        if params.temperature > 0:
            config.do_sample = True
            config.temperature = params.temperature
            config.top_p = params.top_p
            if params.seed is not None:
                config.rng_seed = params.seed
        if params.stop:
            config.stop_strings = {s for s in params.stop if s}
            config.include_stop_str_in_output = False
        return config

    def generate(self, prompts: list[list[ChatMessage]], params: GenerationParams) -> list[str]:
        if not prompts:
            return []
        texts = [self.prompt_text(p) for p in prompts]
        with self._lock:
            results = self._pipe.generate(texts, self._config(params))
        return [finish_text(t, params.stop) for t in results.texts]

    def stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        text = self.prompt_text(messages)
        status = self._genai.StreamingStatus

        def produce(emit) -> None:
            with self._lock:
                self._pipe.generate(
                    text,
                    self._config(params),
                    streamer=lambda chunk: status.RUNNING if emit(chunk) else status.CANCEL,
                )

        return threaded_stream(produce, params.stop)
