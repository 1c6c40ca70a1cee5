"""Keyset pages of a review list on a page: the current page, and newer / older buttons when there is more than one."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from review.views import DraftCursor, DraftPage, DraftSummary

PAGE_SIZE = 50


def paged_drafts(key: str, fetch: Callable[[DraftCursor | None, int], DraftPage], *, page_size: int = PAGE_SIZE,
                 scope: object = None) -> list[DraftSummary]:
    """The page of drafts the person is on; `scope` (a filter value) starting again from the first page when it changes."""
    state_key, scope_key = f"{key}_cursors", f"{key}_scope"
    if st.session_state.get(scope_key) != repr(scope):
        st.session_state[scope_key] = repr(scope)
        st.session_state[state_key] = []
    # The cursors of the pages before this one: the last is where this page starts.
    cursors: list[DraftCursor] = st.session_state.setdefault(state_key, [])
    page = fetch(cursors[-1] if cursors else None, page_size)
    if not page.drafts and cursors:
        # The page emptied under us (drafts moved on): go back to the first page.
        cursors.clear()
        page = fetch(None, page_size)
    if cursors or page.next_cursor is not None:
        columns = st.columns([1, 1, 4])
        columns[0].button("Newer", key=f"{key}_newer", icon=":material/chevron_left:", disabled=not cursors,
                          on_click=lambda: cursors.pop() if cursors else None)
        columns[1].button("Older", key=f"{key}_older", icon=":material/chevron_right:", disabled=page.next_cursor is None,
                          on_click=lambda cursor=page.next_cursor: cursors.append(cursor))
        columns[2].caption(f"Page {len(cursors) + 1}, {len(page.drafts)} drafts, newest first")
    return page.drafts
