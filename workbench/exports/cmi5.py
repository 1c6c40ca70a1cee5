"""cmi5 package: a course structure (`cmi5.xml`) with one assignable unit that reports xAPI statements.

The assignable unit is the same course page as the SCORM packages with the cmi5 runtime
(cmi5_runtime.py): launched with `endpoint`, `fetch`, `actor`, `registration` and `activityId` on
its query string, it sends `initialized`, one `answered` per question, `passed` or `failed` (or
`completed` for a module without questions) and `terminated` to the LMS's learning record store.
Activity ids are IRIs below the course's id, so that statements can be told apart from those of
other courses: `<course>/au`, `<course>/items/<item id>`, `<course>/objectives/<objective id>`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from workbench.exports.course_pages import CONTENT_SECURITY_POLICY, CourseSource, index_html, quiz_data
from workbench.exports.cmi5_runtime import CMI5_RUNTIME_JS
from workbench.exports.model import ascii_id
from workbench.exports.scorm12 import DEFAULT_PASSING_SCORE
from workbench.exports.scorm_assets import QUIZ_PLAYER_JS, STYLE_CSS
from workbench.exports.tracking import Standard, language_tag, tracking_plan, xapi_iri
from workbench.exports.xmlutil import sub, to_xml_bytes

# Activity ids are identifiers, not addresses: ".invalid" can never resolve to someone else's site.
DEFAULT_ACTIVITY_BASE = "https://ld-workbench.invalid/xapi/courses"
COURSE_STRUCTURE_NAMESPACE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
# The unit talks to a learning record store whose address is only known at launch.
AU_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("default-src 'none';", "default-src 'none'; connect-src http: https:;")


def course_activity_id(source_id: str, base: str = DEFAULT_ACTIVITY_BASE) -> str:
    """The IRI of the exported course (its statements carry it, or an IRI below it)."""
    return xapi_iri(base, ascii_id(source_id, "course"))


def unit_activity_id(course_id: str) -> str:
    """The IRI of the course's one assignable unit."""
    return f"{course_id}/au"


def _langstring(parent: ET.Element, tag: str, text: str, language: str) -> None:
    holder = sub(parent, tag)
    sub(holder, "langstring", text, lang=language)


def course_structure_xml(course_id: str, title: str, description: str, language: str,
                         passing_score: int | None, objectives: list[tuple[str, str]]) -> bytes:
    """cmi5.xml: the course, its objectives and its one AU (moveOn Passed with a mastery score, else Completed)."""
    root = ET.Element("courseStructure", {"xmlns": COURSE_STRUCTURE_NAMESPACE})
    course = sub(root, "course", id=course_id)
    _langstring(course, "title", title, language)
    _langstring(course, "description", description or title, language)
    if objectives:
        holder = sub(root, "objectives")
        for objective_id, text in objectives:
            objective = sub(holder, "objective", id=objective_id)
            _langstring(objective, "title", text, language)
            _langstring(objective, "description", text, language)
    attributes = {"id": unit_activity_id(course_id), "launchMethod": "AnyWindow"}
    if passing_score is None:
        attributes["moveOn"] = "Completed"
    else:
        attributes["moveOn"] = "Passed"
        attributes["masteryScore"] = f"{passing_score / 100:.4f}".rstrip("0").rstrip(".") or "0"
    unit = sub(root, "au", **attributes)
    _langstring(unit, "title", title, language)
    _langstring(unit, "description", description or title, language)
    if objectives:
        references = sub(unit, "objectives")
        for objective_id, _ in objectives:
            sub(references, "objectiveReference", idref=objective_id)
    sub(unit, "url", "index.html")
    return to_xml_bytes(root)


def cmi5_package_files(course: CourseSource, passing_score: int = DEFAULT_PASSING_SCORE, notes: list[str] | None = None,
                       activity_base: str = DEFAULT_ACTIVITY_BASE) -> dict[str, bytes]:
    """Every file of the cmi5 package: cmi5.xml and the assignable unit; limits met are appended to `notes`."""
    course_id = course_activity_id(course.source_id, activity_base)
    language = language_tag(course.locale)
    assessment = course.assessment
    has_quiz = bool(assessment and assessment.items)
    plan = tracking_plan(assessment, Standard.XAPI, course.locale, course_id)
    if notes is not None:
        notes.extend(plan.notes)
    activity = {
        "course": course_id,
        "unit": unit_activity_id(course_id),
        "title": course.title,
        "language": language,
        "mastery_score": passing_score / 100 if has_quiz else None,
    }
    quiz = quiz_data(assessment, passing_score, plan, Standard.XAPI.value, activity)
    objective_iris = [(xapi_iri(course_id, "objectives", objective_id), text) for objective_id, text in course.objectives]
    structure = course_structure_xml(course_id, course.title, course.summary, language, passing_score if has_quiz else None, objective_iris)
    return {
        "cmi5.xml": structure,
        "index.html": index_html(course.title, course.pages, quiz, course.locale, "cmi5_runtime.js", AU_CONTENT_SECURITY_POLICY).encode("utf-8"),
        "cmi5_runtime.js": CMI5_RUNTIME_JS.encode("utf-8"),
        "quiz.js": QUIZ_PLAYER_JS.encode("utf-8"),
        "style.css": STYLE_CSS.encode("utf-8"),
    }
