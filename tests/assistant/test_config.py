"""The SHOPMATE_* environment, read in one place (assistant/config.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.api.context import ApiConfig
from assistant.config import ENV_PREFIX, Environment, Settings, environment

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_every_variable_is_documented_and_the_table_names_no_other():
    documented = set(re.findall(r"^\| `(SHOPMATE_[A-Z_]+)` \|", DOCS.read_text(), re.M))
    assert documented == {f"{ENV_PREFIX}{name.upper()}" for name in Environment.model_fields}


def test_the_store_and_the_server_read_their_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("SHOPMATE_HOME", str(tmp_path / "store"))
    monkeypatch.setenv("SHOPMATE_ENCODER", "multilingual")
    monkeypatch.setenv("SHOPMATE_MULTILINGUAL", "off")
    monkeypatch.setenv("SHOPMATE_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("SHOPMATE_API_RATE", "12")
    monkeypatch.setenv("SHOPMATE_UI_SECURE_COOKIE", "yes")
    monkeypatch.setenv("SHOPMATE_METRICS_ALLOW", " 10.0.0.5, 10.1.0.0/16 ,")
    settings = Settings.from_env()
    assert settings.home == tmp_path / "store" and settings.encoder == "multilingual"
    assert settings.multilingual is False and settings.llm_api_key == "sk-secret"
    assert "sk-secret" not in repr(settings) and "sk-secret" not in repr(environment())
    config = ApiConfig.from_env()
    assert config.rate_per_minute == 12 and config.ui_secure_cookie is True
    assert config.metrics_allow == ("10.0.0.5", "10.1.0.0/16")


def test_arguments_win_and_an_empty_variable_is_unset(monkeypatch, tmp_path):
    monkeypatch.setenv("SHOPMATE_LLM", "fast")
    monkeypatch.setenv("SHOPMATE_LLM_URL", "")
    monkeypatch.setenv("SHOPMATE_API_RATE", "")
    assert Settings.from_env(tmp_path).llm == "fast"
    assert Settings.from_env(tmp_path, llm="test").llm == "test"
    assert Settings.from_env(tmp_path).llm_url is None
    assert ApiConfig.from_env().rate_per_minute == 600
    assert ApiConfig.from_env(rate_per_minute=5).rate_per_minute == 5


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SHOPMATE_API_RATE", "fast"),
        ("SHOPMATE_API_GENERATION_TIMEOUT", "-1"),
        ("SHOPMATE_UI_SECURE_COOKIE", "perhaps"),
        ("SHOPMATE_MULTILINGUAL", "sometimes"),
    ],
)
def test_a_value_that_does_not_parse_is_an_error_naming_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=rf"\${name}={value!r}"):
        environment()
