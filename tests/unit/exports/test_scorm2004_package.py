"""SCORM 2004 4th edition package: a manifest with one SCO, minimal sequencing, the pass mark as measure."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from package_checks import assert_manifest_matches, assert_well_formed, read_zip
from workbench.exports.course_pages import pages_from_markdown
from workbench.exports.service import ExportFormat, ExportSource, render_export, source_from_draft

CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
ADLCP = "{http://www.adlnet.org/xsd/adlcp_v1p3}"
IMSSS = "{http://www.imsglobal.org/xsd/imsss}"


def _package(source, passing_score: int = 80) -> dict[str, bytes]:
    return read_zip(render_export(source, ExportFormat.SCORM2004, passing_score).data)


def _quiz(files: dict[str, bytes]) -> dict:
    page = files["index.html"].decode("utf-8")
    return json.loads(page.split('<script type="application/json" id="quiz-data">', 1)[1].split("</script>", 1)[0])


def test_manifest_is_scorm_2004_4th_edition_with_one_sco(draft_content) -> None:
    files = _package(source_from_draft(draft_content))
    assert_well_formed(files)
    assert_manifest_matches(files)
    manifest = ET.fromstring(files["imsmanifest.xml"])
    assert manifest.tag == f"{CP}manifest"
    assert (manifest.findtext(f"{CP}metadata/{CP}schema"), manifest.findtext(f"{CP}metadata/{CP}schemaversion")) == ("ADL SCORM", "2004 4th Edition")
    organizations = manifest.find(f"{CP}organizations")
    organization = organizations.find(f"{CP}organization")
    assert organizations.get("default") == organization.get("identifier")
    item = organization.find(f"{CP}item")
    resource = manifest.find(f"{CP}resources/{CP}resource")
    assert item.get("identifierref") == resource.get("identifier")
    assert (resource.get(f"{ADLCP}scormType"), resource.get("href"), resource.get("type")) == ("sco", "index.html", "webcontent")
    assert item.findtext(f"{CP}title") == draft_content.module.title
    control = organization.find(f"{IMSSS}sequencing/{IMSSS}controlMode")
    assert (control.get("choice"), control.get("flow")) == ("true", "true")


def test_the_pass_mark_is_the_primary_objectives_minimum_measure(draft_content) -> None:
    manifest = ET.fromstring(_package(source_from_draft(draft_content), passing_score=65)["imsmanifest.xml"])
    primary = manifest.find(f".//{CP}item/{IMSSS}sequencing/{IMSSS}objectives/{IMSSS}primaryObjective")
    assert primary.get("satisfiedByMeasure") == "true"
    assert primary.findtext(f"{IMSSS}minNormalizedMeasure") == "0.65"
    assert _quiz(_package(source_from_draft(draft_content), passing_score=65))["passing_score"] == 65


def test_a_module_without_questions_has_no_objective_to_satisfy() -> None:
    source = ExportSource("plain-module", "Plain", pages_from_markdown("# Plain\n\nIntro\n\n## Part\n\nText\n"), None)
    files = _package(source)
    assert_manifest_matches(files)
    assert ET.fromstring(files["imsmanifest.xml"]).find(f".//{IMSSS}primaryObjective") is None
    assert _quiz(files)["items"] == []


def test_quiz_data_carries_interactions_in_scorm_2004_format(draft_content) -> None:
    quiz = _quiz(_package(source_from_draft(draft_content)))
    assert quiz["standard"] == "scorm2004"
    tracking = [item["tracking"] for item in quiz["items"]]
    assert [(t["id"], t["type"], t["codes"], t["patterns"]) for t in tracking] == [
        ("q1", "choice", ["a", "b", "c", "d"], ["a"]),
        ("q2", "choice", ["a", "b", "c", "d"], ["a[,]b"]),
        ("q3", "true-false", ["true", "false"], ["false"]),
        ("q4", "fill-in", ["a", "b"], ["{case_matters=false}SBI"]),
        ("q5", "choice", ["a", "b", "c"], ["a[,]b"]),
    ]
    assert {t["delimiter"] for t in tracking} == {"[,]"} and {t["text_limit"] for t in tracking} == {250}
