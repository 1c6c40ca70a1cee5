"""Shown to someone signed in without any role: a new OIDC identity, or an account whose roles were removed."""

import streamlit as st

from workbench.app import session
from workbench.app.services import get_services

user = session.current_user()
st.title("No access yet", anchor=False)
st.write("You are signed in, but you hold no role in the workbench yet. Ask a lead to grant you one.")
record = get_services().accounts.get_user(user.name) if user else None
if record is not None and record.oidc_subject:
    st.write("Give the lead this identity:")
    st.code(f"issuer:  {record.oidc_issuer}\nsubject: {record.oidc_subject}", language=None)
if st.button("Sign out", key="wb_no_access_sign_out"):
    session.sign_out("You signed out.")
    st.rerun()
