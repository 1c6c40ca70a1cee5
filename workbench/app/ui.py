"""Small display helpers every page uses: safe markdown, named errors, the model banner."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from review.errors import ReviewError
from workbench.errors import WorkbenchError

DEMO_MODEL_NOTE = (
    "drafts from this small demo model only exercise the workflow; real drafting needs a capable "
    "model behind an OpenAI-compatible endpoint"
)


_MARKDOWN_SPECIALS = set("\\`*_{}[]()<>#+-.!|~:$=")


def plain(text: object) -> str:
    """Escape markdown so that text from users, the library or the model shows literally in a
    Streamlit label, caption or alert (no link, no image, no formatting)."""
    return "".join("\\" + char if char in _MARKDOWN_SPECIALS else char for char in str(text))


@contextmanager
def errors_shown() -> Iterator[None]:
    """Turn a named workbench or review error into one st.error line (the page goes on)."""
    try:
        yield
    except (WorkbenchError, ReviewError) as error:
        st.error(plain(error))


def show_markdown(text: str) -> None:
    """Show untrusted markdown (library or model) through the project's sanitising renderer only."""
    from workbench.rendering import render_markdown_safe

    # render_markdown_safe drops raw HTML, unsafe links and external images; st.html then never runs scripts.
    st.html(render_markdown_safe(text or ""))


def show_fields(fields: list[tuple[str, str]]) -> None:
    """Labelled values as readable lines; the values are untrusted text, shown literally."""
    st.markdown("  \n".join(f"**{plain(label)}:** {plain(value)}" for label, value in fields))


def model_banner(llm) -> None:
    """A banner naming the model in use, saying plainly when it is the embedded demo model."""
    name = plain(f"{llm.provider} · {llm.model_id}")
    if llm.is_demo_model:
        st.warning(f"Model in use: {name} — the embedded demo model: {DEMO_MODEL_NOTE}.", icon=":material/info:")
    else:
        st.info(f"Model in use: {name}", icon=":material/smart_toy:")
