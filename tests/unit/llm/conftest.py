"""Fixtures for the LLM layer's unit tests: a fake-backed client and a small prompt."""

from __future__ import annotations

from pathlib import Path

import pytest
from llm_support import TIP_PROMPT  # type: ignore[import-not-found]

from workbench.llm.client import LLMClient
from workbench.llm.fake import FakeChatModel
from workbench.llm.generation_log import InMemoryGenerationLog
from workbench.llm.prompts import Prompt, load_prompt_file


@pytest.fixture
def tip_prompt(tmp_path: Path) -> Prompt:
    """A small prompt file with one variable and one example."""
    path = tmp_path / "tip.v1.yaml"
    path.write_text(TIP_PROMPT, encoding="utf-8")
    return load_prompt_file(path)


@pytest.fixture
def fake() -> FakeChatModel:
    """A fake chat model with an empty reply queue."""
    return FakeChatModel()


@pytest.fixture
def log() -> InMemoryGenerationLog:
    """An in-memory generation log."""
    return InMemoryGenerationLog()


@pytest.fixture
def llm(fake: FakeChatModel, log: InMemoryGenerationLog) -> LLMClient:
    """A client over the fake model, two retries, recording into `log`."""
    return LLMClient.for_chat_model(fake, provider="fake", model_id="fake-1", generation_log=log, max_retries=2)
