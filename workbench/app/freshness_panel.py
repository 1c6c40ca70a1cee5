"""The freshness listing shared by the Audit page and My work: each flagged module, its diffs, and a Reopen button."""

from __future__ import annotations

import streamlit as st

from workbench.app.draft_panel import run_action
from workbench.app.ui import plain


def show_flags(flags: list, freshness, actor: str, key_prefix: str) -> None:
    """Each flagged module with its reasons and passage diffs (as plain text), and a button opening a review revision."""
    for flag in flags:
        with st.container(border=True):
            # Titles, module ids and passages come from drafts and library files: shown as plain text only.
            st.text(f"#{flag.draft_id} {flag.title} ({flag.module_id}), by {flag.author}: {'; '.join(flag.reasons)}")
            for change in flag.changes:
                st.caption(plain(f"{change.module_id} / {change.heading}: {change.what}"))
                st.code(change.diff or change.published_text, language=None)
            st.button(
                "Reopen for review", key=f"{key_prefix}_reopen_{flag.draft_id}", icon=":material/restart_alt:", on_click=run_action,
                args=(lambda m=flag.module_id: freshness.reopen(actor, m),
                      f"Draft #{flag.draft_id} is back in drafting at a new revision; its sign-offs apply again."),
            )
