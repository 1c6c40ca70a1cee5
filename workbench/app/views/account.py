"""The signed-in user's account: who they are, their roles, and signing out."""

import streamlit as st

from workbench.app import session

user = session.require("account")
st.title("Account")
st.text(f"User: {user.name}\nName: {user.display_name}\nSigned in with: {user.via}")
st.write("Roles:")
for role in sorted(user.roles):
    st.text(f"• {role.value}")
timeout = session.timeout_seconds() / 60
st.caption(f"Sessions end after {timeout:.0f} minutes without activity.")
