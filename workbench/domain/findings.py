"""Findings of the automatic pre-review checks, and the review dimension each check speaks to."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, model_validator


class Severity(StrEnum):
    """How much a finding matters to a reviewer."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


# Whose reviewers judge a check's findings (and may waive an error of it, with a reason).
# Correctness of the content and the assessment is the subject-matter expert's; fit for the audience
# and its culture the cultural reviewer's; people's data, outside resources and manipulation ethics'.
REVIEW_DIMENSION: dict[str, str] = {
    "schema_valid": "accuracy",
    "citation_resolves": "accuracy",
    "grounding": "accuracy",
    "objective_assessed": "accuracy",
    "question_count": "accuracy",
    "answer_key": "accuracy",
    "duplicate_options": "accuracy",
    "all_none_of_the_above": "accuracy",
    "key_position": "accuracy",
    "near_duplicate_module": "accuracy",
    "readability": "cultural",
    "inclusive_language": "cultural",
    "personal_data": "ethics",
    "links_and_images": "ethics",
    "injection_canary": "ethics",
    "instruction_like_text": "ethics",
    "rendering_fidelity": "accuracy",
}
DEFAULT_DIMENSION = "accuracy"  # a check not listed above is the subject-matter expert's to judge


def dimension_of(check: str) -> str:
    """The review dimension of a check (a critique carries its own: critique_<dimension>)."""
    if check.startswith("critique_"):
        return check.removeprefix("critique_")
    return REVIEW_DIMENSION.get(check, DEFAULT_DIMENSION)


class Finding(BaseModel):
    """One named result of a check, located at a section or an item."""

    check: str  # e.g. "citation_resolves"
    severity: Severity
    location: str  # "module", "section:s2", "item:q3", "objective:o1"
    message: str
    advisory: bool = False  # True for LLM critiques: never blocking, never a sign-off
    dimension: str = ""  # accuracy, cultural or ethics: whose reviewers may waive it (filled from the check)

    @model_validator(mode="after")
    def _fill_dimension(self) -> "Finding":
        if not self.dimension:
            self.dimension = dimension_of(self.check)
        return self
