"""A draft changed while someone was reading it: what changed, in the app's words, and a Reload button.

An action names the revision its page showed; when the draft has moved on, the service refuses it
with StaleRevision. The page then says who saved which revision and what state the draft is in now,
and keeps the draft's controls closed until the person reloads it: nothing is done on their behalf
to a revision they have not seen.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import streamlit as st

from review.audit import AuditTrail
from review.errors import StaleRevision
from review.policy import DraftActions
from review.queries import ReviewQueries
from review.views import DraftSummary, DraftView
from workbench.app.ui import plain

CONFLICT_KEY = "wb_conflict"


def state_words(state: str) -> str:
    """A draft state as the app says it ("in_review" → "in review")."""
    return state.replace("_", " ")


# What an audited action did to the draft, as the notice says it.
_DONE = {"submit": "submitted it for review", "sign_off": "signed it off", "request_changes": "requested changes",
         "reject": "rejected it", "publish": "published it", "unpublish": "unpublished it", "archive": "archived it",
         "revise": "saved a new revision"}


def conflict_text(conflict: dict[str, Any]) -> str:
    """What changed since the person read the draft (who did what, when), and where the draft is now."""
    read = f"revision {conflict['acted_on']}" if conflict.get("acted_on") else "it"
    return (
        f"Draft #{conflict['draft_id']} changed while you were reading {read}: {'; '.join(conflict['what'])}. "
        f"It is now at revision {conflict['revision']}, {state_words(conflict['state'])}. "
        f"Nothing was done by your {conflict['action']}: reload the draft to read revision {conflict['revision']}, then act again."
    )


def remember_conflict(error: StaleRevision, action: str) -> None:
    """Keep the refused action's conflict for the page to show until the person reloads the draft."""
    what = [f"{c.editor} saved revision {c.number} at {c.at:%Y-%m-%d %H:%M} UTC" + (f" ({c.note})" if c.note else "")
            for c in error.changes] or ["its revisions changed"]
    st.session_state[CONFLICT_KEY] = {"draft_id": error.draft_id, "acted_on": error.acted_on, "revision": error.current_revision,
                                      "state": error.state, "action": action, "what": what}


def remember_state_change(draft_id: int, shown_state: str, action: str, revision: int, state: str, audit_rows: list[dict]) -> bool:
    """When a refused action met a draft whose state changed since the page showed it (same revision: someone
    rejected, requested changes, published…), keep that as the conflict, naming the change from the audit
    rows; False when the state is the one shown (the refusal has another reason)."""
    if state == shown_state:
        return False
    done = [row for row in audit_rows if row.get("action") in _DONE]
    what = [f"{row['actor']} {_DONE[row['action']]} at {str(row['at'])[:16].replace('T', ' ')} UTC" for row in done[-1:]]
    st.session_state[CONFLICT_KEY] = {"draft_id": draft_id, "acted_on": 0, "revision": revision, "state": state,
                                      "action": action, "what": what or [f"it went from {state_words(shown_state)} to {state_words(state)}"]}
    return True


@dataclass(frozen=True)
class Shown:
    """The draft as a page showed it, and where to read it now: for telling a refusal caused by
    someone else's change from any other."""

    draft: DraftView | DraftSummary
    queries: ReviewQueries
    trail: AuditTrail

    def moved_on(self, attempted: str) -> bool:
        """Whether the draft's state changed since it was shown (then kept as the conflict notice)."""
        now = self.queries.get_draft(self.draft.id)
        return remember_state_change(self.draft.id, self.draft.state.value, attempted, now.revision, now.state.value,
                                     self.trail.rows(draft_id=self.draft.id, limit=20))


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
