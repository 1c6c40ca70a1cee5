"""Signals (lead): import learners' results (a file, or the LRS), the imports so far, per-item figures on enough people."""

import pandas as pd
import streamlit as st

from workbench.app import session
from workbench.app.services import get_services
from workbench.app.ui import errors_shown, plain

KINDS = {"xapi": "xAPI statements (JSON array or one per line)", "scorm-csv": "SCORM 1.2 interaction records (CSV)",
         "proficiency-csv": "Proficiency ratings (CSV)", "market-trend": "Market trend: counts per skill and period (CSV)"}

user = session.require("signals")
services = get_services()
signals = services.signals
st.title("Signals", anchor=False)
st.caption("Learners' results come back here from the LMS. People are pseudonymised on import and never shown; "
           f"figures appear only for groups of at least {signals.min_group_size} people.")


def show_report(report) -> None:
    """What one import kept and why the rest was not kept; every text from the file shown as plain text."""
    if report.already_imported:
        st.info(f"{plain(report.source)} was already imported (import {report.import_id}, "
                f"{report.imported_at:%Y-%m-%d %H:%M} UTC): nothing changed.")
        return
    st.success(f"Import {report.import_id} from {plain(report.source)}: {report.kept:,} new results kept, "
               f"{report.duplicates:,} already kept, {report.ignored:,} ignored, {report.rejected:,} not kept.")
    if report.problems:
        st.dataframe(pd.DataFrame([{"line": p.line, "reason": p.reason} for p in report.problems]), hide_index=True)
    if report.matches:
        st.caption(f"Labels matched by meaning (kept at a confidence of {signals.trend_match_threshold:.2f} or more):")
        st.dataframe(pd.DataFrame([{
            "label": found["label"], "closest skill": f"{found['skill_name']} ({found['skill_id']})",
            "confidence": found["confidence"], "kept": "yes" if found["matched"] else "no: unmatched",
        } for found in report.matches]), hide_index=True)
    if report.unknown_ids and report.kind in ("proficiency-csv", "market-trend"):
        st.warning(f"{len(report.unknown_ids)} skill label(s) unknown or unmatched (their rows were not kept): "
                   + ", ".join(plain(identifier) for identifier in list(report.unknown_ids)[:10]))
    elif report.unknown_ids:
        st.warning(f"{len(report.unknown_ids)} id(s) name nothing published (reported, not guessed): "
                   + ", ".join(plain(identifier) for identifier in list(report.unknown_ids)[:10]))


upload_tab, lrs_tab = st.tabs(["Upload a file", "Learning record store"])
with upload_tab:
    kind = st.radio("The file holds", list(KINDS), format_func=KINDS.get, key="wb_signals_kind", horizontal=True)
    module_id = st.text_input("Module id (for a SCORM CSV without a module column)", key="wb_signals_module")
    upload = st.file_uploader("File to import", type=["json", "jsonl", "ndjson", "csv", "txt"], key="wb_signals_file")
    if st.button("Import", key="wb_signals_import", disabled=upload is None, type="primary"):
        with errors_shown():
            show_report(signals.import_upload(upload.name, upload.getvalue(), kind, user.name, module_id=module_id.strip() or None))
with lrs_tab:
    endpoint = services.settings.lrs_url
    if not endpoint:
        st.caption("No LRS is configured (WORKBENCH_LRS_URL, WORKBENCH_LRS_USERNAME, WORKBENCH_LRS_PASSWORD).")
    else:
        st.caption(f"Statements of our courses stored since the last import are pulled from {plain(endpoint)}.")
        if st.button("Pull new results", key="wb_signals_pull"):
            with errors_shown():
                show_report(signals.import_from_lrs(None, user.name))

st.header("Imports", anchor=False)
with errors_shown():
    imports = signals.imports()
    if imports:
        st.dataframe(pd.DataFrame([{
            "import": report.import_id, "when (UTC)": f"{report.imported_at:%Y-%m-%d %H:%M}", "kind": report.kind,
            "source": report.source, "by": report.imported_by, "kept": report.kept, "duplicates": report.duplicates,
            "ignored": report.ignored, "not kept": report.rejected,
        } for report in imports]), hide_index=True)
    else:
        st.caption("Nothing imported yet.")

st.header("Items", anchor=False)
with errors_shown():
    aggregates = signals.item_aggregates()
    if aggregates.items:
        st.dataframe(pd.DataFrame([{
            "module": item.module_id, "item": item.item_id, "objective": item.objective_id, "attempts": item.attempts,
            "people": item.people, "correct": None if item.correct_share is None else round(item.correct_share * 100),
        } for item in aggregates.items]), hide_index=True,
            column_config={"correct": st.column_config.NumberColumn("correct (%)")})
    if aggregates.withheld:
        st.caption(f"{aggregates.withheld} item(s) not shown: answered by fewer than {aggregates.min_group_size} people.")
    elif not aggregates.items:
        st.caption("No item has results yet.")
