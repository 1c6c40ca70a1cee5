"""GIFT and Moodle XML exports, read back by independent parsers, carry no script, handler or external resource."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from markdown_it import MarkdownIt

from tests.support.drafts import clean_draft
from tests.support.hostile_text import active_html, hostile_assessment
from workbench.exports.gift import parse_gift, write_gift
from workbench.exports.moodle_xml import write_moodle_xml

# Moodle's markdown lets raw HTML through, so markdown is judged by what an HTML-permissive renderer makes of it.
PERMISSIVE_MARKDOWN = MarkdownIt("commonmark", {"html": True})
PERMISSIVE_MARKDOWN.validateLink = lambda url: True


def as_lms_html(text: str, text_format: str) -> str:
    """The HTML an LMS builds from a text in the given format (plain text is escaped by Moodle)."""
    if text_format in ("plain_text", "plain"):
        return ""
    if text_format == "markdown":
        return PERMISSIVE_MARKDOWN.render(text)
    return text  # html, and Moodle's auto format, which lets HTML through


def moodle_texts(data: bytes) -> list[tuple[str, str, str]]:
    """(question name, format, text) for every rendered text of a Moodle XML quiz, read with ElementTree."""
    texts = []
    for question in ET.fromstring(data).iter("question"):
        name = question.findtext("name/text") or ""
        texts.append((name, "plain_text", name))
        for element in question.iter():
            if element.tag in ("questiontext", "generalfeedback", "answer", "feedback"):
                texts.append((name, element.get("format", "moodle_auto_format"), element.findtext("text") or ""))
    return texts


def test_moodle_xml_carries_no_active_html():
    texts = moodle_texts(write_moodle_xml(hostile_assessment()))
    assert len(texts) > 40
    problems = {(name, text): active_html(as_lms_html(text, fmt)) for name, fmt, text in texts}
    assert {key: found for key, found in problems.items() if found} == {}
    names = [name for name, fmt, text in texts if fmt == "plain_text"]
    assert all("<" not in name for name in names) and "Acronym" in names


def test_moodle_xml_keeps_what_reviewers_saw_as_text():
    texts = " ".join(text for _, _, text in moodle_texts(write_moodle_xml(hostile_assessment())))
    # Raw HTML the app shows as text is shown as text in the LMS too, never dropped.
    assert "&lt;script&gt;alert('stem')&lt;/script&gt;" in texts
    assert "&lt;!-- reviewers never see this --&gt;" in texts
    assert "[image: tracker]" in texts and "Imported <b>bold</b>" in texts


def test_gift_read_back_carries_no_active_html():
    bank = parse_gift(write_gift(hostile_assessment()))
    assert len(bank.items) == len(hostile_assessment().items) and bank.unsupported == []
    for item in bank.items:
        fmt = item.text_format.value
        texts = [item.stem, item.rationale, item.general_feedback, *(o.feedback for o in item.options)]
        texts += [] if item.type.value == "short_answer" else [o.text for o in item.options]
        for text in texts:
            assert active_html(as_lms_html(text, fmt)) == [], (item.id, text)
        assert "<" not in item.title


@pytest.mark.parametrize("write", [write_gift, write_moodle_xml], ids=["gift", "moodle-xml"])
def test_clean_markdown_items_keep_their_format(write):
    """An item that cannot carry markup is exported in its own format, exactly as written."""
    assessment = clean_draft().assessment
    data = write(assessment)
    text = data if isinstance(data, str) else data.decode("utf-8")
    assert "html" not in text.lower()
    assert assessment.items[0].stem.split()[0] in text
