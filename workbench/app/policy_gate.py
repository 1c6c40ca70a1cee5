"""The AI-use policy before a person's first AI action: shown, accepted by version, or the page stops there."""

from __future__ import annotations

import streamlit as st

from workbench.app.draft_panel import run_action, show_flash
from workbench.app.ui import errors_shown, show_markdown


def require_policy_accepted(governance, user) -> None:
    """Show the current policy with an accept button and stop the page until the person has accepted it."""
    with errors_shown():
        if not governance.needs_acceptance(user.name):
            return
        current = governance.current_policy()
        st.header(f"AI-use policy, version {current.version}", anchor=False)
        st.caption("Read and accept the policy before you use AI in the workbench. Your acceptance is recorded in the audit log.")
        with st.container(border=True):
            show_markdown(current.text)
        # The button carries the version shown: if a lead publishes a new one meanwhile, the acceptance is refused.
        st.button(
            f"I accept version {current.version}", key=f"wb_policy_accept_{current.version}", type="primary",
            on_click=run_action,
            args=(lambda v=current.version: governance.accept_policy(user.name, v), f"You accepted version {current.version} of the AI-use policy."),
        )
    show_flash()
    st.stop()
