"""Exports to LMS standards (GIFT, Moodle XML, QTI 2.1, QTI 1.2, SCORM 1.2) and question-bank imports."""
