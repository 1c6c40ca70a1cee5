"""cmi5 package: the course structure, the assignable unit and the ids its statements carry."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from package_checks import read_zip
from workbench.exports.cmi5 import course_activity_id
from workbench.exports.course_pages import pages_from_markdown
from workbench.exports.service import ExportFormat, ExportSource, render_export, source_from_draft

CMI5 = "{https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd}"


def _files(source, passing_score: int = 80) -> dict[str, bytes]:
    return read_zip(render_export(source, ExportFormat.CMI5, passing_score).data)


def test_course_structure_names_the_course_its_objectives_and_one_unit(draft_content) -> None:
    files = _files(source_from_draft(draft_content), passing_score=75)
    assert sorted(files) == ["cmi5.xml", "cmi5_runtime.js", "index.html", "quiz.js", "style.css"]
    root = ET.fromstring(files["cmi5.xml"])
    course_id = "https://ld-workbench.invalid/xapi/courses/feedback-quiz"
    course = root.find(f"{CMI5}course")
    assert course.get("id") == course_id == course_activity_id("feedback-quiz")
    title = course.find(f"{CMI5}title/{CMI5}langstring")
    assert (title.text, title.get("lang")) == (draft_content.module.title, "en-GB")
    assert course.findtext(f"{CMI5}description/{CMI5}langstring") == draft_content.module.summary
    objectives = [o.get("id") for o in root.findall(f"{CMI5}objectives/{CMI5}objective")]
    assert objectives == [f"{course_id}/objectives/o1", f"{course_id}/objectives/o2"]
    unit = root.find(f"{CMI5}au")
    assert unit.attrib == {"id": f"{course_id}/au", "launchMethod": "AnyWindow", "moveOn": "Passed", "masteryScore": "0.75"}
    assert unit.findtext(f"{CMI5}url") == "index.html"
    assert [r.get("idref") for r in unit.findall(f"{CMI5}objectives/{CMI5}objectiveReference")] == objectives


def test_a_module_without_questions_moves_on_when_completed() -> None:
    source = ExportSource("Plain module", "Plain", pages_from_markdown("# Plain\n\nIntro\n"), None)
    unit = ET.fromstring(_files(source)["cmi5.xml"]).find(f"{CMI5}au")
    assert unit.get("moveOn") == "Completed" and "masteryScore" not in unit.attrib
    assert unit.get("id") == "https://ld-workbench.invalid/xapi/courses/plain-module/au"


def test_the_unit_may_talk_to_a_record_store_but_loads_nothing_else(draft_content) -> None:
    page = _files(source_from_draft(draft_content))["index.html"].decode("utf-8")
    policy = page.split('http-equiv="Content-Security-Policy" content="', 1)[1].split('"', 1)[0]
    assert "connect-src http: https:" in policy and "script-src 'self'" in policy and "default-src 'none'" in policy
    assert '<script src="cmi5_runtime.js"></script>' in page
    quiz = json.loads(page.split('<script type="application/json" id="quiz-data">', 1)[1].split("</script>", 1)[0])
    course_id = "https://ld-workbench.invalid/xapi/courses/feedback-quiz"
    assert quiz["activity"] == {"course": course_id, "unit": f"{course_id}/au", "title": draft_content.module.title,
                                "language": "en-GB", "mastery_score": 0.8}
    assert [item["tracking"]["id"] for item in quiz["items"]] == [f"{course_id}/items/q{n}" for n in range(1, 6)]


def test_titles_that_break_xml_or_json_are_escaped(draft_content) -> None:
    title = 'Close ]]> </script> "quotes" & <b>tags</b> \u202eRTL עברית\x01'
    content = draft_content.model_copy(update={"module": draft_content.module.model_copy(update={"title": title})})
    files = _files(source_from_draft(content))
    parsed = ET.fromstring(files["cmi5.xml"])
    assert parsed.findtext(f"{CMI5}course/{CMI5}title/{CMI5}langstring") == title.replace("\x01", "")  # XML cannot carry \x01
    page = files["index.html"].decode("utf-8")
    raw_json = page.split('<script type="application/json" id="quiz-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(raw_json)["activity"]["title"] == title
    assert "<b>tags</b>" not in page and "&lt;b&gt;tags&lt;/b&gt;" in page
