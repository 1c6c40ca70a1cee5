"""Imported question banks stored in the library as `assessments/<slug>.assessment.json`.

Gap detection counts them as assessments of the skills (and modules) they are linked to.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import ValidationError

from workbench.domain.assessment import Assessment
from workbench.exports.model import ascii_id
from workbench.exports.packaging import write_atomic

BANKS_FOLDER = "assessments"
BANK_SUFFIX = ".assessment.json"

log = logging.getLogger(__name__)


def banks_dir(library_dir: Path) -> Path:
    """The folder of the library that holds question banks."""
    return Path(library_dir) / BANKS_FOLDER


def bank_path(library_dir: Path, assessment: Assessment) -> Path:
    """Where an assessment is stored in the library."""
    return banks_dir(library_dir) / f"{ascii_id(assessment.id, 'assessment')}{BANK_SUFFIX}"


def save_assessment_bank(library_dir: Path, assessment: Assessment) -> Path:
    """Store an assessment as JSON in the library (atomic write) and return its path."""
    path = bank_path(library_dir, assessment)
    return write_atomic(path, (assessment.model_dump_json(indent=2) + "\n").encode("utf-8"))


def load_assessment_banks(library_dir: Path) -> list[Assessment]:
    """Every stored assessment of the library; an unreadable file is logged and skipped."""
    folder = banks_dir(library_dir)
    if not folder.is_dir():
        return []
    assessments = []
    for path in sorted(folder.glob(f"*{BANK_SUFFIX}")):
        try:
            assessments.append(Assessment.model_validate_json(path.read_bytes()))
        except (OSError, ValueError, ValidationError) as error:
            log.warning("skipped question bank %s: %s", path, str(error).splitlines()[0])
    return assessments
