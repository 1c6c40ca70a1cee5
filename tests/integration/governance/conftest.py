"""Fixtures for governance: a small library with a confidential module, real index, database (both kinds) and review queue."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.libraries import DELEGATION, FEEDBACK, SKILLS, write_library
from tests.support.services import services_on
from workbench.domain.drafts import Brief

PEOPLE = {"lena": ["lead"], "ana": ["author"], "bo": ["author"]}

# Sentences that exist only in the confidential module: none of them may reach an external endpoint.
CONFIDENTIAL_SENTENCES = (
    "Project Falcon moves 212 roles from the Leeds office to Lisbon before 14 March.",
    "Managers must not tell their teams about the Falcon redundancy list before the works council meets.",
)
CONFIDENTIAL = f"""---
id: falcon-feedback
title: Feedback to team members during the Falcon reorganisation
classification: confidential
skills: [fb-giving]
---

# Feedback to team members during the Falcon reorganisation

## Giving feedback to team members whose roles change

When giving feedback to team members in the reorganisation, describe the situation, the behaviour and
its impact, and listen. {CONFIDENTIAL_SENTENCES[0]}

## Agreeing next steps with team members

Agree one next step and a date to check in after each feedback conversation. {CONFIDENTIAL_SENTENCES[1]}
"""


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A library whose feedback folder holds a public module and a confidential one."""
    root = write_library(tmp_path / "library", {
        "feedback/giving-feedback.md": FEEDBACK,
        "feedback/falcon-feedback.md": CONFIDENTIAL,
        "leadership/delegating.md": DELEGATION,
    })
    (root / "skills.yaml").write_text(SKILLS, encoding="utf-8")
    return root


@pytest.fixture
def services(tmp_path: Path, library: Path, embedder, database):
    """Services over the library, indexed, with a lead and two authors, once on SQLite and once on PostgreSQL."""
    url = database.url.render_as_string(hide_password=False)
    services = services_on(tmp_path / "data", library, embedder, PEOPLE, llm_max_retries=0, database_url=url)
    services.index.build()
    yield services
    services.database.dispose()


@pytest.fixture
def brief() -> Brief:
    """A brief the confidential module answers well."""
    return Brief(topic="Giving feedback to team members", skill_ids=["fb-giving"], audience="team leads", question_count=2)
