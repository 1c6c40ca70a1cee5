"""What the model tests of this folder share: the project's prompt files, loaded once per module."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.llm.prompts import PromptRegistry

PROJECT_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def prompts() -> PromptRegistry:
    """The prompt files shipped in prompts/."""
    return PromptRegistry.load_dir(PROJECT_ROOT / "prompts")
