"""QTI 2.1 and Canvas QTI 1.2 packages: well-formed XML, complete manifests, scores and feedback kept."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from package_checks import assert_manifest_matches, assert_well_formed, read_zip
from workbench.exports.qti12 import parse_qti12, qti12_package_files, parse_qti12_package
from workbench.exports.qti21 import qti21_package_files
from workbench.exports.service import ExportFormat, render_export, source_from_draft

QTI21 = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
QTI12 = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


def test_qti21_package_is_complete(draft_content) -> None:
    files = read_zip(render_export(source_from_draft(draft_content), ExportFormat.QTI21).data)
    assert_well_formed(files)
    assert_manifest_matches(files)
    items = sorted(name for name in files if name.startswith("items/"))
    assert len(items) == len(draft_content.assessment.items)
    manifest = ET.fromstring(files["imsmanifest.xml"])
    types = [resource.get("type") for resource in manifest.iter("{http://www.imsglobal.org/xsd/imscp_v1p1}resource")]
    assert types.count("imsqti_item_xmlv2p1") == 5 and types.count("imsqti_test_xmlv2p1") == 1


def test_qti21_items_keep_weights_and_feedback(draft_content) -> None:
    files = qti21_package_files(draft_content.assessment)
    q1 = ET.fromstring(files["items/q1.xml"])
    mapping = {entry.get("mapKey"): entry.get("mappedValue") for entry in q1.iter(f"{QTI21}mapEntry")}
    assert mapping == {"choice_a": "1", "choice_d": "0.25"}
    assert [v.text for v in q1.iter(f"{QTI21}value")][:1] == ["choice_a"]
    feedback = {m.get("identifier"): "".join(m.itertext()).strip() for m in q1.iter(f"{QTI21}modalFeedback")}
    assert feedback["choice_b"] == "No ~ beliefs = guesses # ..."
    assert feedback["GENERAL"] == "SBI = situation, behaviour, impact."
    q2 = ET.fromstring(files["items/q2.xml"])
    assert q2.find(f"{QTI21}responseDeclaration").get("cardinality") == "multiple"
    assert {e.get("mapKey"): e.get("mappedValue") for e in q2.iter(f"{QTI21}mapEntry")} == {
        "choice_a": "0.5", "choice_b": "0.5", "choice_c": "-0.5", "choice_d": "-0.5"}
    q4 = ET.fromstring(files["items/q4.xml"])
    assert q4.find(f".//{QTI21}textEntryInteraction") is not None
    assert {e.get("mapKey"): e.get("mappedValue") for e in q4.iter(f"{QTI21}mapEntry")} == {"SBI": "1", "S-B-I": "0.5"}
    # Markdown is rendered to XHTML inside the item body; the raw markup is not passed on.
    assert q1.find(f"{QTI21}itemBody//{QTI21}strong").text == "B"
    assert "**" not in "".join(q1.find(f"{QTI21}itemBody").itertext())


def test_qti12_package_is_canvas_shaped(draft_content) -> None:
    files = read_zip(render_export(source_from_draft(draft_content), ExportFormat.QTI12).data)
    assert_well_formed(files)
    assert_manifest_matches(files)
    quiz_name = next(name for name in files if name != "imsmanifest.xml")
    root = ET.fromstring(files[quiz_name])
    assert root.tag == f"{QTI12}questestinterop"
    items = root.findall(f"{QTI12}assessment/{QTI12}section/{QTI12}item")
    types = [
        field.findtext(f"{QTI12}fieldentry")
        for item in items
        for field in item.iter(f"{QTI12}qtimetadatafield")
        if field.findtext(f"{QTI12}fieldlabel") == "question_type"
    ]
    assert types == ["multiple_choice_question", "multiple_answers_question", "true_false_question",
                     "short_answer_question", "multiple_answers_question"]


def test_qti12_reads_back_keys_partial_credit_and_feedback(draft_content) -> None:
    files = qti12_package_files(draft_content.assessment)
    quiz = next(data for name, data in files.items() if name != "imsmanifest.xml")
    read = parse_qti12(quiz)
    assert read.unsupported == []
    q1, q2, q3, q4, _ = read.items
    assert [(o.correct, o.weight) for o in q1.options] == [(True, None), (False, None), (False, None), (False, 25.0)]
    assert "No ~ beliefs = guesses # ..." in q1.options[1].feedback
    assert [o.correct for o in q2.options] == [True, True, False, False]
    assert [(o.text, o.correct) for o in q3.options] == [("True", False), ("False", True)]
    assert [(o.text, o.weight) for o in q4.options] == [("SBI", None), ("S-B-I", 50.0)]
    assert "SBI = situation, behaviour, impact." in q1.general_feedback


def test_qti12_zip_reads_through_its_manifest(draft_content) -> None:
    data = render_export(source_from_draft(draft_content), ExportFormat.QTI12).data
    assert len(parse_qti12_package(data).items) == 5
