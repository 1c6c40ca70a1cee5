"""Fixtures for the export tests: a complete draft whose text holds every special character."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.domain.drafts import DraftContent

SAMPLE_DRAFT = Path(__file__).parent / "data" / "sample_draft.json"


@pytest.fixture
def draft_content() -> DraftContent:
    """A drafted module and its 5-item assessment (every item type, partial credit, XSS in the body)."""
    return DraftContent.model_validate_json(SAMPLE_DRAFT.read_text(encoding="utf-8"))
