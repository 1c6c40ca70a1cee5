"""Named errors of the LLM layer that are not in workbench.errors."""

from __future__ import annotations

from workbench.errors import LLMError, LLMUnavailable, WorkbenchError


class PromptNotFound(WorkbenchError):
    """No prompt file of that name (or version) was loaded."""


class PromptVariablesMismatch(WorkbenchError):
    """A prompt was rendered with missing or unexpected variables."""


class ModelFileInvalid(LLMUnavailable):
    """The embedded model file is missing, cannot be assembled or fails its sha256 check."""


class LLMCallFailed(LLMError):
    """The provider failed in a way that is neither unavailability nor a bad reply."""
