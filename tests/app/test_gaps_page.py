"""Gaps page: the ranked gaps with evidence, the heatmap, "Draft this" opening the studio with the brief."""

from __future__ import annotations

from tests.app.conftest import open_page


def test_gaps_rank_the_framework_and_draft_this_fills_the_brief(people, app_services):
    at = open_page("ann", "gaps")
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    statuses = dict(zip(table["id"], table["status"]))
    # The small library teaches feedback (reviewed long ago) and nothing about prompting.
    assert statuses["ai-prompting"] == "gap"
    assert statuses["fb-giving"] in {"stale", "covered", "partial"}
    assert at.get("vega_lite_chart"), "the coverage heatmap is drawn"
    figures = next(e for e in at.expander if e.label == "The heatmap's figures as text").markdown[0].value
    assert figures.splitlines()[0] == "| row | foundation | intermediate | advanced | demand |"
    assert len(figures.splitlines()) == 2 + len(table), "one line per skill of the framework"

    at.selectbox(key="wb_gaps_draft_skill").select("ai-prompting").run()
    at.button(key="wb_gaps_draft_this").click().run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Draft studio"]
    assert at.text_input(key="wb_brief_topic").value == "Writing prompts for AI assistants"
    assert at.text_input(key="wb_brief_skills").value == "ai-prompting"
    assert at.selectbox(key="wb_brief_level").value == "intermediate"


def test_a_gap_report_adds_a_point_to_coverage_over_time_once(people, app_services):
    open_page("lee", "gaps")
    history = app_services.coverage_history.entries()
    assert len(history) == 1 and history[0]["skills"] == 2 and history[0]["gap"] >= 1
    open_page("lee", "gaps")  # another visit, nothing changed: no new point
    assert len(app_services.coverage_history.entries()) == 1


def test_an_uploaded_esco_export_is_compared_with_the_library(people, app_services, shared_dir):
    esco = (shared_dir / "fixtures" / "esco" / "transversalSkillsCollection_en.csv").read_bytes()
    at = open_page("lee", "gaps")
    at.radio(key="wb_gaps_source").set_value("upload").run()
    at.get("file_uploader")[0].upload("transversal.csv", esco, "text/csv")
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[-1].value
    assert len(table) > 50 and "http" not in str(table["id"].iloc[0])  # ESCO skills, with short ids


def test_a_broken_framework_upload_is_reported_in_one_line(people, app_services):
    at = open_page("lee", "gaps")
    at.radio(key="wb_gaps_source").set_value("upload").run()
    at.get("file_uploader")[0].upload("broken.yaml", b"skills:\n  - id: a\n  - id: a\n    name: A\n", "application/x-yaml")
    at.run()
    assert not at.exception, at.exception
    messages = [e.value.replace("\\", "") for e in at.error]
    assert len(messages) == 1 and "skill #1 (a): skill 'a' has no name" in messages[0], messages


def test_the_gap_table_opens_each_skills_evidence(people, app_services):
    at = open_page("lee", "gaps")
    assert not at.exception, at.exception
    at.selectbox(key="wb_gaps_evidence_skill").select("fb-giving").run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "Giving feedback" in text and "giving-feedback.md" in text
    taught = at.dataframe[1].value  # the table of modules teaching it, below the ranked gaps
    assert list(taught["path"]) == ["feedback/giving-feedback.md"]
    assert "declared in front matter" in taught["how"].iloc[0]
    at.selectbox(key="wb_gaps_evidence_skill").select("ai-prompting").run()
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "no module teaches or mentions it" in text
    assert len(at.dataframe) == 1  # nothing teaches or mentions it: no evidence tables


def test_an_imported_market_trend_shows_as_demand_columns_and_a_trend_chart(people, app_services, tmp_path):
    trend = tmp_path / "postings.csv"
    trend.write_text("skill_id,period,count\n" + "".join(f"ai-prompting,2026-{m:02d},{50 * m}\n" for m in range(1, 5)), encoding="utf-8")
    app_services.signals.import_file(trend, "market-trend", "lee")
    at = open_page("lee", "gaps")
    assert not at.exception, at.exception
    table = at.dataframe[0].value.set_index("id")
    assert table.loc["ai-prompting", "trend"] == "+300 % over 3 months"
    assert table.loc["ai-prompting", "recent volume"] == "200 (2026-04)"
    assert table.loc["fb-giving", "trend"] == ""  # nothing imported for it
    assert "postings +300 % over 3 months (50 → 200)" in table.loc["ai-prompting", "reasons"]
    at.selectbox(key="wb_gaps_evidence_skill").select("ai-prompting").run()
    assert not at.exception, at.exception
    assert len(at.get("vega_lite_chart")) == 2, "the heatmap and the skill's trend"
    figures = next(e for e in at.expander if e.label == "The trend's figures as text").markdown[0].value
    assert figures.splitlines() == ["- 2026\\-01: 50", "- 2026\\-02: 100", "- 2026\\-03: 150", "- 2026\\-04: 200"]


def test_a_second_session_is_shown_the_report_the_first_one_computed(people, app_services, small_library):
    computed = []
    app_services.gaps.on_computed = computed.append
    first = open_page("ann", "gaps")
    assert not first.exception, first.exception
    assert len(computed) == 1
    second = open_page("lee", "gaps")
    assert not second.exception, second.exception
    assert len(computed) == 1, "the second session was shown the shared report, not a new one"
    assert second.dataframe[0].value.to_dict() == first.dataframe[0].value.to_dict()

    (small_library / "delegating.md").write_text(
        "# Prompting AI assistants\n\nWriting prompts for AI assistants: give the task, the format and an example.\n",
        encoding="utf-8")
    third = open_page("ann", "gaps")
    assert not third.exception, third.exception
    assert len(computed) == 2, "a library edit is a new report"
    rows = third.dataframe[0].value.set_index("id")
    assert "delegating" in rows.loc["ai-prompting", "evidence"], rows.loc["ai-prompting"].to_dict()
    second.button(key="wb_gaps_refresh").click().run()
    assert not second.exception, second.exception
    assert len(computed) == 3, "Recompute computes the report again"


def test_the_heatmap_can_be_coloured_by_demand(people, app_services, tmp_path):
    trend = tmp_path / "postings.csv"
    trend.write_text("skill_id,period,count\n" + "".join(f"ai-prompting,2026-{m:02d},{50 * m}\n" for m in range(1, 5)), encoding="utf-8")
    app_services.signals.import_file(trend, "market-trend", "lee")
    at = open_page("lee", "gaps")
    at.radio(key="wb_gaps_by").set_value("skill").run()
    at.radio(key="wb_gaps_colour").set_value("demand").run()
    assert not at.exception, at.exception
    spec = at.get("vega_lite_chart")[0].proto.spec
    assert '"oranges"' in spec and '"Demand"' in spec  # the colour scale and legend of demand
    figures = next(e for e in at.expander if e.label == "The heatmap's figures as text").markdown[0].value
    rows = {line.split(" | ")[0].lstrip("| "): line.rstrip(" |").split(" | ")[-1] for line in figures.splitlines()[2:]}
    # ai-prompting: t = +300 % clipped to 1, priority critical: demand 1 + 1/2; fb-giving: nothing known
    assert [value for row, value in rows.items() if "ai\\-prompting" in row] == ["1.50"]
    assert [value for row, value in rows.items() if "fb\\-giving" in row] == ["1.00"]
