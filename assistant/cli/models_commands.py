"""`shopmate models prepare`: join, convert or export a language model once, at set-up.

`make demo` runs it before the UI starts, so no shopper's first message waits for a conversion. What it
makes is reused by every later load: the int8 CTranslate2 model (`<cache>/<model>/ctranslate2`), the OpenVINO IR
(`<cache>/<model>/openvino`) or the transformers
safetensors copy (`<cache>/<model>/converted`), each with a manifest naming its source and sha256.
"""

from __future__ import annotations

import argparse
import time

from assistant.cli.common import EXIT_OK, EXIT_USAGE, CliError, print_json


def _prepare(model: str, backend: str, check: bool, steps) -> dict:
    from assistant.llm import ChatMessage, GenerationParams, open_generator, resolve_backend
    from assistant.llm.weights import PACKAGED_MODELS, gguf_path

    if model not in PACKAGED_MODELS and not model.endswith(".gguf"):
        raise ValueError(
            f"{model!r} is not a packaged model (default, fast, test) or a .gguf file: a Hugging Face "
            "id, a model folder or OpenVINO IR loads as it is, with nothing to prepare"
        )
    backend = resolve_backend(model, backend)
    started = time.perf_counter()
    if model in PACKAGED_MODELS:
        steps.set_description("joining and checking the weight packages")
        gguf_path(model)
    steps.update()
    steps.set_description(
        f"{'exporting to OpenVINO IR' if backend == 'openvino' else 'converting'} (once; "
        "a minute or two for the default model)"
    )
    if backend == "openvino":
        from assistant.llm.openvino_backend import prepare_ir

        path, manifest, made = prepare_ir(model)
    elif backend == "ctranslate2":
        from assistant.llm.ctranslate2_backend import prepare_ct2

        path, manifest, made = prepare_ct2(model)
    else:
        from assistant.llm.local import TransformersGenerator

        # Loading converts when the copy is missing or stale.
        converted = TransformersGenerator(model)
        path, manifest = getattr(converted, "converted_path", None), converted.manifest
        made = converted.loaded_from == "gguf"
        del converted
    steps.update()
    result = {
        "model": model,
        "backend": backend,
        "path": str(path) if path else None,
        "made_now": made,
        "manifest": manifest,
    }
    if check:
        steps.set_description("loading it once and generating a token")
        loaded = time.perf_counter()
        generator = open_generator(model, backend=backend)
        result["load_s"] = round(time.perf_counter() - loaded, 1)
        generator.generate([[ChatMessage("user", "Hello")]], GenerationParams(max_new_tokens=1))
    steps.update()
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def run_prepare(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from assistant.config import Settings
    from assistant.llm import GeneratorUnavailable

    settings = Settings.from_env(args.home)
    model = args.model or settings.llm
    backend = args.backend or settings.llm_backend
    if not args.json:
        print(f"shopmate models prepare: {model} on {backend}")
    with tqdm(total=3, unit="step", bar_format="{n}/{total} {desc} [{elapsed}]", disable=args.json) as steps:
        try:
            result = _prepare(model, backend, not args.no_check, steps)
        except (GeneratorUnavailable, ValueError) as exc:
            raise CliError(str(exc), EXIT_USAGE if isinstance(exc, ValueError) else 1) from exc
    if args.json:
        print_json(result)
        return EXIT_OK
    print(f"{'made' if result['made_now'] else 'already prepared'}: {result['path'] or model}")
    manifest = result["manifest"] or {}
    for key in (
        "source",
        "sha256",
        "quantization",
        "ctranslate2",
        "openvino_genai",
        "transformers",
        "export_s",
        "convert_s",
    ):
        if key in manifest:
            print(f"  {key}: {manifest[key]}")
    if "load_s" in result:
        print(f"  loads in {result['load_s']} s and generates; ready for 'shopmate ui' and 'shopmate serve'")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    from assistant.llm import BACKENDS

    models = sub.add_parser(
        "models",
        help="prepare the language model once, at set-up",
        description="Language-model files made once and reused by every load.",
    )
    msub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    p = msub.add_parser(
        "prepare",
        help="join the weights and convert them for the chosen backend",
        description="Join the packaged GGUF weights, check their sha256, and convert them once for the "
        "backend: an int8 CTranslate2 model (ctranslate2, the default), OpenVINO IR (openvino) or a "
        "safetensors copy (transformers), each with a manifest; then load once to check. Safe to run "
        "again: a prepared model is reused.",
    )
    p.add_argument("--model", help="default, fast, test or a .gguf path (default: $SHOPMATE_LLM or default)")
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        help="the local backend to prepare for (default: $SHOPMATE_LLM_BACKEND or ctranslate2)",
    )
    p.add_argument("--no-check", action="store_true", help="skip the test load and one-token generation")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(run=run_prepare)
