"""The embedded provider really runs the packaged Gemma 3 270M: schema-valid output, streaming, limits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from workbench.errors import GenerationCancelled, LLMTruncated
from workbench.llm.check import LLMCheckReply
from workbench.llm.factory import build_llm
from workbench.llm.generation_log import InMemoryGenerationLog
from workbench.settings import Settings

pytestmark = pytest.mark.slow
PROJECT_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def embedded(embedded_gguf: Path):
    """The embedded client on the packaged model, in this process (loaded once for the module; the
    worker-process path is tested in test_generation_worker.py)."""
    log = InMemoryGenerationLog()
    settings = Settings(data_dir=embedded_gguf.parent.parent, llm_context_tokens=2048, llm_max_retries=0, llm_worker="inline")
    return build_llm(settings, generation_log=log)


def test_the_embedded_model_returns_schema_valid_output(embedded, prompts) -> None:
    tokens: list[str] = []
    result = embedded.structured(prompts.get("llm_check"), {"topic": "active listening"}, LLMCheckReply, on_token=tokens.append)
    assert isinstance(result.value, LLMCheckReply)
    assert LLMCheckReply.model_validate_json(result.raw_text) == result.value
    assert "".join(tokens) == result.raw_text
    assert (result.provider, result.model, embedded.is_demo_model) == ("embedded", "gemma-3-270m-q4_k_m", True)
    assert result.parameters["structured_mode"] == "llguidance"
    assert result.prompt_tokens > 20 and result.completion_tokens > 3
    entry = embedded.generation_log.records[-1]
    assert entry["outcome"] == "ok" and entry["model"] == "gemma-3-270m-q4_k_m"
    assert entry["prompt_sha256"] == prompts.get("llm_check").sha256


def test_a_tiny_token_limit_is_a_truncation_keeping_the_partial_json(embedded, prompts) -> None:
    with pytest.raises(LLMTruncated) as raised:
        embedded.structured(prompts.get("llm_check"), {"topic": "time management"}, LLMCheckReply, max_tokens=3)
    assert raised.value.raw_output and raised.value.raw_output.startswith("{")
    assert embedded.generation_log.records[-1]["outcome"] == "truncated"


def test_cancelling_stops_generation_between_tokens(embedded, prompts) -> None:
    cancel = threading.Event()
    seen: list[str] = []

    def on_token(token: str) -> None:
        seen.append(token)
        if len(seen) == 2:
            cancel.set()

    with pytest.raises(GenerationCancelled) as raised:
        embedded.structured(
            prompts.get("llm_check"), {"topic": "coaching"}, LLMCheckReply, on_token=on_token, cancel=cancel
        )
    assert len(seen) == 2 and raised.value.raw_output == "".join(seen)


def test_llm_check_succeeds_offline_on_the_embedded_default(embedded_gguf: Path, tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "WORKBENCH_LLM_PROVIDER": "embedded",
        "WORKBENCH_DATA_DIR": str(tmp_path / "data"),
        "HF_HUB_OFFLINE": "1",
    }
    # Reuse the prepared model: the data dir's models folder points at it.
    models = tmp_path / "data" / "models"
    models.mkdir(parents=True)
    for name in (embedded_gguf.name, embedded_gguf.name + ".verified.json"):
        (models / name).symlink_to(embedded_gguf.parent / name)
    completed = subprocess.run(
        [sys.executable, "-c", "from workbench.cli import main; main()", "llm", "check", "--json"],
        capture_output=True, text=True, env=environment, timeout=300, cwd=PROJECT_ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["ok"] is True and report["provider"] == "embedded" and report["is_demo_model"] is True
    assert LLMCheckReply.model_validate(report["reply"])
    assert report["tokens_per_second"] > 0


def test_a_caller_waiting_for_the_busy_model_can_cancel(embedded, prompts) -> None:
    loaded = embedded.backend.model()
    cancel = threading.Event()
    with loaded.lock:  # another generation holds the model
        timer = threading.Timer(0.3, cancel.set)
        timer.start()
        with pytest.raises(GenerationCancelled, match="waiting for the model"):
            embedded.text(prompts.get("llm_check"), {"topic": "coaching"}, cancel=cancel)
        timer.join()
