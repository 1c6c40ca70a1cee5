"""Entry of the Streamlit workbench: sign-in, then the pages the signed-in user's roles open."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run workbench/app/main.py` puts workbench/app on sys.path, not the project root.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from workbench.app import session  # noqa: E402
from workbench.app.access import pages_for_roles  # noqa: E402

# No page_title here: each page's own title names its browser tab. The favicon is a bundled image, set
# before any page runs, so page icons (Material, fetched from a CDN when used as a favicon) never replace it.
FAVICON = Path(__file__).resolve().parent / "static" / "favicon.png"
st.set_page_config(page_icon=str(FAVICON), layout="wide")

user = session.current_user()
if user is None:
    navigation = st.navigation([st.Page("views/sign_in.py", title="Sign in", icon=":material/login:")], position="hidden")
elif not user.roles:
    navigation = st.navigation([st.Page("views/no_access.py", title="No access yet", icon=":material/lock:")], position="hidden")
else:
    pages = [
        st.Page(spec.script, title=spec.title, icon=spec.icon, url_path=spec.key, default=index == 0)
        for index, spec in enumerate(pages_for_roles(user.roles))
    ]
    navigation = st.navigation(pages)
    with st.sidebar:
        # Names come from users and identity providers: shown as plain text, never as markdown.
        st.text(f"Signed in as {user.display_name}\nRoles: {', '.join(sorted(role.value for role in user.roles))}")
        if st.button("Sign out", key="wb_sign_out", icon=":material/logout:"):
            session.sign_out("You signed out.")
            st.rerun()

navigation.run()
