"""A draft changed while someone was reading it: what changed, in the app's words, and a Reload button.

An action names the revision its page showed; when the draft has moved on, the service refuses it
with StaleRevision. The page then says who saved which revision and what state the draft is in now,
and keeps the draft's controls closed until the person reloads it: nothing is done on their behalf
to a revision they have not seen.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from review.errors import StaleRevision
from review.policy import DraftActions
from workbench.app.ui import plain

CONFLICT_KEY = "wb_conflict"


def state_words(state: str) -> str:
    """A draft state as the app says it ("in_review" → "in review")."""
    return state.replace("_", " ")


def conflict_text(conflict: dict[str, Any]) -> str:
    """What changed since the revision acted on: who saved which revision, and where the draft is now."""
    saved = [
        f"{change['editor']} saved revision {change['number']} at {change['at']} UTC" + (f" ({change['note']})" if change["note"] else "")
        for change in conflict["changes"]
    ]
    what = "; ".join(saved) if saved else "its revisions changed"
    return (
        f"Draft #{conflict['draft_id']} changed while you were reading revision {conflict['acted_on']}: {what}. "
        f"It is now at revision {conflict['revision']}, {state_words(conflict['state'])}. "
        f"Nothing was done by your {conflict['action']}: reload the draft to read revision {conflict['revision']}, then act again."
    )


def remember_conflict(error: StaleRevision, action: str) -> None:
    """Keep the refused action's conflict for the page to show until the person reloads the draft."""
    st.session_state[CONFLICT_KEY] = {
        "draft_id": error.draft_id, "acted_on": error.acted_on, "revision": error.current_revision,
        "state": error.state, "action": action,
        "changes": [{"number": c.number, "editor": c.editor, "at": f"{c.at:%Y-%m-%d %H:%M}", "note": c.note}
                    for c in error.changes],
    }


def pending_conflict(draft_id: int | None = None) -> dict[str, Any] | None:
    """The conflict waiting for a reload (of this draft, when given)."""
    conflict = st.session_state.get(CONFLICT_KEY)
    if conflict and (draft_id is None or conflict["draft_id"] == draft_id):
        return conflict
    return None


def _reload() -> None:
    st.session_state.pop(CONFLICT_KEY, None)


def show_conflict() -> None:
    """The waiting conflict, if any, as a warning with a Reload button (which clears it)."""
    conflict = pending_conflict()
    if conflict is None:
        return
    st.warning(plain(conflict_text(conflict)), icon=":material/sync_problem:")
    st.button(f"Reload draft #{conflict['draft_id']} at revision {conflict['revision']}", key="wb_conflict_reload",
              icon=":material/refresh:", type="primary", on_click=_reload)


def until_reloaded(actions: DraftActions) -> DraftActions:
    """The draft's controls, closed while a conflict on it waits for a reload."""
    if pending_conflict(actions.draft_id) is None:
        return actions
    return dataclasses.replace(actions, actions=frozenset(), sign_off_dimensions=(), waivable=())
