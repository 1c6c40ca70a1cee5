"""Moodle XML export: well-formed, per-option and general feedback, fractions, category, tags, idnumber, format."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from workbench.domain.assessment import Assessment, Item, ItemType, Option, TextFormat
from workbench.exports.moodle_xml import parse_moodle_xml, write_moodle_xml
from workbench.exports.safe_text import export_safe_item


def _questions(data: bytes) -> list[ET.Element]:
    return ET.fromstring(data).findall("question")


def test_sample_assessment(draft_content) -> None:
    data = write_moodle_xml(draft_content.assessment)
    questions = _questions(data)
    assert questions[0].get("type") == "category"
    assert questions[0].findtext("category/text") == "Leadership/Feedback"
    q1, q2, q3, q4, q5 = questions[1:]
    assert [q.get("type") for q in (q1, q2, q3, q4, q5)] == ["multichoice", "multichoice", "truefalse", "shortanswer", "multichoice"]
    assert q1.findtext("single") == "true" and q2.findtext("single") == "false"
    assert q1.find("questiontext").get("format") == "markdown"
    assert q4.find("questiontext").get("format") == "plain_text"
    assert q1.findtext("idnumber") == "q1" and q1.findtext("name/text") == "SBI letters"
    assert [t.findtext("text") for t in q1.findall("tags/tag")] == ["sbi", "feedback"]
    assert [(a.get("fraction"), a.findtext("text")) for a in q1.findall("answer")] == [
        ("100", "Behaviour"), ("0", "Belief {x}"), ("0", "Budget: a\\b"), ("25", "Bias")]
    assert q1.findall("answer")[1].findtext("feedback/text") == "No ~ beliefs = guesses # ..."
    assert [a.get("fraction") for a in q2.findall("answer")] == ["50", "50", "-50", "-50"]
    # q2 has an option "Public <shaming>": markdown with a raw tag leaves as the app's safe HTML.
    assert q2.find("questiontext").get("format") == "html"
    assert q2.findtext("generalfeedback/text") == "<p>Specific and timely feedback can be acted on.</p>"
    assert "Public &lt;shaming&gt;" in [a.findtext("text") for a in q2.findall("answer")]
    assert [(a.findtext("text"), a.get("fraction"), a.findtext("feedback/text")) for a in q3.findall("answer")] == [
        ("true", "0", "No: annual is too late."), ("false", "100", "Correct: give it soon.")]
    assert [(a.findtext("text"), a.get("fraction")) for a in q4.findall("answer")] == [("SBI", "100"), ("S-B-I", "50")]


def test_xml_special_characters_and_control_characters() -> None:
    stem = "a < b && c > d \"quoted\" 'single' ]]> end \x01"
    item = Item(id="q1", type=ItemType.SINGLE_CHOICE, stem=stem, text_format=TextFormat.HTML,
                options=[Option(id="a", text="<b>bold</b> & co", correct=True), Option(id="b", text="x")])
    data = write_moodle_xml(Assessment(id="x", title="x", items=[item]))
    read = parse_moodle_xml(data).items[0]
    assert read.stem == stem.replace("\x01", "").strip()
    assert read.options[0].text == "<b>bold</b> & co"


def test_drafted_assessment_round_trips_exactly_except_derived_weights(draft_content) -> None:
    from workbench.exports.scoring import option_weights

    read = parse_moodle_xml(write_moodle_xml(draft_content.assessment))
    assert read.category == "Leadership/Feedback"
    # What was exported reads back exactly: every item as written but q2, which became safe HTML.
    exported = [export_safe_item(item) for item in draft_content.assessment.items]
    assert [item.id for item, original in zip(exported, draft_content.assessment.items) if item != original] == ["q2"]
    for original, again in zip(exported, read.items):
        assert (again.id, again.type, again.title, again.stem, again.tags, again.text_format) == (
            original.id, original.type, original.title, original.stem, original.tags, original.text_format)
        assert [o.feedback for o in again.options] == [o.feedback for o in original.options]
        if original.type != ItemType.TRUE_FALSE:
            assert option_weights(again) == option_weights(original)


def test_untitled_item_gets_its_id_as_name_and_reads_back_untitled() -> None:
    item = Item(id="q7", type=ItemType.SHORT_ANSWER, stem="?", options=[Option(id="a", text="x", correct=True)])
    data = write_moodle_xml(Assessment(id="x", title="x", items=[item]))
    assert _questions(data)[0].findtext("name/text") == "q7"
    assert parse_moodle_xml(data).items == [item]
