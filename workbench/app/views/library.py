"""Library: browse and search the modules, filter them, read one with its provenance, re-index."""

import pandas as pd
import streamlit as st

from workbench.app import session
from workbench.app.citations import show_linked_passage
from workbench.app.exports_panel import export_buttons_for_module
from workbench.app.item_analysis_view import show_item_analysis
from workbench.app.library_view import LibraryFilters, apply_filters, detail_rows, history_rows, is_stale, module_rows
from workbench.app.services import get_services
from workbench.app.ui import errors_shown, show_markdown

user = session.require("library")
services = get_services()
stale_days = services.settings.stale_after_days
st.title("Library", anchor=False)
with errors_shown():
    show_linked_passage(services.library_reader.chunks)  # opened from a citation: that passage first

with errors_shown():
    status = services.index.status()
    with st.expander("Index status", expanded=False):
        st.json(status)
        if st.button("Re-index the library", icon=":material/refresh:", key="wb_reindex"):
            bar = st.progress(0.0, text="Reading the library…")

            def _progress(stage: str, done: int, total: int) -> None:
                if total:
                    bar.progress(min(1.0, done / total), text=f"{stage}: {done} of {total}")

            report = services.index.build(progress=_progress)
            bar.progress(1.0, text="Index up to date")
            st.success("Re-index finished.")
            st.json(report.to_json())

search_tab, browse_tab = st.tabs(["Search", "Browse"])

with search_tab:
    query = st.text_input("Search the library by meaning", key="wb_library_query", placeholder="e.g. giving feedback to a colleague")
    top_k = st.slider("Results", 1, 20, 5, key="wb_library_k")
    if query.strip():
        with errors_shown():
            hits = services.index.search(query, top_k)
            if not hits:
                st.info("No passages found. Is the library indexed?")
            for hit in hits:
                with st.container(border=True):
                    st.text(f"{hit.title} › {hit.heading}   (score {hit.score:.2f})   {hit.path}")
                    show_markdown(hit.text)

with browse_tab:
    with errors_shown():
        scan = services.index.scan()
        modules = list(scan.modules)
        all_skills = sorted({skill for module in modules for skill in module.skills})
        columns = st.columns(5)
        filters = LibraryFilters(
            skills=tuple(columns[0].multiselect("Skill", all_skills, key="wb_filter_skill")),
            levels=tuple(columns[1].multiselect("Level", ["foundation", "intermediate", "advanced", "unspecified"], key="wb_filter_level")),
            statuses=tuple(columns[2].multiselect("Status", sorted({m.status or "unspecified" for m in modules}), key="wb_filter_status")),
            staleness=columns[3].selectbox("Freshness", ["any", "stale", "fresh"], key="wb_filter_stale"),
            origin=columns[4].selectbox("Origin", ["any", "ai", "human"], format_func=lambda o: {"any": "any", "ai": "AI-drafted", "human": "human-written"}[o], key="wb_filter_origin"),
        )
        shown = apply_filters(modules, filters, stale_days)
        st.caption(f"{len(shown)} of {len(modules)} modules")
        st.dataframe(pd.DataFrame(module_rows(shown, stale_days)), hide_index=True, width="stretch")
        if scan.skipped:
            with st.expander(f"{len(scan.skipped)} files were not indexed"):
                st.dataframe(pd.DataFrame([{"path": s.path, "reason": s.reason} for s in scan.skipped]), hide_index=True)

        if shown:
            chosen = st.selectbox("Open a module", [m.id for m in shown], format_func=lambda mid: next(m.title for m in shown if m.id == mid), key="wb_library_module")
            module = next(m for m in shown if m.id == chosen)
            meta, body = st.columns([1, 2])
            with meta:
                st.header("Details", anchor=False)
                # A table of words, not a JSON viewer: its coloured true/false fail contrast, and a lead reads fields.
                st.table(pd.DataFrame(detail_rows(module, is_stale(module, stale_days))).set_index("field"))
                st.header("Provenance", anchor=False)
                if module.provenance:
                    st.json(module.provenance)
                else:
                    st.caption("No provenance recorded (a human-written module).")
                export_buttons_for_module(module)
                if services.library_git is not None:
                    st.header("History", anchor=False)
                    commits = services.library_git.history(module.path)
                    if commits:
                        st.dataframe(pd.DataFrame(history_rows(commits)), hide_index=True, width="stretch")
                    else:
                        st.caption("No commit touches this file yet.")
                st.header("Item analysis", anchor=False)
                show_item_analysis(services.signals, module.id, key="wb_library_items")
            with body:
                show_markdown(module.body)
