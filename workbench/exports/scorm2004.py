"""SCORM 2004 (4th edition) package: the same course page as SCORM 1.2, its manifest and minimal sequencing.

One organization with one SCO. Sequencing is kept to what an LMS needs to judge the attempt: the
item's primary objective is satisfied by measure, with the assessment's passing score as its
minimum normalized measure, which the LMS hands to the SCO as `cmi.scaled_passing_score`. The
runtime reports completion (`cmi.completion_status`) apart from success (`cmi.success_status`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from workbench.exports.course_pages import CourseSource
from workbench.exports.scorm12 import DEFAULT_PASSING_SCORE, sco_package_files, single_sco_manifest
from workbench.exports.tracking import Standard
from workbench.exports.xmlutil import sub, to_xml_bytes

SCHEMA_LOCATIONS = (
    "http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd "
    "http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd "
    "http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd "
    "http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd "
    "http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd"
)


def manifest_xml(identifier: str, title: str, files: list[str], passing_score: int | None) -> bytes:
    """imsmanifest.xml (SCORM 2004 4th edition) for one SCO that lists every file of the package."""
    manifest = ET.Element("manifest", {
        "identifier": identifier,
        "version": "1",
        "xmlns": "http://www.imsglobal.org/xsd/imscp_v1p1",
        "xmlns:adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
        "xmlns:adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3",
        "xmlns:adlnav": "http://www.adlnet.org/xsd/adlnav_v1p3",
        "xmlns:imsss": "http://www.imsglobal.org/xsd/imsss",
        "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
        "xsi:schemaLocation": SCHEMA_LOCATIONS,
    })
    entry = single_sco_manifest(manifest, "2004 4th Edition", title, files, "adlcp:scormType")
    if passing_score is not None:
        sequencing = sub(entry, "imsss:sequencing")
        objectives = sub(sequencing, "imsss:objectives")
        primary = sub(objectives, "imsss:primaryObjective", objectiveID="PRIMARYOBJ", satisfiedByMeasure="true")
        sub(primary, "imsss:minNormalizedMeasure", _scaled(passing_score))
    # One SCO: let the learner enter it freely and the LMS flow through it.
    organization_sequencing = sub(manifest.find("organizations/organization"), "imsss:sequencing")
    sub(organization_sequencing, "imsss:controlMode", choice="true", flow="true")
    return to_xml_bytes(manifest)


def _scaled(percent: int) -> str:
    text = f"{percent / 100:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def scorm2004_package_files(course: CourseSource, passing_score: int = DEFAULT_PASSING_SCORE,
                            notes: list[str] | None = None) -> dict[str, bytes]:
    """Every file of the SCORM 2004 package, the manifest included; limits met are appended to `notes`."""
    return sco_package_files(Standard.SCORM2004, manifest_xml, course, passing_score, notes)
