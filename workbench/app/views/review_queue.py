"""Review queue: my queue per reviewer role, the draft beside its sources, findings, diff, comments, decisions."""

import pandas as pd
import streamlit as st

from review.policy import REVIEWER_ROLE, Action, DraftState, Role
from workbench.app import session
from workbench.app.conflicts import Shown, pending_conflict, until_reloaded
from workbench.app.draft_panel import (
    run_action, show_comments, show_diff, show_draft_side_by_side, show_findings, show_flash, show_gating_findings,
    show_lapsed_sign_offs, sign_off_rows,
)
from workbench.app.exports_panel import export_buttons_for_draft
from workbench.app.item_analysis_view import show_item_analysis
from workbench.app.paging import paged_drafts
from workbench.app.services import get_services
from workbench.app.ui import errors_shown

ANY_STATE = "(any)"

user = session.require("review_queue")
services = get_services()
queries, lifecycle = services.review_queries, services.lifecycle
st.title("Review queue", anchor=False)
show_flash()

my_dimensions = [dimension for dimension, role in REVIEWER_ROLE.items() if role in user.roles]
views = ["mine", "waivers"] if my_dimensions else []
if user.has(Role.LEAD):
    views.append("all")
view = st.radio(
    "Show", views, horizontal=True, key="wb_queue_view",
    format_func={"mine": f"My queue ({', '.join(d.value for d in my_dimensions)})",
                 "waivers": "Error findings I may waive", "all": "All drafts"}.get,
)
drafts = []
with errors_shown():
    if view == "mine":
        drafts = paged_drafts("wb_queue_page", lambda after, limit: queries.page_drafts(queue_for=user.name, after=after, limit=limit),
                              scope=view)
    elif view == "waivers":
        drafts = queries.awaiting_waiver(user.name)
    else:
        state = st.selectbox("State", [s.value for s in DraftState] + [ANY_STATE], key="wb_queue_state",
                             index=[s for s in DraftState].index(DraftState.IN_REVIEW))
        wanted = None if state == ANY_STATE else state
        drafts = paged_drafts("wb_queue_page", lambda after, limit: queries.page_drafts(state=wanted, after=after, limit=limit),
                              scope=(view, wanted))

if not drafts:
    st.info({"mine": "Nothing waiting for you.", "waivers": "No error finding is waiting for your waiver."}.get(view, "No drafts in this state."))
    st.stop()

st.dataframe(
    pd.DataFrame([{
        "id": d.id, "title": d.title, "state": d.state.value, "revision": d.revision, "author": d.author,
        "signed": ", ".join(x.value for x in d.signed_dimensions), "missing": ", ".join(x.value for x in d.missing_dimensions),
        "updated": f"{d.updated_at:%Y-%m-%d %H:%M}",
    } for d in drafts]),
    hide_index=True, width="stretch",
)
titles = {d.id: d.title for d in drafts}
draft_id = st.selectbox("Open draft", list(titles), format_func=lambda i: f"#{i} {titles[i]}", key="wb_queue_draft")

draft = actions = None
with errors_shown():
    draft = queries.get_draft(draft_id)
    # While a conflict on this draft waits for a reload, no decision is offered on it.
    actions = until_reloaded(queries.actions_for(user.name, draft_id))
if draft is None or actions is None:
    st.stop()

st.header(f"#{draft.id} · revision {draft.revision} · {draft.state.value}", anchor=False)
st.text(f"Title: {draft.title}\nAuthor: {draft.author}   Editors: {', '.join(draft.editors)}")
show_lapsed_sign_offs(draft)
st.dataframe(pd.DataFrame(sign_off_rows(draft)), hide_index=True)
# Error findings sit above the tabs: they decide whether this revision may be signed at all.
show_gating_findings(lifecycle, draft, actions, user.name, key=f"wb_queue_findings_{draft.id}")

content_tab, findings_tab, diff_tab, comments_tab, export_tab, results_tab = st.tabs(
    ["Draft and sources", "Findings", "Changes", "Comments", "Export", "Learners' results"])
with content_tab:
    show_draft_side_by_side(services.drafting, draft)
with findings_tab:
    show_findings(draft.findings)
with diff_tab:
    show_diff(queries, draft, key=f"wb_queue_diff_{draft.id}")
with comments_tab:
    show_comments(lifecycle, draft, user.name, key=f"wb_queue_comments_{draft.id}")
with export_tab:
    export_buttons_for_draft(draft)
with results_tab:
    if not draft.module_id:
        st.caption("Not published yet: learners' results come back once it is.")
    else:
        with errors_shown():
            analysis = show_item_analysis(services.signals, draft.module_id, key=f"wb_queue_items_{draft.id}")
            if analysis is not None and analysis.flagged and actions.can(Action.REVISE):
                flagged = st.selectbox("Flagged item", [item.item_id for item in analysis.flagged], key=f"wb_queue_flagged_{draft.id}")
                st.button(
                    "Open a revision for this item", key=f"wb_queue_reopen_{draft.id}", icon=":material/assignment_return:",
                    on_click=run_action,
                    args=(lambda item=flagged, module_id=draft.module_id: services.item_review.reopen(user.name, module_id, item),
                          f"Revision opened for item {flagged}: its statistics are a finding, and the three sign-offs apply again."),
                )

st.divider()
st.header("Decision", anchor=False)
# Every action carries the revision shown here: if someone changed the draft meanwhile, it is refused.
seen_revision = actions.revision
shown = Shown(draft, queries, services.audit_trail)  # a refusal because someone else moved the draft on says so
if actions.blocked:
    st.warning(f"Signing off and publishing are closed: {len(actions.blocking)} error finding(s) of revision "
               f"{actions.revision} are not waived (listed at the top of the draft).")
if pending_conflict(draft.id):
    st.info("Reload the draft (the button at the top of the page) before deciding on it.")
elif not actions.decides:
    st.info(f"This draft is {actions.state.value}; there is no decision for you to make on it now.")
else:
    columns = st.columns(3)
    with columns[0]:
        if actions.sign_off_dimensions:
            dimension = st.selectbox("Dimension", [d.value for d in actions.sign_off_dimensions], key=f"wb_sign_dim_{draft.id}")
            st.button(
                "Sign off", type="primary", icon=":material/verified:", key=f"wb_sign_{draft.id}",
                on_click=run_action,
                args=(lambda d=dimension: lifecycle.sign_off(user.name, draft_id, d, seen_revision),
                      f"Signed off {dimension} on revision {seen_revision}.", "sign-off", shown),
            )
        else:
            st.caption("No dimension left for you to sign on this revision.")
    reason_key = f"wb_reason_{draft.id}"
    with columns[1]:
        st.text_area("Comment (required to request changes or reject)", key=reason_key)
    with columns[2]:
        if actions.can(Action.REQUEST_CHANGES):
            st.button(
                "Request changes", key=f"wb_changes_{draft.id}", icon=":material/undo:", on_click=run_action,
                args=(lambda: lifecycle.request_changes(user.name, draft_id, seen_revision, st.session_state.get(reason_key, "")),
                      "Changes requested; the draft went back to its author.", "request for changes", shown),
            )
        if actions.can(Action.REJECT):
            st.button(
                "Reject", key=f"wb_reject_{draft.id}", icon=":material/block:", on_click=run_action,
                args=(lambda: lifecycle.reject(user.name, draft_id, seen_revision, st.session_state.get(reason_key, "")),
                      "Draft rejected.", "rejection", shown),
            )
