"""Gap detection on the shipped sample library: its deliberate gaps, stale modules, level mismatches, duplicates."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

DELIBERATE_GAPS = {
    "data-advanced-analytics",
    "ai-literacy-prompting",
    "feedback-cross-cultural",
    "pm-agile-scrum",
    "cyber-cloud-security",
    "wb-financial-wellbeing",
}
ONLY_STALE_MODULE = {"wb-hybrid-work-habits", "comp-conflicts-of-interest", "pm-stakeholder-management"}
STALE_MODULES = {
    "wb-remote-work-toolkit",
    "cyber-password-policy",
    "comp-conflicts-of-interest-declare",
    "pm-stakeholder-mapping",
}
LEVEL_TOO_LOW = {"lead-change-management", "data-visualisation"}


def by_id(report):
    return {skill.skill_id: skill for skill in report.skills}


def test_every_skill_of_the_framework_is_reported_once(sample_report):
    ids = [skill.skill_id for skill in sample_report.skills]
    assert len(ids) == len(set(ids)) == len(sample_report.framework.skills)


def test_deliberate_gaps_come_out_as_gap(sample_report):
    gaps = {skill.skill_id for skill in sample_report.skills if skill.status == "gap"}
    assert gaps == DELIBERATE_GAPS


def test_gaps_rank_first_and_critical_gaps_lead(sample_report):
    statuses = [skill.status for skill in sample_report.skills]
    assert statuses[: len(DELIBERATE_GAPS)] == ["gap"] * len(DELIBERATE_GAPS)
    top_two = {skill.skill_id for skill in sample_report.skills[:2]}
    assert top_two == {"data-advanced-analytics", "ai-literacy-prompting"}  # the two critical gaps
    assert [skill.rank for skill in sample_report.skills] == list(range(1, len(statuses) + 1))


def test_gap_reasons_name_the_closest_module(sample_report):
    gap = by_id(sample_report)["data-advanced-analytics"]
    assert gap.evidence == []
    assert gap.coverage < 0.2
    assert "closest" in gap.reasons[0] and ".md" in gap.reasons[0]


def test_skills_taught_only_by_stale_modules_are_stale(sample_report):
    skills = by_id(sample_report)
    for skill_id in ONLY_STALE_MODULE:
        assert skills[skill_id].status == "stale", skills[skill_id].reasons
        assert any("last reviewed" in reason for reason in skills[skill_id].reasons)
    assert {skill.skill_id for skill in sample_report.skills if skill.status == "stale"} == ONLY_STALE_MODULE


def test_stale_modules_are_listed(sample_report):
    assert set(sample_report.stale_modules) == STALE_MODULES


def test_a_stale_module_next_to_a_current_one_does_not_make_the_skill_stale(sample_report):
    authentication = by_id(sample_report)["cyber-authentication"]
    assert authentication.status == "covered"
    assert any("stale" in reason and "password-policy.md" in reason for reason in authentication.reasons)


def test_level_mismatches_are_reported(sample_report):
    skills = by_id(sample_report)
    for skill_id in LEVEL_TOO_LOW:
        assert skills[skill_id].level_match == "too_low"
        assert skills[skill_id].status == "partial"
        assert any("needed at advanced level; taught only at foundation" in r for r in skills[skill_id].reasons)
    too_low = {skill.skill_id for skill in sample_report.skills if skill.level_match == "too_low"}
    assert too_low == LEVEL_TOO_LOW


def test_the_near_duplicate_pair_is_found(sample_report):
    pairs = [set(pair.to_json()["modules"]) for pair in sample_report.near_duplicates]
    assert pairs == [{"comm-active-listening-basics", "cs-listening-to-customers"}]


def test_quiz_sections_count_as_assessments(sample_report):
    skills = by_id(sample_report)
    with_quiz = {
        skill_id for skill_id, skill in skills.items()
        if any(e.path.endswith(("giving-feedback-sbi.md", "spotting-phishing.md")) for e in skill.evidence)
    }
    assert with_quiz and all(skills[skill_id].has_assessment for skill_id in with_quiz)
    assert not skills["data-advanced-analytics"].has_assessment


def test_evidence_points_at_real_chunks(sample_report, indexed_sample):
    _, services = indexed_sample
    evidence = [item for skill in sample_report.skills for item in skill.evidence]
    assert evidence
    chunks, _ = services.index.chunk_vectors(sorted({item.chunk_id for item in evidence}))
    found = {chunk.id: chunk for chunk in chunks}
    for item in evidence:
        chunk = found[item.chunk_id]
        assert (chunk.module_id, chunk.path, chunk.heading) == (item.module_id, item.path, item.heading)
        assert 0.0 <= item.score <= 1.0


def test_json_has_the_documented_shape(sample_report):
    rows = sample_report.to_json()
    assert isinstance(rows, list) and len(rows) == len(sample_report.framework.skills)
    for row in rows:
        assert {"skill_id", "skill_name", "status", "coverage", "priority", "level_match", "evidence", "reasons"} <= set(row)
        assert row["status"] in {"covered", "partial", "gap", "stale"}
        assert 0.0 <= row["coverage"] <= 1.0
        for item in row["evidence"]:
            assert {"module_id", "path", "heading", "score"} <= set(item)
    coverage = {row["skill_id"]: row["coverage"] for row in rows}
    assert max(coverage[s] for s in DELIBERATE_GAPS) < min(c for s, c in coverage.items() if s not in DELIBERATE_GAPS)
