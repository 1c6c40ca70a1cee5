"""SCORM 1.2 package: the course page, its quiz, a runtime that reports to the LMS, and the manifest.

One SCO (`index.html`, see course_pages.py) holds the module's pages and the quiz. The runtime reports
status, score and one interaction per question through the SCORM 1.2 API; without an LMS the page
still works and shows the result.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Callable

from workbench.exports.course_pages import CourseSource, Page, index_html, pages_from_markdown, pages_from_module, quiz_data
from workbench.exports.packaging import xml_identifier
from workbench.exports.scorm_assets import QUIZ_PLAYER_JS, STYLE_CSS
from workbench.exports.scorm_runtime import SCORM_RUNTIME_JS
from workbench.exports.tracking import Standard, TrackingPlan, tracking_plan
from workbench.exports.xmlutil import sub, to_xml_bytes

__all__ = ["DEFAULT_PASSING_SCORE", "Page", "pages_from_markdown", "pages_from_module", "scorm12_package_files"]

DEFAULT_PASSING_SCORE = 80


def single_sco_manifest(manifest: ET.Element, schema_version: str, title: str, files: list[str], scorm_type: str) -> ET.Element:
    """Fill `manifest` with metadata, one organization with one item and one SCO resource; returns the item."""
    metadata = sub(manifest, "metadata")
    sub(metadata, "schema", "ADL SCORM")
    sub(metadata, "schemaversion", schema_version)
    organizations = sub(manifest, "organizations", default="ORG-1")
    organization = sub(organizations, "organization", identifier="ORG-1")
    sub(organization, "title", title)
    entry = sub(organization, "item", identifier="ITEM-1", identifierref="RES-1", isvisible="true")
    sub(entry, "title", title)
    resources = sub(manifest, "resources")
    # SCORM 1.2 spells the attribute adlcp:scormtype, SCORM 2004 adlcp:scormType.
    resource = ET.SubElement(resources, "resource", {"identifier": "RES-1", "type": "webcontent", scorm_type: "sco", "href": "index.html"})
    for name in files:
        sub(resource, "file", href=name)
    return entry


def manifest_xml(identifier: str, title: str, files: list[str], passing_score: int | None) -> bytes:
    """imsmanifest.xml for one SCO that lists every file of the package."""
    manifest = ET.Element("manifest", {
        "identifier": identifier,
        "version": "1.0",
        "xmlns": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
        "xmlns:adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
        "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
        "xsi:schemaLocation": (
            "http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd "
            "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd "
            "http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd"
        ),
    })
    entry = single_sco_manifest(manifest, "1.2", title, files, "adlcp:scormtype")
    if passing_score is not None:
        sub(entry, "adlcp:masteryscore", str(passing_score))
    return to_xml_bytes(manifest)


def course_files(course: CourseSource, passing_score: int, standard: Standard) -> tuple[dict[str, bytes], TrackingPlan]:
    """The SCO's files for SCORM 1.2 or 2004 (everything but the manifest), and its tracking plan."""
    plan = tracking_plan(course.assessment, standard, course.locale)
    quiz = quiz_data(course.assessment, passing_score, plan, standard.value)
    files = {
        "index.html": index_html(course.title, course.pages, quiz, course.locale, "scorm_api.js").encode("utf-8"),
        "scorm_api.js": SCORM_RUNTIME_JS.encode("utf-8"),
        "quiz.js": QUIZ_PLAYER_JS.encode("utf-8"),
        "style.css": STYLE_CSS.encode("utf-8"),
    }
    return files, plan


def sco_package_files(standard: Standard, manifest_writer: Callable[[str, str, list[str], int | None], bytes],
                      course: CourseSource, passing_score: int, notes: list[str] | None) -> dict[str, bytes]:
    """A one-SCO package of either SCORM version: the course files plus the manifest `manifest_writer` writes."""
    files, plan = course_files(course, passing_score, standard)
    if notes is not None:
        notes.extend(plan.notes)
    has_quiz = bool(course.assessment and course.assessment.items)
    files["imsmanifest.xml"] = manifest_writer(
        xml_identifier(f"course_{course.source_id}", "m"), course.title, sorted(files), passing_score if has_quiz else None
    )
    return files


def scorm12_package_files(course: CourseSource, passing_score: int = DEFAULT_PASSING_SCORE,
                          notes: list[str] | None = None) -> dict[str, bytes]:
    """Every file of the SCORM 1.2 package, the manifest included; limits met are appended to `notes`."""
    return sco_package_files(Standard.SCORM12, manifest_xml, course, passing_score, notes)
