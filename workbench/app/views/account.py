"""The signed-in user's account: who they are, their roles, and signing out."""

import streamlit as st

from workbench.app import session
from workbench.app.services import get_services

user = session.require("account")
st.title("Account", anchor=False)
st.text(f"User: {user.name}\nName: {user.display_name}\nSigned in with: {user.via}")
st.write("Roles:")
for role in sorted(user.roles):
    st.text(f"• {role.value}")
timeout = session.timeout_seconds() / 60
hours = get_services().settings.session_max_hours
st.caption(f"Sessions end after {timeout:.0f} minutes without activity, and {hours} hours after signing in.")
