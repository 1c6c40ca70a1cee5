"""The formats `workbench export` writes, apart from the writers so that the command line can list them cheaply."""

from __future__ import annotations

from enum import StrEnum


class ExportFormat(StrEnum):
    """The formats `workbench export` writes."""

    GIFT = "gift"
    MOODLE_XML = "moodle-xml"
    QTI21 = "qti21"
    QTI12 = "qti12"
    SCORM12 = "scorm12"
    SCORM2004 = "scorm2004"
    CMI5 = "cmi5"
