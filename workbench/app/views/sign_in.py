"""Shown to a connection without a live session: why, and the way to the sign-in form."""

from urllib.parse import urlsplit

import streamlit as st

from workbench.app import session
from workbench.app.auth_routes import ENDED_NOTICES, sign_in_url
from workbench.app.services import get_services
from workbench.first_run import create_lead_command

st.title("L&D Workbench", anchor=False)
notice = st.session_state.pop(session.NOTICE_KEY, None)
ended = session.lookup().ended
if notice:
    st.info(notice)
elif ended in ENDED_NOTICES:
    st.info(ENDED_NOTICES[ended])
else:
    st.info("You are not signed in.")

services = get_services()
if not services.accounts.list_users():
    # The command names the library and data dir this server runs with, so it works pasted as it is.
    st.warning("No accounts exist yet. Create the first lead from a shell, then sign in here:")
    st.code(create_lead_command(services.settings), language="bash")

# Signing in sets an HttpOnly cookie, which only an HTTP response can do: the form lives at /auth/sign-in.
here = urlsplit(st.context.url or "/")
back_to = (here.path or "/") + (f"?{here.query}" if here.query else "")
# A relative markdown link opens in this tab (a link button would open a new one); urlencode leaves no ")".
st.markdown(f"**[Sign in]({sign_in_url(back_to)})**")
