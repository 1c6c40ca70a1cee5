"""Draft-studio helpers: the draft taking shape while it streams, progress, and the revision the user saw."""

from __future__ import annotations

import hashlib
import time
from typing import Any, Callable

import streamlit as st

from workbench.app.ui import plain
from workbench.drafting.stream_shape import shape_of
from workbench.llm.partial_json import PartialJsonReader
from workbench.rendering import render_markdown_safe

BRIEF_KEY = "wb_studio_brief"
OPEN_DRAFT_KEY = "wb_studio_draft"
PICK_KEY = "wb_studio_pick"
TAB_KEY = "wb_studio_tab"
NEW_TAB, DRAFTS_TAB = "New draft", "My drafts"


class StreamView:
    """Shows a draft taking shape while the model writes it: each section and question once complete,
    rendered through the sanitising renderer, at most ten refreshes a second."""

    def __init__(self, placeholder: Any, interval: float = 0.1, clock: Callable[[], float] = time.monotonic) -> None:
        self.placeholder = placeholder
        self.interval = interval
        self.clock = clock
        self.reader = PartialJsonReader()
        self._shown_at: float | None = None
        self._html: dict[str, str] = {}  # rendered bodies by text: a refresh re-renders only new parts

    def on_token(self, token: str) -> None:
        """Read a streamed piece; now and then redraw (each redraw is also a point where a click on
        Cancel interrupts the generation)."""
        self.reader.feed(token)
        now = self.clock()
        if self._shown_at is None or now - self._shown_at >= self.interval:
            self._shown_at = now
            self.show()

    def show(self) -> None:
        """Redraw the parts complete so far and a line naming the part being written."""
        shape = shape_of(self.reader.documents)
        with self.placeholder.container():
            if shape.title:
                st.markdown(f"**{plain(shape.title)}**")
            if shape.summary:
                st.text(shape.summary)
            for number, section in enumerate(shape.sections, 1):
                st.text(f"Section {number} · {section.heading}")
                if section.body:
                    st.html(self._rendered(section.body))
            for number, question in enumerate(shape.questions, 1):
                st.text(f"Question {number}")
                if question.stem:
                    st.html(self._rendered(question.stem))
                if question.options:
                    st.text("\n".join(f"{'✔' if o.correct else '○'} {o.text}" for o in question.options))
            if shape.writing:
                st.text(f"Writing {shape.writing}…")
            elif shape.empty:
                st.text("Waiting for the model's first words…")

    def _rendered(self, markdown: str) -> str:
        if markdown not in self._html:
            self._html[markdown] = render_markdown_safe(markdown)
        return self._html[markdown]


def open_draft(draft_id: int) -> None:
    """Button callback: show this draft under "My drafts" (callbacks run before the widgets they set)."""
    st.session_state[OPEN_DRAFT_KEY] = draft_id
    st.session_state[TAB_KEY] = DRAFTS_TAB


def picker_key(labels: dict[int, str]) -> str:
    """The draft picker's key, new whenever a draft's label (state, revision, title) changes.

    A keyed selectbox keeps showing the label it was first given for the selected option; a new
    key makes the browser show the labels as they are now, opened at OPEN_DRAFT_KEY."""
    digest = hashlib.sha256("\n".join(f"{i}\t{label}" for i, label in labels.items()).encode()).hexdigest()[:12]
    return f"{PICK_KEY}_{digest}"


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
