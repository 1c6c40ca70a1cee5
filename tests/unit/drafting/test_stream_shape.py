"""What a streamed draft already shows: complete sections and questions, and the part being written."""

from __future__ import annotations

import json

from tests.support.replies import assessment_reply, module_reply, section_reply
from workbench.drafting.stream_shape import shape_of
from workbench.llm.partial_json import PartialJsonReader

MODULE = json.dumps(module_reply(["c1", "c2"]))
ASSESSMENT = json.dumps(assessment_reply(["c1"]))


def shape_after(text: str):
    reader = PartialJsonReader()
    reader.feed(text)
    return shape_of(reader.documents)


def test_the_module_shows_each_section_once_its_object_is_closed():
    second = MODULE.index('{"heading": "Agreeing next steps"')
    shape = shape_after(MODULE[:second + len('{"heading": "Agreeing next steps", "body": "End by')])
    assert shape.title == "Giving feedback that helps"
    assert [s.heading for s in shape.sections] == ["Situation, behaviour, impact"]
    assert shape.sections[0].body.startswith("Describe the situation")
    assert shape.writing == "section 2: Agreeing next steps"  # the half-written body is not shown


def test_nothing_is_shown_before_the_first_string_closes():
    shape = shape_after('{"title": "Giving feed')
    assert shape.empty and shape.title == "" and shape.writing == "the module"


def test_the_questions_follow_the_module_one_by_one():
    text = MODULE + ASSESSMENT
    second = text.index('{"type": "true_false"')
    shape = shape_after(text[:second + 10])
    assert len(shape.sections) == 2
    assert [q.stem for q in shape.questions] == ["What does the B in SBI stand for?"]
    assert [(o.text, o.correct) for o in shape.questions[0].options] == [("Behaviour", True), ("Budget", False), ("Bonus", False)]
    assert shape.writing == "question 2"
    done = shape_after(text)
    assert len(done.questions) == 2 and done.writing == ""


def test_a_module_written_again_replaces_the_first_attempt():
    broken = MODULE[: MODULE.index('"sections"')] + '"sections": [{"heading": "Wrong", "body": "x"}] '
    shape = shape_after(broken + "}" + MODULE)
    assert [s.heading for s in shape.sections] == ["Situation, behaviour, impact", "Agreeing next steps"]


def test_a_regenerated_section_and_question_read_on_their_own():
    section = json.dumps(section_reply(["c1"]))
    assert [s.heading for s in shape_after(section).sections] == ["Agreeing next steps, revisited"]
    assert shape_after(section[:-5]).writing == "the section: Agreeing next steps, revisited"
    item = json.dumps(assessment_reply(["c1"])["items"][0])
    assert shape_after(item).questions[0].stem == "What does the B in SBI stand for?"
