"""Sign-in: local accounts by default, the organisation's identity provider when [auth] is configured."""

import streamlit as st

from review.errors import ReviewError
from workbench.app import session
from workbench.app.services import get_services
from workbench.app.ui import plain
from workbench.first_run import create_lead_command

st.title("L&D Workbench")
notice = st.session_state.pop(session.NOTICE_KEY, None)
if notice:
    st.info(notice)

services = get_services()
if not services.accounts.list_users():
    # The command names the library and data dir this server runs with, so it works pasted as it is.
    st.warning("No accounts exist yet. Create the first lead from a shell, then sign in here:")
    st.code(create_lead_command(services.settings), language="bash")

if session.oidc_configured():
    for provider in session.oidc_providers():
        label = f"Sign in with {provider}" if provider else "Sign in with your organisation account"
        if st.button(label, key=f"wb_oidc_{provider or 'default'}", type="primary"):
            if provider:
                st.login(provider)
            else:
                st.login()
    st.divider()
    st.caption("Or use a local account")

with st.form("wb_sign_in"):
    name = st.text_input("User name", key="wb_sign_in_name")
    password = st.text_input("Password", type="password", key="wb_sign_in_password")
    submitted = st.form_submit_button("Sign in", type="primary")

if submitted:
    try:
        session.sign_in_with_password(name, password)
    except ReviewError as error:
        st.error(plain(error))
    else:
        st.rerun()
