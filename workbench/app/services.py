"""The services the app's pages call, built once per server process from the settings.

Tests inject their own composition root with `use_services()` (for example one built with a fake
LLM and a temporary library); the app itself builds one from the environment on first use.
"""

from __future__ import annotations

import threading

import streamlit as st

from workbench.bootstrap import Services, bootstrap

_lock = threading.Lock()
_injected: Services | None = None


def use_services(services: Services | None) -> None:
    """Make every page use these services (tests and embedding callers); None restores the default."""
    global _injected
    with _lock:
        _injected = services


@st.cache_resource(show_spinner=False)
def _services_from_environment() -> Services:
    """The composition root built from WORKBENCH_* settings, shared by every session of the server."""
    return bootstrap()


def get_services() -> Services:
    """The services for this run: the injected ones, else those built from the environment."""
    with _lock:
        injected = _injected
    if injected is not None:
        return injected
    return _services_from_environment()
