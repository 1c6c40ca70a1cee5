"""SCORM 1.2 package: a complete manifest for one SCO, safe pages and inert quiz data."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from package_checks import assert_manifest_matches, assert_well_formed, read_zip
from workbench.exports.scorm12 import pages_from_markdown
from workbench.exports.service import ExportFormat, ExportSource, render_export, source_from_draft

CP = "{http://www.imsproject.org/xsd/imscp_rootv1p1p2}"
ADLCP = "{http://www.adlnet.org/xsd/adlcp_rootv1p2}"


def _package(draft_content) -> dict[str, bytes]:
    return read_zip(render_export(source_from_draft(draft_content), ExportFormat.SCORM12).data)


def test_manifest_declares_one_sco_and_every_file(draft_content) -> None:
    files = _package(draft_content)
    assert_well_formed(files)
    assert_manifest_matches(files)
    manifest = ET.fromstring(files["imsmanifest.xml"])
    assert manifest.findtext(f"{CP}metadata/{CP}schemaversion") == "1.2"
    resource = manifest.find(f"{CP}resources/{CP}resource")
    assert resource.get(f"{ADLCP}scormtype") == "sco" and resource.get("href") == "index.html"
    item = manifest.find(f"{CP}organizations/{CP}organization/{CP}item")
    assert item.get("identifierref") == resource.get("identifier")
    assert item.findtext(f"{ADLCP}masteryscore") == "80"


def test_pages_are_rendered_safely(draft_content) -> None:
    page = _package(draft_content)["index.html"].decode("utf-8")
    assert "Content-Security-Policy" in page and "script-src 'self'" in page
    # Only the package's own scripts; the module's <script> and onerror are text.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="scorm_api.js">', '<script src="quiz.js" defer>',
                                                  '<script type="application/json" id="quiz-data">']
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in page
    assert "<img" not in page and "javascript:" not in page.replace("[click](javascript:", "")
    assert 'href="http://example.invalid/pixel.png"' in page  # the image became a link
    assert "<h2>Why feedback matters</h2>" in page and "<table>" in page


def test_quiz_data_cannot_break_out_of_its_script_element(draft_content) -> None:
    page = _package(draft_content)["index.html"].decode("utf-8")
    raw = page.split('<script type="application/json" id="quiz-data">', 1)[1].split("</script>", 1)[0]
    data = json.loads(raw)
    assert data["passing_score"] == 80 and len(data["items"]) == 5
    assert "</" not in raw
    q1 = data["items"][0]
    assert q1["stem_html"].startswith("<p>In SBI, what does the <strong>B</strong> stand for?")
    assert [o["weight"] for o in q1["options"]] == [100.0, 0.0, 0.0, 25]
    assert data["items"][3]["options"][0]["text"] == "SBI"  # short answers are matched in the browser


def test_module_without_questions_is_a_course_without_a_quiz() -> None:
    source = ExportSource("plain-module", "Plain", pages_from_markdown("---\nid: x\n---\n# Plain\n\nIntro\n\n## Part\n\nText\n"), None)
    files = read_zip(render_export(source, ExportFormat.SCORM12).data)
    assert_manifest_matches(files)
    manifest = ET.fromstring(files["imsmanifest.xml"])
    assert manifest.find(f".//{ADLCP}masteryscore") is None
    page = files["index.html"].decode("utf-8")
    assert '"items": []' in page and "<h2>Part</h2>" in page and "id: x" not in page


def test_pages_from_markdown_splits_at_level_two_headings() -> None:
    pages = pages_from_markdown("# Title\n\nIntro text\n\n## One\n\nA\n\n```\n## not a heading\n```\n\n## Two\n\nB\n")
    assert [page.heading for page in pages] == ["Introduction", "One", "Two"]
    assert "## not a heading" in pages[1].html


def test_items_that_cannot_be_graded_are_refused(draft_content) -> None:
    import pytest

    from workbench.errors import ExportError

    no_options = draft_content.assessment.items[0].model_copy(update={"options": []})
    no_key = draft_content.assessment.items[3].model_copy(update={"options": [
        option.model_copy(update={"correct": False, "weight": None}) for option in draft_content.assessment.items[3].options]})
    for item, message in ((no_options, "has no options"), (no_key, "has no correct option")):
        broken = draft_content.model_copy(update={"assessment": draft_content.assessment.model_copy(update={"items": [item]})})
        for fmt in ExportFormat:
            with pytest.raises(ExportError, match=message):
                render_export(source_from_draft(broken), fmt)
