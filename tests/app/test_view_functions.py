"""The plain functions behind the pages: filters, heatmap cells, audit figures, escaping."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from workbench.app.access import PAGES, pages_for_roles
from workbench.app.audit_view import ai_share, throughput, time_in_review
from workbench.app.gaps_view import heatmap_cells, heatmap_text, skill_evidence
from workbench.app.library_view import LibraryFilters, apply_filters, is_stale
from workbench.app.ui import plain
from workbench.domain.library import Level, Module


def _module(module_id: str, **fields) -> Module:
    return Module(id=module_id, path=f"{module_id}.md", title=module_id.title(), body="", **fields)


LIBRARY = [
    _module("old", skills=("fb",), level=Level.FOUNDATION, status="published", last_reviewed=date.today() - timedelta(days=900)),
    _module("new", skills=("data",), level=Level.ADVANCED, status="draft", last_reviewed=date.today()),
    _module("ai", skills=("fb", "data"), provenance={"model": "gpt", "draft_id": 3}, modified=date.today()),
]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (LibraryFilters(), ["Ai", "New", "Old"]),
        (LibraryFilters(skills=("fb",)), ["Ai", "Old"]),
        (LibraryFilters(levels=("advanced",)), ["New"]),
        (LibraryFilters(levels=("unspecified",)), ["Ai"]),
        (LibraryFilters(statuses=("published",)), ["Old"]),
        (LibraryFilters(staleness="stale"), ["Old"]),
        (LibraryFilters(staleness="fresh"), ["Ai", "New"]),
        (LibraryFilters(origin="ai"), ["Ai"]),
        (LibraryFilters(origin="human", skills=("data",)), ["New"]),
    ],
)
def test_library_filters(filters, expected):
    assert [m.title for m in apply_filters(LIBRARY, filters, stale_after_days=548)] == expected


def test_a_module_without_any_date_is_never_called_stale():
    assert not is_stale(_module("undated"), 1)


def test_heatmap_takes_the_best_evidence_per_level_and_averages_groups():
    skills = [
        {"skill_id": "a", "skill_name": "A", "group": "G", "evidence": [{"module_id": "old", "score": 0.8}, {"module_id": "new", "score": 0.4}]},
        {"skill_id": "b", "skill_name": "B", "group": "G", "evidence": []},
    ]
    levels = {"old": "foundation", "new": "advanced"}
    by_skill = {(c["row"], c["level"]): c["coverage"] for c in heatmap_cells(skills, levels, by="skill")}
    assert by_skill[("A (a)", "foundation")] == 0.8 and by_skill[("A (a)", "advanced")] == 0.4
    assert by_skill[("A (a)", "intermediate")] == 0.0 and by_skill[("B (b)", "foundation")] == 0.0
    by_group = {(c["row"], c["level"]): c["coverage"] for c in heatmap_cells(skills, levels, by="group")}
    assert by_group[("G", "foundation")] == 0.4


def test_skill_evidence_says_how_each_module_teaches_and_what_the_mentions_are_about():
    skill = {
        "skill_name": "Data protection", "status": "partial", "why": "mentioned in 2 module(s), taught by none",
        "taught_by": [{"title": "GDPR", "path": "gdpr.md", "strength": 0.812, "share": 0.4, "main_topic": True,
                       "section": "Lawful basis", "declared": False, "passages": [{"heading": "Lawful basis"}]}],
        "mentioned_in": [{"title": "Phishing", "path": "phishing.md", "passage": {"heading": "Personal data"},
                          "module_about": "Recognising phishing"}],
        "mention_count": 2,
    }
    evidence = skill_evidence(skill)
    assert evidence["taught_by"] == [{"module": "GDPR", "path": "gdpr.md", "teaches": 0.81, "share of module": "40%",
                                      "how": "main topic, section “Lawful basis”", "best passages": "Lawful basis"}]
    assert evidence["mentioned_in"] == [{"module": "Phishing", "path": "phishing.md", "passage": "Personal data",
                                         "module is about": "Recognising phishing"}]
    assert evidence["mention_count"] == 2 and evidence["why"].endswith("taught by none")


def test_heatmap_figures_as_text_keep_every_cell_and_escape_row_names():
    cells = [{"row": "Data *protection*", "level": level, "coverage": value}
             for level, value in (("foundation", 0.5), ("intermediate", 0.125), ("advanced", 0.0))]
    assert heatmap_text(cells, escape=lambda text: text.replace("*", "\\*")).splitlines() == [
        "| row | foundation | intermediate | advanced | demand |",
        "| --- | --- | --- | --- | --- |",
        "| Data \\*protection\\* | 0.50 | 0.12 | 0.00 | 1.00 |",
    ]


def test_throughput_and_time_in_review_from_audit_rows():
    t0 = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
    rows = [
        {"action": "submit", "draft_id": 1, "at": t0.isoformat()},
        {"action": "sign_off", "draft_id": 1, "at": (t0 + timedelta(hours=1)).isoformat()},
        {"action": "publish", "draft_id": 1, "at": (t0 + timedelta(hours=6)).isoformat()},
        {"action": "submit", "draft_id": 3, "at": t0.isoformat()},
        {"action": "approved", "draft_id": 3, "at": (t0 + timedelta(hours=3)).isoformat()},
        {"action": "submit", "draft_id": 2, "at": (t0 + timedelta(days=1)).isoformat()},
        {"action": "login_failed", "draft_id": None, "at": t0.isoformat()},
    ]
    assert {(r["day"], r["action"]): r["count"] for r in throughput(rows)} == {
        ("2026-11-02", "submit"): 2, ("2026-11-02", "sign_off"): 1, ("2026-11-02", "approved"): 1, ("2026-11-02", "publish"): 1,
        ("2026-11-03", "submit"): 1}
    durations = time_in_review(rows, now=t0 + timedelta(days=2))
    assert [(d["draft"], d["outcome"], d["hours"]) for d in durations] == [(1, "publish", 6.0), (3, "approved", 3.0), (2, "still in review", 24.0)]


def test_ai_share():
    assert ai_share(LIBRARY) == {"AI-drafted": 1, "human-written": 2}


@pytest.mark.parametrize("text", ["![x](http://example.invalid/x.png)", "[a](javascript:alert(1))", "**bold** <b>x</b>", "http://example.invalid"])
def test_plain_text_cannot_become_a_link_or_an_image(text):
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": True}).render(plain(text))
    assert "<a" not in html and "<img" not in html and "<strong" not in html and "<b>" not in html


def test_every_role_reaches_my_work_and_only_leads_reach_the_audit():
    for role in ("author", "accuracy_reviewer", "cultural_reviewer", "ethics_reviewer", "lead"):
        keys = [page.key for page in pages_for_roles([role])]
        assert keys[0] == "home" and ("audit" in keys) == (role == "lead")
    assert pages_for_roles([]) == []
    assert len({page.script for page in PAGES}) == len(PAGES)


def test_a_modules_details_read_as_words_not_json() -> None:
    from datetime import date

    from workbench.app.library_view import detail_rows
    from workbench.domain.library import Module

    module = Module(id="giving-feedback", path="giving-feedback.md", title="Giving feedback", body="", skills=("fb-giving", "fb-receiving"),
                    last_reviewed=date(2026, 5, 1))
    rows = {row["field"]: row["value"] for row in detail_rows(module, stale=True)}
    assert rows["skills"] == "fb-giving, fb-receiving"
    assert rows["stale"] == "yes" and rows["AI-drafted"] == "no"
    assert rows["last reviewed"] == "2026-05-01" and rows["owner"] == "—"
