"""Named errors of drafting, each with a message a user can act on."""

from __future__ import annotations

from workbench.errors import LLMOutputInvalid, WorkbenchError


class BriefInvalid(WorkbenchError):
    """A brief file could not be read or does not fit the brief schema; the message names the file."""


class DraftPartNotFound(WorkbenchError):
    """A section or item id that the draft does not have."""


class DraftContentInvalid(WorkbenchError):
    """A draft stored in the review queue does not hold a drafting schema (it cannot be checked or regenerated)."""


class DraftGenerationFailed(LLMOutputInvalid):
    """The model's reply failed validation after the retries; nothing was stored, the raw reply was kept."""

    def __init__(self, message: str, raw_output: str | None = None, kept_as: int | None = None) -> None:
        super().__init__(message, raw_output)
        self.kept_as = kept_as  # the number of the kept reply (`workbench failed-reply N`)


class FailedGenerationNotFound(WorkbenchError):
    """No failed generation is kept under that number."""


class DraftEditInvalid(WorkbenchError):
    """An edit typed into a form does not make a valid draft; the message says which field and why."""
