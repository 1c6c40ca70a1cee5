"""The openai provider against a real OpenAI-compatible server: llama_cpp.server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.support.llama_server import SERVER_KEY, SERVER_MODEL, free_port
from workbench.errors import GenerationCancelled, LLMTruncated, LLMUnavailable
from workbench.llm.check import LLMCheckReply
from workbench.llm.factory import build_llm
from workbench.llm.generation_log import InMemoryGenerationLog
from workbench.llm.prompts import PromptRegistry
from workbench.settings import Settings

pytestmark = pytest.mark.slow
PROJECT_ROOT = Path(__file__).resolve().parents[3]
FAKE_KEY = "sk-test-SECRET123"


@pytest.fixture(scope="module")
def prompt():
    return PromptRegistry.load_dir(PROJECT_ROOT / "prompts").get("llm_check")


def server_settings(base_url: str, **overrides) -> Settings:
    values = dict(
        llm_provider="openai",
        llm_base_url=base_url,
        llm_model=SERVER_MODEL,
        llm_api_key=SERVER_KEY,
        llm_max_retries=0,
        llm_timeout_seconds=60,
    )
    values.update(overrides)
    return Settings(**values)


def test_structured_output_streams_through_the_server(llama_server, prompt) -> None:
    log = InMemoryGenerationLog()
    llm = build_llm(server_settings(llama_server.base_url, llm_max_retries=1), generation_log=log)
    tokens: list[str] = []
    result = llm.structured(prompt, {"topic": "active listening"}, LLMCheckReply, on_token=tokens.append)
    assert isinstance(result.value, LLMCheckReply)
    assert (result.provider, result.model, llm.is_demo_model) == ("openai", SERVER_MODEL, False)
    # llama.cpp's server rejects response_format json_schema; auto mode falls back to a forced tool call.
    assert result.parameters["structured_mode"] == "tools"
    assert len(tokens) > 3 and "".join(tokens) == result.raw_text
    assert log.records[-1]["outcome"] == "ok"


def test_a_tiny_max_tokens_is_a_truncation(llama_server, prompt) -> None:
    # llama.cpp reports a cut-off tool call as finish_reason "tool_calls"; the spent budget tells.
    llm = build_llm(server_settings(llama_server.base_url, llm_structured_mode="tools"))
    tokens: list[str] = []
    with pytest.raises(LLMTruncated) as raised:
        llm.structured(prompt, {"topic": "delegation"}, LLMCheckReply, max_tokens=3, on_token=tokens.append)
    assert raised.value.raw_output == "".join(tokens) != ""


def test_cancelling_a_server_stream(llama_server, prompt) -> None:
    llm = build_llm(server_settings(llama_server.base_url, llm_structured_mode="tools"))
    cancel = threading.Event()
    seen: list[str] = []

    def on_token(token: str) -> None:
        seen.append(token)
        cancel.set()

    with pytest.raises(GenerationCancelled) as raised:
        llm.structured(prompt, {"topic": "coaching"}, LLMCheckReply, on_token=on_token, cancel=cancel)
    assert seen and raised.value.raw_output == "".join(seen)


def test_a_wrong_key_is_unavailable_and_never_leaks(llama_server, prompt, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    log = InMemoryGenerationLog()
    llm = build_llm(server_settings(llama_server.base_url, llm_api_key=FAKE_KEY), generation_log=log)
    with pytest.raises(LLMUnavailable, match=r"rejected the API key \(HTTP 401\)") as raised:
        llm.structured(prompt, {"topic": "a"}, LLMCheckReply)
    for surface in (str(raised.value), repr(raised.value), caplog.text, json.dumps(log.records)):
        assert FAKE_KEY not in surface and "SECRET123" not in surface


def test_a_server_that_is_down_is_unavailable(prompt) -> None:
    llm = build_llm(server_settings(f"http://127.0.0.1:{free_port()}/v1"))
    with pytest.raises(LLMUnavailable, match="cannot reach the LLM endpoint"):
        llm.structured(prompt, {"topic": "a"}, LLMCheckReply)


def test_llm_check_cli_against_the_local_server(llama_server, tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "WORKBENCH_LLM_PROVIDER": "openai",
        "WORKBENCH_LLM_BASE_URL": llama_server.base_url,
        "WORKBENCH_LLM_API_KEY": SERVER_KEY,
        "WORKBENCH_DATA_DIR": str(tmp_path / "data"),
    }
    completed = subprocess.run(
        [sys.executable, "-c", "from workbench.cli import main; main()", "llm", "check", "--json"],
        capture_output=True, text=True, env=environment, timeout=300, cwd=PROJECT_ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["provider"] == "openai" and report["ok"] is True
    assert LLMCheckReply.model_validate(report["reply"])
    assert SERVER_KEY not in completed.stdout + completed.stderr


def test_llm_check_schemas_reports_each_draft_schema_against_the_server(llama_server, tmp_path: Path) -> None:
    llama_server.restart()
    environment = {
        **os.environ,
        "WORKBENCH_LLM_PROVIDER": "openai",
        "WORKBENCH_LLM_BASE_URL": llama_server.base_url,
        "WORKBENCH_LLM_API_KEY": SERVER_KEY,
        "WORKBENCH_LLM_MODEL": SERVER_MODEL,
        "WORKBENCH_DRAFT_SIZE": "demo",
        "WORKBENCH_DATA_DIR": str(tmp_path / "data"),
    }
    completed = subprocess.run(
        [sys.executable, "-c", "from workbench.cli import main; main()", "llm", "check", "--schemas", "--max-tokens", "8", "--json"],
        capture_output=True, text=True, env=environment, timeout=600, cwd=PROJECT_ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert (report["ok"], report["schema_form"], report["draft_size"], report["max_tokens"]) == (True, "wire", "demo", 8)
    rows = {row["schema"]: row for row in report["schemas"]}
    assert list(rows) == ["ModuleReply", "AssessmentReply", "SectionReply", "ItemReply", "CritiqueReply"]
    for row in rows.values():
        # llama.cpp refuses json_schema; auto mode settles on a forced tool call, and every wire schema is taken.
        assert (row["accepted"], row["structured_mode"]) == (True, "tools"), row
        assert row["outcome"] in ("valid", "cut at the token limit", "invalid reply"), row
        assert 0 < row["completion_tokens"] <= 8 and row["seconds"] > 0
    assert rows["ModuleReply"]["prompt"] == "draft_module.v1" and rows["CritiqueReply"]["prompt"] == "critique.v1"
