"""Draft-studio helpers: streaming output, progress, and the revision the user saw."""

from __future__ import annotations

import time
from typing import Any, Callable

import streamlit as st

from workbench.app.ui import plain

BRIEF_KEY = "wb_studio_brief"
OPEN_DRAFT_KEY = "wb_studio_draft"


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
