"""Shown to someone signed in without any role: a new OIDC identity, or an account whose roles were removed."""

import streamlit as st

from workbench.app import session

st.title("No access yet")
st.write("You are signed in, but you hold no role in the workbench yet. Ask a lead to grant you one.")
identity = session.oidc_identity()
if identity:
    st.write("Give the lead this identity:")
    st.code(f"issuer:  {identity[0]}\nsubject: {identity[1]}", language=None)
if st.button("Sign out", key="wb_no_access_sign_out"):
    if identity and session.oidc_configured():
        st.logout()
    else:
        session.sign_out("You signed out.")
        st.rerun()
