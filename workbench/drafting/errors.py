"""Named errors of drafting, each with a message a user can act on."""

from __future__ import annotations

from pathlib import Path

from workbench.errors import LLMOutputInvalid, WorkbenchError


class BriefInvalid(WorkbenchError):
    """A brief file could not be read or does not fit the brief schema; the message names the file."""


class DraftPartNotFound(WorkbenchError):
    """A section or item id that the draft does not have."""


class DraftContentInvalid(WorkbenchError):
    """A draft stored in the review queue does not hold a drafting schema (it cannot be checked or regenerated)."""


class DraftGenerationFailed(LLMOutputInvalid):
    """The model's reply failed validation after the retries; nothing was stored, the raw reply was saved."""

    def __init__(self, message: str, raw_output: str | None = None, saved_to: Path | None = None) -> None:
        super().__init__(message, raw_output)
        self.saved_to = saved_to


class DraftEditInvalid(WorkbenchError):
    """An edit typed into a form does not make a valid draft; the message says which field and why."""
