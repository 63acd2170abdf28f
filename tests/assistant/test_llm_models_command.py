"""`shopmate models prepare`: exports the test model once into the cache, with a manifest, and reuses it."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main
from assistant.llm.weights import PACKAGED_MODELS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_prepare_exports_once_with_a_manifest_and_then_reuses_it(tmp_path, monkeypatch, capsys):
    pytest.importorskip("openvino_genai", reason="the openvino backend is not installed")
    monkeypatch.setenv("SHOPMATE_MODEL_CACHE", str(tmp_path / "cache"))
    argv = [
        "--home",
        str(tmp_path / "home"),
        "models",
        "prepare",
        "--model",
        "test",
        "--backend",
        "openvino",
        "--json",
    ]
    assert main([*argv, "--no-check"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["made_now"] and first["backend"] == "openvino"
    assert first["path"] == str(tmp_path / "cache" / "test" / "openvino")
    manifest = json.loads((tmp_path / "cache" / "test" / "openvino" / "shopmate-manifest.json").read_text())
    assert manifest["sha256"] == PACKAGED_MODELS["test"].sha256 == first["manifest"]["sha256"]
    assert "openvino_model.bin" in manifest["files"]
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert not again["made_now"] and again["path"] == first["path"] and "load_s" in again


def test_prepare_converts_to_ctranslate2_once_and_then_reuses_it(tmp_path, monkeypatch, capsys):
    pytest.importorskip("ctranslate2", reason="the ctranslate2 backend is not installed")
    monkeypatch.setenv("SHOPMATE_MODEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("SHOPMATE_LLM_BACKEND", raising=False)
    argv = ["--home", str(tmp_path / "home"), "models", "prepare", "--model", "test", "--json", "--no-check"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["made_now"] and first["backend"] == "ctranslate2"  # the default backend
    folder = tmp_path / "cache" / "test" / "ctranslate2"
    manifest = json.loads((folder / "shopmate-manifest.json").read_text())
    assert manifest["sha256"] == PACKAGED_MODELS["test"].sha256 and "model.bin" in manifest["files"]
    assert main(argv) == 0
    assert not json.loads(capsys.readouterr().out)["made_now"]


def test_prepare_refuses_a_model_with_nothing_to_prepare(tmp_path, capsys):
    assert main(["--home", str(tmp_path), "models", "prepare", "--model", "Qwen/Qwen2.5-0.5B-Instruct"]) == 2
    assert "nothing to prepare" in capsys.readouterr().err
