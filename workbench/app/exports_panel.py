"""Export buttons: a draft or a library module as GIFT, Moodle XML, QTI, SCORM or cmi5, downloaded from the page."""

from __future__ import annotations

from typing import Any

import streamlit as st

from workbench.app.services import get_services
from workbench.app.ui import errors_shown
from workbench.exports.service import FORMAT_LABELS


def _export_panel(ref: str, key: str) -> None:
    """Choose a format, prepare the file, then download it (errors such as 'no questions' shown inline)."""
    from workbench.exports.service import render_export

    fmt = st.selectbox("Export format", list(FORMAT_LABELS), format_func=FORMAT_LABELS.get, key=f"{key}_format")
    prepared_key = f"{key}_prepared"
    if st.button("Prepare export", key=f"{key}_prepare", icon=":material/download:"):
        st.session_state.pop(prepared_key, None)
        with errors_shown():
            file = render_export(get_services().exports.resolve(ref), fmt)
            st.session_state[prepared_key] = (fmt, file.filename, file.data, file.mime_type)
            st.session_state[f"{key}_notes"] = file.notes
    prepared = st.session_state.get(prepared_key)
    if prepared and prepared[0] == fmt:
        _, filename, data, mime = prepared
        for note in st.session_state.get(f"{key}_notes", ()):
            st.text(f"Note: {note}")  # st.text, not markdown: the note quotes question ids from imported banks
        st.download_button(f"Download {filename}", data, file_name=filename, mime=mime, key=f"{key}_download")


def export_buttons_for_module(module: Any) -> None:
    """Export buttons for a library module (its draft's assessment when it was published from one)."""
    st.header("Export", anchor=False)
    _export_panel(str(module.id), key=f"wb_export_module_{module.id}")


def export_buttons_for_draft(draft: Any) -> None:
    """Export buttons for a draft in the review queue (its current revision)."""
    _export_panel(str(draft.id), key=f"wb_export_draft_{draft.id}")
