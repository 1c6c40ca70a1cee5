"""My work: what is waiting for the signed-in user, one click from each page that handles it."""

import streamlit as st

from review.policy import REVIEWER_ROLES, DraftState, Role
from workbench.app import session
from workbench.app.freshness_panel import show_flags
from workbench.app.services import get_services
from workbench.app.ui import errors_shown

WAITING_FOR_AUTHOR = (DraftState.DRAFTING, DraftState.CHANGES_REQUESTED)

user = session.require("home")
services = get_services()
queries = services.review_queries
st.title("My work", anchor=False)
st.text(f"Welcome, {user.display_name}.")

with errors_shown():
    if user.roles & REVIEWER_ROLES:
        waiting = queries.list_drafts(queue_for=user.name)
        st.metric("Drafts waiting for your sign-off", len(waiting))
        st.page_link("views/review_queue.py", label="Open my review queue", icon=":material/fact_check:")
    if user.has(Role.AUTHOR, Role.LEAD):
        to_fix = [d for d in queries.list_drafts(authors=[user.name]) if d.state in WAITING_FOR_AUTHOR]
        st.metric("My drafts being written or sent back for changes", len(to_fix))
        for draft in to_fix[:10]:
            st.text(f"#{draft.id} {draft.title} — {draft.state.value}, revision {draft.revision}")
        st.page_link("views/draft_studio.py", label="Open the draft studio", icon=":material/edit_note:")
        mine = [flag for flag in services.freshness.flags() if flag.author == user.name]
        if mine:
            st.subheader("My published modules to review again", anchor=False)
            show_flags(mine, services.freshness, user.name, "wb_home_fresh")
        st.page_link("views/gaps.py", label="Find skill gaps to draft for", icon=":material/grid_on:")
    if user.has(Role.LEAD):
        approved = queries.list_drafts(state=DraftState.APPROVED)
        st.metric("Approved drafts waiting to be published", len(approved))
        st.page_link("views/audit.py", label="Open the audit page", icon=":material/verified_user:")
    st.page_link("views/library.py", label="Browse and search the library", icon=":material/library_books:")
