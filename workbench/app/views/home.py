"""My work: what is waiting for the signed-in user, one click from each page that handles it."""

import streamlit as st

from workbench.app import session
from workbench.app.access import AUTHOR, LEAD, REVIEWER_ROLES
from workbench.app.services import get_services
from workbench.app.ui import errors_shown

user = session.require("home")
review = get_services().review
st.title("My work")
st.text(f"Welcome, {user.display_name}.")

with errors_shown():
    if user.roles & REVIEWER_ROLES:
        waiting = review.list_drafts(queue_for=user.name)
        st.metric("Drafts waiting for your sign-off", len(waiting))
        st.page_link("views/review_queue.py", label="Open my review queue", icon=":material/fact_check:")
    if user.has(AUTHOR, LEAD):
        mine = [d for d in review.list_drafts() if d.author == user.name]
        to_fix = [d for d in mine if str(d.state) in {"drafting", "changes_requested"}]
        st.metric("My drafts being written or sent back for changes", len(to_fix))
        for draft in to_fix[:10]:
            st.text(f"#{draft.id} {draft.title} — {draft.state}, revision {draft.revision}")
        st.page_link("views/draft_studio.py", label="Open the draft studio", icon=":material/edit_note:")
        st.page_link("views/gaps.py", label="Find skill gaps to draft for", icon=":material/grid_on:")
    if user.has(LEAD):
        approved = review.list_drafts(state="approved")
        st.metric("Approved drafts waiting to be published", len(approved))
        st.page_link("views/audit.py", label="Open the audit page", icon=":material/verified_user:")
    st.page_link("views/library.py", label="Browse and search the library", icon=":material/library_books:")
