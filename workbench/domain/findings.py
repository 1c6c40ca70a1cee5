"""Findings of the automatic pre-review checks."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class Severity(StrEnum):
    """How much a finding matters to a reviewer."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Finding(BaseModel):
    """One named result of a check, located at a section or an item."""

    check: str  # e.g. "citation_resolves"
    severity: Severity
    location: str  # "module", "section:s2", "item:q3", "objective:o1"
    message: str
    advisory: bool = False  # True for LLM critiques: never blocking, never a sign-off
