"""Review queue: my queue per reviewer role, the draft beside its sources, findings, diff, comments, decisions."""

import pandas as pd
import streamlit as st

from workbench.app import session
from workbench.app.access import LEAD, REVIEWER_ROLES
from workbench.app.draft_panel import (
    run_action, show_comments, show_diff, show_draft_side_by_side, show_findings, show_flash, sign_off_rows,
)
from workbench.app.exports_panel import export_buttons_for_draft
from workbench.app.services import get_services
from workbench.app.ui import errors_shown

user = session.require("review_queue")
services = get_services()
review = services.review
st.title("Review queue")
show_flash()

DIMENSION_OF_ROLE = {"accuracy_reviewer": "accuracy", "cultural_reviewer": "cultural", "ethics_reviewer": "ethics"}
my_dimensions = [DIMENSION_OF_ROLE[role] for role in sorted(user.roles & REVIEWER_ROLES)]

views = ["mine"] if my_dimensions else []
if user.has(LEAD):
    views.append("all")
view = st.radio(
    "Show", views, horizontal=True, key="wb_queue_view",
    format_func={"mine": f"My queue ({', '.join(my_dimensions)})", "all": "All drafts"}.get,
)
drafts = []
with errors_shown():
    if view == "mine":
        drafts = review.list_drafts(queue_for=user.name)
    else:
        state = st.selectbox("State", ["in_review", "approved", "changes_requested", "drafting", "rejected", "published", "archived", "(any)"], key="wb_queue_state")
        drafts = review.list_drafts(state=None if state == "(any)" else state)

if not drafts:
    st.info("Nothing waiting for you." if view == "mine" else "No drafts in this state.")
    st.stop()

st.dataframe(
    pd.DataFrame([{
        "id": d.id, "title": d.title, "state": str(d.state), "revision": d.revision, "author": d.author,
        "signed": ", ".join(str(x) for x in d.signed_dimensions), "missing": ", ".join(str(x) for x in d.missing_dimensions),
        "updated": f"{d.updated_at:%Y-%m-%d %H:%M}",
    } for d in drafts]),
    hide_index=True, width="stretch",
)
draft_id = st.selectbox("Open draft", [d.id for d in drafts], format_func=lambda i: f"#{i} {next(d.title for d in drafts if d.id == i)}", key="wb_queue_draft")

draft = None
with errors_shown():
    draft = review.get_draft(draft_id)
if draft is None:
    st.stop()

st.subheader(f"#{draft.id} · revision {draft.revision} · {draft.state}")
st.text(f"Title: {draft.title}\nAuthor: {draft.author}   Editors: {', '.join(draft.editors)}")
st.dataframe(pd.DataFrame(sign_off_rows(draft)), hide_index=True)

content_tab, findings_tab, diff_tab, comments_tab, export_tab = st.tabs(["Draft and sources", "Findings", "Changes", "Comments", "Export"])
with content_tab:
    show_draft_side_by_side(services, draft)
with findings_tab:
    show_findings(draft.findings)
with diff_tab:
    show_diff(services, draft, key=f"wb_queue_diff_{draft.id}")
with comments_tab:
    show_comments(services, draft, user.name, key=f"wb_queue_comments_{draft.id}")
with export_tab:
    export_buttons_for_draft(draft)

st.divider()
st.subheader("Decision")
# Every action carries the revision shown here: if someone changed the draft meanwhile, it is refused.
seen_revision = draft.revision
state = str(draft.state)
if state != "in_review":
    st.info(f"This draft is {state}; decisions are made while it is in review.")
else:
    signable = [d for d in my_dimensions if d in {str(x) for x in draft.missing_dimensions}]
    columns = st.columns(3)
    with columns[0]:
        if signable:
            dimension = st.selectbox("Dimension", signable, key=f"wb_sign_dim_{draft.id}")
            st.button(
                "Sign off", type="primary", icon=":material/verified:", key=f"wb_sign_{draft.id}",
                on_click=run_action,
                args=(lambda d=dimension: review.sign_off(user.name, draft_id, d, seen_revision), f"Signed off {dimension} on revision {seen_revision}."),
            )
        else:
            st.caption("No dimension left for you to sign on this revision.")
    with columns[1]:
        reason = st.text_area("Comment (required to request changes or reject)", key=f"wb_reason_{draft.id}")
    with columns[2]:
        st.button(
            "Request changes", key=f"wb_changes_{draft.id}", icon=":material/undo:", on_click=run_action,
            args=(lambda: review.request_changes(user.name, draft_id, seen_revision, st.session_state.get(f"wb_reason_{draft_id}", "")),
                  "Changes requested; the draft went back to its author."),
        )
        st.button(
            "Reject", key=f"wb_reject_{draft.id}", icon=":material/block:", on_click=run_action,
            args=(lambda: review.reject(user.name, draft_id, seen_revision, st.session_state.get(f"wb_reason_{draft_id}", "")),
                  "Draft rejected."),
        )
