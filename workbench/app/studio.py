"""Draft-studio helpers: the brief form's values, streaming output, and the revision the user saw."""

from __future__ import annotations

import time
from typing import Any, Callable

import streamlit as st

from workbench.app.ui import plain
from workbench.domain.drafts import Brief

BRIEF_KEY = "wb_studio_brief"
SKILLS_FILE_KEY = "wb_studio_skills_file"
OPEN_DRAFT_KEY = "wb_studio_draft"


def lines(text: str) -> list[str]:
    """Non-empty stripped lines (for list fields typed one per line)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def brief_from_form(values: dict[str, Any]) -> Brief:
    """A Brief from the form's values (pydantic validates ranges and levels)."""
    return Brief(
        topic=values["topic"].strip(),
        skill_ids=[s.strip() for s in values["skill_ids"].split(",") if s.strip()],
        audience=values["audience"].strip() or "all employees",
        level=values["level"],
        duration_minutes=int(values["duration_minutes"]),
        locale=values["locale"].strip() or "en-GB",
        cultural_context=values["cultural_context"].strip(),
        tone=values["tone"].strip() or "practical and friendly",
        must_include=lines(values["must_include"]),
        prefer_sources=lines(values["prefer_sources"]),
        avoid_sources=lines(values["avoid_sources"]),
        question_count=int(values["question_count"]),
    )


class StreamView:
    """Shows streamed model tokens in a placeholder, at most ten updates a second."""

    def __init__(self, placeholder: Any, limit: int = 3000) -> None:
        self.placeholder = placeholder
        self.limit = limit
        self.parts: list[str] = []
        self._shown_at = 0.0

    def on_token(self, token: str) -> None:
        """Add a token; the page refreshes the view now and then (each refresh is also a point
        where a click on Cancel interrupts the generation)."""
        self.parts.append(token)
        now = time.monotonic()
        if now - self._shown_at >= 0.1:
            self._shown_at = now
            self.placeholder.code("".join(self.parts)[-self.limit:], language=None)


def seen_revision(draft_id: int, current: int) -> int:
    """The revision this user was shown last for the draft (the one their action refers to)."""
    return int(st.session_state.get(f"wb_seen_rev_{draft_id}", current))


def remember_seen(draft_id: int, revision: int) -> None:
    """Record the revision shown in this run, for the next action."""
    st.session_state[f"wb_seen_rev_{draft_id}"] = revision


def progress_writer(status: Any) -> Callable[[str], None]:
    """A progress callback that writes each stage into a st.status box as plain text."""
    def write(stage: str) -> None:
        status.update(label=plain(f"{stage[:1].upper()}{stage[1:]}…"), expanded=True)  # a label-only update collapses the box
        status.text(stage)
    return write
