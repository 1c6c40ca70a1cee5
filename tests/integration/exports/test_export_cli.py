"""`workbench export` and `workbench import-questions`: drafts, published modules, banks, clear errors."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.domain.drafts import DraftContent
from workbench.exports.banks import load_assessment_banks
from workbench.exports.gift import parse_gift

SAMPLE_DRAFT = Path(__file__).resolve().parents[2] / "unit" / "exports" / "data" / "sample_draft.json"
FORMATS = {"gift": ".gift", "moodle-xml": ".xml", "qti21": ".qti21.zip", "qti12": ".qti12.zip", "scorm12": ".scorm12.zip",
           "scorm2004": ".scorm2004.zip", "cmi5": ".cmi5.zip"}


@pytest.fixture
def content() -> DraftContent:
    return DraftContent.model_validate_json(SAMPLE_DRAFT.read_text(encoding="utf-8"))


@pytest.fixture
def draft_id(settings, content) -> int:
    """A draft in the review queue holding the sample content."""
    from workbench.bootstrap import bootstrap

    services = bootstrap(settings)
    services.accounts.add_user("alice", None, ["author"])
    draft = services.lifecycle.create_draft("alice", title=content.module.title, content=content.model_dump(mode="json"),
                                markdown="# Giving feedback\n\nBe specific.\n", findings=[], skill_ids=["feedback-giving"])
    return draft.id


def run(settings, *args: str):
    runner = CliRunner()
    return runner.invoke(app, ["--library", str(settings.library_dir), "--data-dir", str(settings.data_dir), *args])


def test_commands_have_help(settings) -> None:
    for command in ("export", "import-questions"):
        result = run(settings, command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output


def test_export_a_draft_in_every_format(settings, draft_id, tmp_path) -> None:
    for fmt, suffix in FORMATS.items():
        result = run(settings, "export", str(draft_id), "--format", fmt, "-o", f"{tmp_path}/out/", "--json")
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        path = Path(report["path"])
        assert path.name == f"draft-{draft_id}{suffix}" and path.stat().st_size == report["bytes"]
        if fmt == "gift":
            assert [item.id for item in parse_gift(path.read_text(encoding="utf-8")).items] == ["q1", "q2", "q3", "q4", "q5"]
        elif fmt == "cmi5":
            assert {"cmi5.xml", "index.html"} <= set(zipfile.ZipFile(path).namelist())
        elif path.suffix == ".zip":
            assert "imsmanifest.xml" in zipfile.ZipFile(path).namelist()
        assert report["notes"] == []


def test_export_names_what_a_format_cannot_carry_and_exports_the_rest(settings, content, tmp_path) -> None:
    from workbench.bootstrap import bootstrap

    base = content.assessment.items
    items = [base[n % len(base)].model_copy(update={"id": f"q{n + 1}"}) for n in range(300)]
    big = content.model_copy(update={"assessment": content.assessment.model_copy(update={"items": items})})
    services = bootstrap(settings)
    services.accounts.add_user("alice", None, ["author"])
    draft = services.lifecycle.create_draft("alice", title="Long", content=big.model_dump(mode="json"), markdown="# Long\n", findings=[], skill_ids=[])
    result = run(settings, "export", str(draft.id), "-f", "scorm12", "-o", f"{tmp_path}/")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == (
        "note: 300 questions: an LMS is only obliged to keep 250 interactions, so questions 251-300 (50) "
        "count in the score but are not recorded one by one")
    with zipfile.ZipFile(tmp_path / f"draft-{draft.id}.scorm12.zip") as archive:
        assert archive.read("index.html").decode().count('"key": "q') == 300  # every question is in the quiz


def test_export_a_published_module_uses_its_approved_draft(settings, draft_id, tmp_path) -> None:
    module = settings.library_dir / "leadership" / "published-feedback.md"
    module.write_text(
        f"---\nid: published-feedback\ntitle: Giving feedback that lands\nprovenance:\n  draft_id: {draft_id}\n---\n\n# Giving feedback\n\nBody.\n",
        encoding="utf-8",
    )
    result = run(settings, "export", "published-feedback", "-f", "scorm12", "-o", str(tmp_path / "course.zip"))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "course.zip") as archive:
        page = archive.read("index.html").decode("utf-8")
    assert "Why feedback matters" in page and '"key": "q5"' in page


def test_import_a_bank_for_a_module_and_export_that_module(settings, shared_dir, tmp_path) -> None:
    module_id = "cyber-spotting-phishing"
    gift = shared_dir / "fixtures" / "gift" / "giftFormatPhpExamples.gift"
    result = run(settings, "import-questions", str(gift), "--module", module_id, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["imported"] == 7 and report["module_id"] == module_id
    assert [(q["position"], q["type"]) for q in report["unsupported"]] == [(5, "numerical"), (6, "matching"), (10, "numerical")]
    banks = load_assessment_banks(settings.library_dir)
    assert [(bank.module_id, len(bank.items)) for bank in banks] == [(module_id, 7)]
    assert Path(report["saved_path"]).parent == settings.library_dir / "assessments"

    # A module written by people exports with its own text and the questions linked to it.
    for fmt in FORMATS:
        exported = run(settings, "export", module_id, "-f", fmt, "-o", f"{tmp_path}/")
        assert exported.exit_code == 0, exported.output
    with zipfile.ZipFile(tmp_path / f"{module_id}.scorm12.zip") as archive:
        page = archive.read("index.html").decode("utf-8")
    assert "Spotting and reporting phishing" in page and "Grant" in page


def test_import_text_report_lists_skipped_questions(settings, shared_dir) -> None:
    result = run(settings, "import-questions", str(shared_dir / "fixtures" / "moodle_xml" / "essayRef.xml"))
    assert result.exit_code == 0, result.output
    assert "nothing saved" in result.output
    assert "skipped question 1 'Essay question': essay:" in result.output
    assert load_assessment_banks(settings.library_dir) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["export", "no-such-module", "-f", "gift", "-o", "{tmp}/x.gift"], "no draft or library module with id 'no-such-module'"),
        (["export", "999", "-f", "gift", "-o", "{tmp}/x.gift"], "no draft with id 999"),
        (["export", "cyber-spotting-phishing", "-f", "docx", "-o", "{tmp}/x"], "unknown export format 'docx'"),
        (["export", "cyber-spotting-phishing", "-f", "gift", "-o", "{tmp}/x.gift"], "there are no questions to export as gift"),
        (["import-questions", "{tmp}/missing.gift"], "missing.gift: no such file"),
        (["import-questions", "{qti}", "--skill", "lead-delegation"], "not well-formed XML at line 45"),
        (["import-questions", "{gift}", "--module", "nope"], "no module with id 'nope'"),
        (["import-questions", "{gift}", "--skill", "nope"], "skill 'nope' is not in the framework"),
    ],
)
def test_errors_are_one_clear_line(settings, shared_dir, tmp_path, args, message) -> None:
    fixtures = shared_dir / "fixtures"
    args = [a.format(tmp=tmp_path, qti=fixtures / "qti12" / "items_1.2" / "fib.xml", gift=fixtures / "gift" / "mc1.gift") for a in args]
    result = run(settings, *args)
    assert result.exit_code == 1
    output = result.output  # stdout and stderr together
    assert message in output and "Traceback" not in output
    assert len(output.strip().splitlines()) == 1
    assert not list(tmp_path.glob("x*")), "a failed export leaves no file behind"
    assert not (settings.library_dir / "assessments").exists(), "a failed import saves nothing"
