"""Question banks stored in the library: saved atomically, loaded back, bad files skipped."""

from __future__ import annotations

from workbench.exports.banks import BANK_SUFFIX, banks_dir, load_assessment_banks, save_assessment_bank


def test_save_and_load(tmp_path, draft_content) -> None:
    path = save_assessment_bank(tmp_path, draft_content.assessment)
    assert path == tmp_path / "assessments" / f"feedback-quiz{BANK_SUFFIX}"
    assert load_assessment_banks(tmp_path) == [draft_content.assessment]
    assert [p.name for p in banks_dir(tmp_path).iterdir()] == [path.name]  # no temporary file left behind


def test_saving_again_replaces_the_bank(tmp_path, draft_content) -> None:
    save_assessment_bank(tmp_path, draft_content.assessment)
    changed = draft_content.assessment.model_copy(update={"title": "Renamed"})
    save_assessment_bank(tmp_path, changed)
    assert [bank.title for bank in load_assessment_banks(tmp_path)] == ["Renamed"]


def test_unreadable_bank_is_skipped(tmp_path, draft_content, caplog) -> None:
    save_assessment_bank(tmp_path, draft_content.assessment)
    (banks_dir(tmp_path) / f"broken{BANK_SUFFIX}").write_text("{not json", encoding="utf-8")
    assert [bank.id for bank in load_assessment_banks(tmp_path)] == ["feedback-quiz"]
    assert "broken" in caplog.text


def test_library_without_banks(tmp_path) -> None:
    assert load_assessment_banks(tmp_path) == []
