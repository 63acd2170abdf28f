"""`shopmate models prepare`: exports the test model once into the cache, with a manifest, and reuses it.

The command runs in its own process, as a user runs it: the converters collect garbage after every layer,
which in the test process (holding every earlier test's objects) costs minutes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.llm.weights import PACKAGED_MODELS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]


def shopmate(cache: Path, *args: str) -> dict:
    env = {**os.environ, "SHOPMATE_MODEL_CACHE": str(cache)}
    env.pop("SHOPMATE_LLM_BACKEND", None)
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_prepare_exports_once_with_a_manifest_and_then_reuses_it(tmp_path):
    pytest.importorskip("openvino_genai", reason="the openvino backend is not installed")
    cache = tmp_path / "cache"
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
    first = shopmate(cache, *argv, "--no-check")
    assert first["made_now"] and first["backend"] == "openvino"
    assert first["path"] == str(cache / "test" / "openvino")
    manifest = json.loads((cache / "test" / "openvino" / "shopmate-manifest.json").read_text())
    assert manifest["sha256"] == PACKAGED_MODELS["test"].sha256 == first["manifest"]["sha256"]
    assert "openvino_model.bin" in manifest["files"]
    again = shopmate(cache, *argv)
    assert not again["made_now"] and again["path"] == first["path"] and "load_s" in again


def test_prepare_converts_to_ctranslate2_once_and_then_reuses_it(tmp_path):
    pytest.importorskip("ctranslate2", reason="the ctranslate2 backend is not installed")
    cache = tmp_path / "cache"
    argv = ["--home", str(tmp_path / "home"), "models", "prepare", "--model", "test", "--json", "--no-check"]
    first = shopmate(cache, *argv)
    assert first["made_now"] and first["backend"] == "ctranslate2"  # the default backend
    folder = cache / "test" / "ctranslate2"
    manifest = json.loads((folder / "shopmate-manifest.json").read_text())
    assert manifest["sha256"] == PACKAGED_MODELS["test"].sha256 and "model.bin" in manifest["files"]
    assert not shopmate(cache, *argv)["made_now"]
    assert not list(folder.parent.glob("*.partial")), "no scratch folder is left behind"


def test_prepare_refuses_a_model_with_nothing_to_prepare(tmp_path, capsys):
    assert main(["--home", str(tmp_path), "models", "prepare", "--model", "Qwen/Qwen2.5-0.5B-Instruct"]) == 2
    assert "nothing to prepare" in capsys.readouterr().err
