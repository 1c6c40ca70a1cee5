"""Gaps: a skills framework against the library — heatmap, ranked gaps with evidence, "Draft this"."""

import pandas as pd
import streamlit as st

from workbench.app import charts, session
from workbench.app.gaps_view import field, gap_rows, heatmap_cells, heatmap_text, skill_evidence, trend_points
from workbench.app.services import get_services
from workbench.app.studio import BRIEF_KEY
from workbench.app.ui import errors_shown, plain
from workbench.stages import stage_label

user = session.require("gaps")
services = get_services()
st.title("Gaps", anchor=False)

source = st.radio(
    "Skills framework",
    ["sample", "upload"],
    format_func={"sample": "The library's framework", "upload": "Upload a framework (YAML, CSV or an ESCO CSV export)"}.get,
    horizontal=True,
    key="wb_gaps_source",
)
skills_file = None
if source == "upload":
    upload = st.file_uploader("Framework file", type=["yaml", "yml", "csv"], key="wb_gaps_upload")
    if upload is None:
        st.info("Choose a YAML or CSV framework file, or an ESCO skills CSV export.")
        st.stop()
    with errors_shown():
        skills_file = services.framework_uploads.store(upload.name, upload.getvalue())
    if skills_file is None:
        st.stop()

# One report per library revision and framework, shared by every session (GapService.report):
# a visit after someone else computed it only checks that the library has not changed since.
recompute = st.button("Recompute", icon=":material/refresh:", key="wb_gaps_refresh")
report = None
with errors_shown():
    bar = st.progress(0.0, text="Checking the library…")

    def _progress(stage: str, done: int, total: int) -> None:
        # Every stage of a large library shows itself, with a count when it has more than one step.
        counted = f": {done:,} of {total:,}" if total > 1 else "…"
        bar.progress(min(1.0, done / total) if total else 1.0, text=f"{stage_label(stage)}{counted}")

    report = services.gaps.report(skills_file=skills_file, progress=_progress, recompute=recompute)
    bar.empty()
    seen_key = f"wb_gap_report_seen::{skills_file or 'sample'}"
    if st.session_state.get(seen_key) is not report:
        st.session_state[seen_key] = report
        # A report whose results changed is one point of the coverage-over-time chart on the Audit page.
        services.coverage_history.record(report, framework=str(skills_file.name if skills_file else "library framework"))
if report is None:
    st.stop()
timings = field(report, "timings", {}) or {}
if timings:
    slowest = sorted(timings.items(), key=lambda item: -item[1])[:4]
    st.caption(f"Computed in {sum(timings.values()):.1f} s: "
               + ", ".join(f"{stage_label(stage).lower()} {seconds:.1f} s" for stage, seconds in slowest))

skills = list(field(report, "skills", []) or [])
for warning in field(report, "warnings", []) or []:
    st.warning(plain(warning))
counts = pd.Series([str(getattr(field(s, "status"), "value", field(s, "status"))) for s in skills]).value_counts()
metric_columns = st.columns(4)
for column, status in zip(metric_columns, ["gap", "partial", "stale", "covered"]):
    column.metric(status.capitalize(), int(counts.get(status, 0)))

# The levels of the library the report was computed from: no need to read the library again.
module_levels = field(report, "module_levels", {}) or {}

st.header("Coverage heatmap", anchor=False)
by = st.radio("Rows", ["group", "skill"], format_func={"group": "Skill groups", "skill": "Skills"}.get, horizontal=True, key="wb_gaps_by")
colour = st.radio("Colour", ["coverage", "demand"], format_func={"coverage": "Coverage", "demand": "Demand (imported signals)"}.get,
                  horizontal=True, key="wb_gaps_colour")
cells = pd.DataFrame(heatmap_cells(skills, module_levels, by=by))
if not cells.empty:
    st.vega_lite_chart(cells, charts.coverage_heatmap(colour, cells["row"].nunique()), width="stretch")
    with st.expander("The heatmap's figures as text"):
        st.markdown(heatmap_text(cells.to_dict("records"), escape=plain))

if hasattr(report, "library_json"):
    library_findings = report.library_json()
    with st.expander(
        f"Library-wide: {len(library_findings['near_duplicates'])} near-duplicate pairs, "
        f"{len(library_findings['orphans'])} orphan modules, {len(library_findings['stale_modules'])} stale modules"
    ):
        st.json(library_findings)

st.header("Ranked gaps", anchor=False)
rows = gap_rows(skills)
table = st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", on_select="rerun",
                     selection_mode="single-row", key="wb_gaps_table")

# The evidence of one skill: a row picked in the table opens it; the list below does the same.
ids = [row["id"] for row in rows]
picked = list(getattr(getattr(table, "selection", None), "rows", []) or [])
if picked and picked[0] < len(ids):
    st.session_state["wb_gaps_evidence_skill"] = ids[picked[0]]
if ids:
    labels = {row["id"]: f"{row['skill']} ({row['status']})" for row in rows}
    shown = st.selectbox("Evidence for", ids, format_func=labels.get, key="wb_gaps_evidence_skill")
    picked_skill = next(s for s in skills if str(field(s, "skill_id")) == shown)
    evidence = skill_evidence(picked_skill)
    st.markdown(f"**{plain(evidence['skill'])}** is {plain(evidence['status'])}: {plain(evidence['why'])}")
    points = pd.DataFrame(trend_points(picked_skill))
    if not points.empty:
        # The periods the trend rests on, in the order the report lists them.
        st.vega_lite_chart(points, charts.market_trend(evidence["skill"]), width="stretch")
        with st.expander("The trend's figures as text"):
            st.markdown("\n".join(f"- {plain(row['period'])}: {row['count']:,}" for row in points.to_dict("records")))
    if evidence["taught_by"]:
        st.caption("Taught by")
        st.dataframe(pd.DataFrame(evidence["taught_by"]), hide_index=True, width="stretch", key="wb_gaps_taught_by")
    if evidence["mentioned_in"]:
        st.caption(f"Only mentioned in {evidence['mention_count']} module(s)")
        st.dataframe(pd.DataFrame(evidence["mentioned_in"]), hide_index=True, width="stretch", key="wb_gaps_mentioned_in")

choices = [row["id"] for row in rows if row["status"] != "covered"] or [row["id"] for row in rows]
if choices:
    names = {row["id"]: f"{row['skill']} ({row['status']})" for row in rows}
    chosen = st.selectbox("Skill to draft a module for", choices, format_func=names.get, key="wb_gaps_draft_skill")
    if st.button("Draft this", type="primary", icon=":material/edit_note:", key="wb_gaps_draft_this"):
        with errors_shown():
            brief = services.drafting.brief_for_skill(chosen, skills_file=skills_file)
            st.session_state[BRIEF_KEY] = brief.model_dump(mode="json")
            st.switch_page("views/draft_studio.py")
