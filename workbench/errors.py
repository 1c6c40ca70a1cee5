"""Named errors of the workbench, each with a message a user can act on."""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base of every error the CLI and the app turn into one clear line."""


class ConfigurationError(WorkbenchError):
    """A setting is missing or points at something unusable."""


class LibraryGitError(WorkbenchError):
    """A git operation on the library's clone failed; nothing was published."""


class LibraryRemoteUnavailable(LibraryGitError):
    """The library's git remote could not be reached (or did not answer in time)."""


class LibraryPushConflict(LibraryGitError):
    """Others changed the same file in the library's remote: our commit cannot be rebased onto theirs."""


class LibraryPushRefused(LibraryGitError):
    """The library's remote kept moving: the push was refused after every retry."""


class IndexLocked(WorkbenchError):
    """Another process is writing the embedded index."""


class EmbeddingModelChanged(WorkbenchError):
    """The index was built with a different embedding model than the one configured."""


class EmbeddingBackendUnavailable(WorkbenchError):
    """The ONNX copy of the embedding model is corrupted or could not be exported (the torch backend still works)."""


class UnknownSkill(WorkbenchError):
    """A skill id that is not in the framework."""


class SkillsFileInvalid(WorkbenchError):
    """A skills framework file could not be read; the message names file and row."""


class LLMError(WorkbenchError):
    """Base of LLM failures; `raw_output` keeps whatever the model returned."""

    def __init__(self, message: str, raw_output: str | None = None) -> None:
        super().__init__(message)
        self.raw_output = raw_output


class LLMUnavailable(LLMError):
    """The endpoint is unreachable, the key is wrong or the model file is missing."""


class LLMServerCrashed(LLMUnavailable):
    """The server closed the connection in the middle of a request: it most likely crashed."""


class LLMRequestRejected(LLMError):
    """The endpoint refused the request itself (HTTP 400/422); the message shows the endpoint's reason."""


class LLMSchemaRejected(LLMRequestRejected):
    """The endpoint refused the structured-output schema, or the way it was requested."""


class LLMOutputInvalid(LLMError):
    """The model's reply did not validate against the schema after the retries."""


class LLMTruncated(LLMOutputInvalid):
    """The reply stopped at the token limit before the JSON was complete."""


class LLMRefused(LLMOutputInvalid):
    """The model refused, or the reply was empty or content-filtered."""


class GenerationCancelled(LLMError):
    """The user cancelled a streaming generation."""


class PromptFileInvalid(WorkbenchError):
    """A prompt file is malformed; the message names the file."""


class ExportError(WorkbenchError):
    """An export could not be produced."""


class ImportFileInvalid(WorkbenchError):
    """A question bank file could not be read; the message names file and position."""


class SignalsInputInvalid(WorkbenchError):
    """A signals file (or LRS answer) cannot be imported at all; nothing of it was kept."""


class GovernanceError(WorkbenchError):
    """An AI use refused by the organisation's governance rules, before anything was sent."""


class AIUseSwitchedOff(GovernanceError):
    """The lead switched this use of AI off."""


class EndpointUnusable(GovernanceError):
    """The endpoint a use is routed to cannot be used (unknown, unresolved key reference, unknown level)."""


class BudgetExceeded(GovernanceError):
    """A person or their team has spent their token budget, or has too many generations running."""


class PolicyNotAccepted(GovernanceError):
    """The person has not accepted the current AI-use policy."""


class PolicySuperseded(GovernanceError):
    """An acceptance named a policy version that is no longer the current one."""


class GovernanceInputInvalid(GovernanceError):
    """A governance setting a lead entered is not valid; the message says why."""


class NotFlagged(WorkbenchError):
    """A module was asked to be reopened for freshness, but its sources are unchanged and its review is recent."""
