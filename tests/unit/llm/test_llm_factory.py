"""Building the configured client: providers, and clear errors for unusable settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import ConfigurationError, LLMUnavailable
from workbench.llm.factory import build_llm
from workbench.llm.prompts import load_prompt_file
from workbench.settings import Settings


def test_the_openai_provider_without_a_key_or_local_url_says_what_to_set(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        build_llm(Settings(llm_provider="openai", streamlit_secrets_file=tmp_path / "absent.toml"))


def test_a_local_endpoint_needs_no_key(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    llm = build_llm(Settings(llm_provider="openai", llm_base_url="http://127.0.0.1:9/v1", llm_model="m"))
    assert (llm.provider, llm.model_id, llm.is_demo_model) == ("openai", "m", False)


def test_the_key_can_come_from_streamlit_secrets(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # the file is found from the setting, not from the current directory
    secrets = tmp_path / "conf" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text('OPENAI_API_KEY = "sk-from-secrets-file"\n')
    llm = build_llm(Settings(llm_provider="openai", streamlit_secrets_file=secrets))
    assert llm.backend.secrets() == ["sk-from-secrets-file"]


def test_embedded_with_a_model_that_is_not_a_gguf_file_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"path of a \.gguf file"):
        build_llm(Settings(llm_provider="embedded", llm_model="gpt-4o"))


def test_embedded_with_a_missing_gguf_is_unavailable_on_first_use(tmp_path: Path, project_root: Path) -> None:
    llm = build_llm(Settings(llm_provider="embedded", llm_model=str(tmp_path / "absent.gguf")))
    assert (llm.provider, llm.model_id, llm.is_demo_model) == ("embedded", "absent", False)
    prompt = load_prompt_file(project_root / "prompts" / "llm_check.v1.yaml")
    with pytest.raises(LLMUnavailable, match="absent.gguf does not exist"):
        llm.text(prompt, {"topic": "x"})
    assert llm.generation_log.recent(1)[0]["outcome"] == "unavailable"


def test_the_packaged_embedded_model_is_flagged_as_a_demo_model(tmp_path: Path) -> None:
    llm = build_llm(Settings(llm_provider="embedded", data_dir=tmp_path))
    assert (llm.provider, llm.model_id, llm.is_demo_model) == ("embedded", "gemma-3-270m-q4_k_m", True)
    assert not (tmp_path / "models").exists()  # nothing is prepared until the first call
