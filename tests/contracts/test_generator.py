"""One contract for every Generator (the scikit-learn `check_estimator` idea): each installed local
backend (transformers, the reference; OpenVINO, running the 4-bit GGUF weights; CTranslate2, int8) and the
OpenAI-compatible client, the latter against a real HTTP server on loopback that serves the test model with SSE streaming.
Also: the converted-weights cache, the exported OpenVINO IR and the CTranslate2 model are reused, and never
when changed."""

from __future__ import annotations

import json
import os
import shutil
import uuid

import pytest

from assistant.llm import ChatMessage, GenerationParams, Generator, GeneratorUnavailable
from assistant.llm.local import TransformersGenerator, read_manifest
from assistant.llm.manifest import MANIFEST
from assistant.llm.openvino_backend import read_ir_manifest
from assistant.llm.remote import OpenAICompatibleGenerator
from assistant.llm.types import finish_text
from assistant.llm.weights import PACKAGED_MODELS
from tests.support.servers import free_port, start_server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

PROMPTS = [
    [ChatMessage("user", "List three fruits.")],
    [
        ChatMessage("system", "You are a helpful shop assistant."),
        ChatMessage("user", "Suggest a gift for a runner who likes music, and say why in two sentences."),
    ],
    [ChatMessage("user", "Hi")],
]
GREEDY = GenerationParams(max_new_tokens=12)


def openai_app(generator: Generator):
    """A minimal OpenAI-compatible chat server over any Generator (what vLLM or llama.cpp serve)."""
    from fastapi import FastAPI
    from fastapi.responses import StreamingResponse

    app = FastAPI()

    @app.post("/v1/chat/completions")
    def complete(body: dict):
        messages = [ChatMessage(m["role"], m["content"]) for m in body["messages"]]
        params = GenerationParams(
            max_new_tokens=body.get("max_tokens") or 256,
            temperature=body.get("temperature") or 0.0,
            top_p=body.get("top_p") or 1.0,
            seed=body.get("seed"),
            stop=tuple(body.get("stop") or ()),
        )
        reply_id = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        if body.get("stream"):

            def events():
                for chunk in generator.stream(messages, params):
                    delta = {
                        "id": reply_id,
                        "object": "chat.completion.chunk",
                        "choices": [{"index": 0, "delta": {"content": chunk}, "finish_reason": None}],
                    }
                    yield f"data: {json.dumps(delta)}\n\n"
                yield "data: [DONE]\n\n"

            return StreamingResponse(events(), media_type="text/event-stream")
        text = generator.generate([messages], params)[0]
        return {
            "id": reply_id,
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
        }

    return app


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def local_generator(model_cache) -> TransformersGenerator:
    """The test model, converted from its GGUF into a fresh cache: loaded once for the session."""
    import torch

    # On a small shared box, one thread is several times faster than two oversubscribed ones.
    torch.set_num_threads(1)
    return TransformersGenerator("test", cache=model_cache)


@pytest.fixture(scope="session")
def openvino_generator(model_cache):
    """The test model on OpenVINO, its IR exported from the GGUF into the fresh cache: loaded once."""
    pytest.importorskip("openvino_genai", reason="the openvino backend is not installed")
    from assistant.llm.openvino_backend import OpenVINOGenerator

    return OpenVINOGenerator("test", cache=model_cache, threads=1)


@pytest.fixture(scope="session")
def ctranslate2_generator(model_cache):
    """The test model on CTranslate2 (float32), converted from the GGUF into the fresh cache: loaded once."""
    pytest.importorskip("ctranslate2", reason="the ctranslate2 backend is not installed")
    from assistant.llm.ctranslate2_backend import CTranslate2Generator

    return CTranslate2Generator("test", cache=model_cache, threads=1)


@pytest.fixture(scope="session")
def served_generator(local_generator):
    running = start_server(openai_app(local_generator))
    client = OpenAICompatibleGenerator(running.url, model="test")
    yield client
    client.close()
    running.stop()


FIXTURES = {
    "transformers": "local_generator",
    "openvino": "openvino_generator",
    "ctranslate2": "ctranslate2_generator",
    "openai_http": "served_generator",
}
# Whose greedy output each must match token for token: the same weights in the same arithmetic (the
# HTTP server serves the transformers generator; OpenVINO's kernels round differently, see below).
REFERENCE = {
    "transformers": "local_generator",
    "openvino": "openvino_generator",
    "ctranslate2": "ctranslate2_generator",
    "openai_http": "local_generator",
}


@pytest.fixture(params=list(FIXTURES))
def generator(request) -> Generator:
    return request.getfixturevalue(FIXTURES[request.param])


@pytest.fixture
def reference(request, generator) -> Generator:
    return request.getfixturevalue(REFERENCE[request.node.callspec.params["generator"]])


# -- the shared contract ----------------------------------------------------------------------------------


def test_implements_the_generator_protocol(generator):
    assert isinstance(generator, Generator)
    assert isinstance(generator.name, str) and generator.name
    assert generator.generate([], GREEDY) == []


def test_batched_greedy_output_equals_one_by_one(request, generator):
    if request.node.callspec.params["generator"] == "ctranslate2":
        pytest.skip("CTranslate2 lines a batch up with blank lines (held by the CTranslate2 tests below)")
    batched = generator.generate(PROMPTS, GREEDY)
    single = [generator.generate([p], GREEDY)[0] for p in PROMPTS]
    assert batched == single
    assert all(batched), "the test model should say something to every prompt"


def test_greedy_output_is_deterministic_and_the_same_across_implementations(generator, reference):
    assert generator.generate(PROMPTS[1:2], GREEDY) == reference.generate(PROMPTS[1:2], GREEDY)


def test_stream_chunks_join_to_the_generated_text(generator):
    chunks = list(generator.stream(PROMPTS[1], GREEDY))
    assert len(chunks) > 1, "a reply should arrive in pieces"
    assert "".join(chunks) == generator.generate([PROMPTS[1]], GREEDY)[0]


def test_max_new_tokens_is_respected(generator, local_generator):
    short = generator.generate([PROMPTS[1]], GenerationParams(max_new_tokens=3))[0]
    longer = generator.generate([PROMPTS[1]], GenerationParams(max_new_tokens=12))[0]
    assert longer.startswith(short) and len(short) < len(longer)
    assert len(local_generator.tokenizer(short, add_special_tokens=False)["input_ids"]) <= 3
    assert "".join(generator.stream(PROMPTS[1], GenerationParams(max_new_tokens=3))) == short


def test_stop_strings_cut_the_reply_in_generate_and_stream(generator):
    full = generator.generate([PROMPTS[1]], GREEDY)[0]
    words = full.split()
    assert len(words) >= 3, full
    stop = words[2]  # a word from the middle: everything from its first appearance on must go
    params = GenerationParams(max_new_tokens=12, stop=(stop, "never-appears"))
    expected = finish_text(full, (stop,))
    assert generator.generate([PROMPTS[1]], params)[0] == expected
    assert "".join(generator.stream(PROMPTS[1], params)) == expected
    assert stop not in expected


def test_sampling_with_a_seed_is_repeatable(generator):
    params = GenerationParams(max_new_tokens=8, temperature=0.9, top_p=0.95, seed=7)
    assert generator.generate([PROMPTS[0]], params) == generator.generate([PROMPTS[0]], params)


# -- the local generator's conversion cache -------------------------------------------------------------------


def test_second_load_reuses_the_converted_copy(local_generator, model_cache):
    assert local_generator.loaded_from == "gguf"
    manifest = json.loads((local_generator.converted_path / MANIFEST).read_text())
    assert manifest["sha256"] == PACKAGED_MODELS["test"].sha256
    assert manifest["dtype"] == "torch.float32" and manifest["transformers"]
    again = TransformersGenerator("test", cache=model_cache)
    assert again.loaded_from == "converted"
    assert again.load_s < local_generator.load_s
    assert again.generate(PROMPTS[:1], GREEDY) == local_generator.generate(PROMPTS[:1], GREEDY)


def test_a_changed_converted_copy_is_not_trusted(local_generator, tmp_path):
    source = local_generator.converted_path
    copy = tmp_path / "converted"
    shutil.copytree(source, copy, copy_function=os.link)  # hard links: no 500 MB copy
    sha, dtype = PACKAGED_MODELS["test"].sha256, local_generator.dtype
    assert read_manifest(copy, sha, dtype) is not None
    (copy / "config.json").unlink()
    (copy / "config.json").write_text((source / "config.json").read_text() + " ")
    assert read_manifest(copy, sha, dtype) is None
    assert read_manifest(source, "0" * 64, dtype) is None  # made from other weights


# -- the OpenVINO backend's exported IR ---------------------------------------------------------------------


def test_openvino_runs_the_same_weights_as_the_reference(openvino_generator, local_generator):
    # Greedy decoding agrees until the two runtimes' rounding first tips a close choice (after about
    # eight tokens on this tiny 4-bit model); wrong weights or a wrong chat template differ at once.
    short = GenerationParams(max_new_tokens=5)
    assert openvino_generator.generate(PROMPTS, short) == local_generator.generate(PROMPTS, short)


def test_second_openvino_load_reuses_the_exported_ir(openvino_generator, model_cache):
    from assistant.llm.openvino_backend import OpenVINOGenerator

    assert openvino_generator.loaded_from == "gguf"
    manifest = openvino_generator.manifest
    assert manifest["sha256"] == PACKAGED_MODELS["test"].sha256 and manifest["openvino_genai"]
    assert not list(openvino_generator.path.glob("*.gguf")), "the IR folder holds no copy of the source"
    again = OpenVINOGenerator("test", cache=model_cache, threads=1)
    assert again.loaded_from == "ir" and again.path == openvino_generator.path
    assert again.generate(PROMPTS[:1], GREEDY) == openvino_generator.generate(PROMPTS[:1], GREEDY)


def test_a_changed_openvino_ir_is_not_trusted(openvino_generator, tmp_path):
    copy = tmp_path / "openvino"
    shutil.copytree(openvino_generator.path, copy, copy_function=os.link)
    sha = PACKAGED_MODELS["test"].sha256
    assert read_ir_manifest(copy, sha) is not None
    (copy / "openvino_model.xml").unlink()
    (copy / "openvino_model.xml").write_text(
        (openvino_generator.path / "openvino_model.xml").read_text()[:-1]
    )
    assert read_ir_manifest(copy, sha) is None
    assert read_ir_manifest(openvino_generator.path, "0" * 64) is None  # made from other weights


# -- the HTTP client's errors -------------------------------------------------------------------------------


def test_a_server_that_is_down_gives_an_error_naming_the_url_and_the_fix():
    url = f"http://127.0.0.1:{free_port()}"
    client = OpenAICompatibleGenerator(url, timeout=5)
    with pytest.raises(GeneratorUnavailable, match=r"127\.0\.0\.1.*did not answer.*--llm-url"):
        client.generate(PROMPTS[:1], GREEDY)
    with pytest.raises(GeneratorUnavailable, match=r"/v1 did not answer"):
        list(client.stream(PROMPTS[0], GREEDY))


def test_ctranslate2_runs_the_same_weights_as_the_reference(ctranslate2_generator, local_generator):
    # Float32 on both sides: the converted test model decodes greedily to the same words (one by one, since
    # a CTranslate2 batch lines its prompts up with blank lines).
    alone = [ctranslate2_generator.generate([p], GREEDY)[0] for p in PROMPTS]
    assert alone == local_generator.generate(PROMPTS, GREEDY)


def test_ctranslate2_batches_of_one_length_equal_one_by_one(ctranslate2_generator):
    """Only the blank lines that line a batch up differ from one by one: prompts of one length, which
    need none, get exactly their one-by-one replies."""
    same = [
        PROMPTS[1],
        [*PROMPTS[1][:-1], ChatMessage("user", PROMPTS[1][-1].content.replace("music", "books"))],
    ]
    lengths = {
        len(ctranslate2_generator.tokenizer(ctranslate2_generator.prompt_text(p))["input_ids"]) for p in same
    }
    assert len(lengths) == 1
    batched = ctranslate2_generator.generate(same, GREEDY)
    assert batched == [ctranslate2_generator.generate([p], GREEDY)[0] for p in same]


def test_ctranslate2_answers_every_prompt_of_a_mixed_batch(ctranslate2_generator):
    replies = ctranslate2_generator.generate(PROMPTS, GREEDY)
    assert len(replies) == len(PROMPTS) and all(replies)


def test_second_ctranslate2_load_reuses_the_conversion_and_a_changed_one_is_not_trusted(
    ctranslate2_generator, model_cache, tmp_path
):
    from assistant.llm.ctranslate2_backend import CTranslate2Generator, quantization_for, read_ct2_manifest

    manifest = ctranslate2_generator.manifest
    assert manifest["sha256"] == PACKAGED_MODELS["test"].sha256 and manifest["quantization"] == "float32"
    again = CTranslate2Generator("test", cache=model_cache, threads=1)
    assert again.loaded_from == "ctranslate2" and again.path == ctranslate2_generator.path
    sha = PACKAGED_MODELS["test"].sha256
    copy = tmp_path / "ctranslate2"
    shutil.copytree(ctranslate2_generator.path, copy, copy_function=os.link)
    assert read_ct2_manifest(copy, sha, quantization_for("test")) is not None
    assert read_ct2_manifest(copy, sha, "int8") is None  # another quantization
    assert read_ct2_manifest(copy, "0" * 64, "float32") is None  # made from other weights
    (copy / "config.json").unlink()
    (copy / "config.json").write_text("{}")
    assert read_ct2_manifest(copy, sha, "float32") is None  # a file changed since
