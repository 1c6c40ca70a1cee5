"""Read-only views the review service returns: users, drafts, sign-offs, comments, revisions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from review.policy import Dimension, DraftState, Role


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (frozenset, set, tuple, list)):
        items = [_jsonable(item) for item in value]
        return sorted(items) if isinstance(value, (frozenset, set)) else items
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


class _View:
    def to_dict(self) -> dict:
        """A JSON-ready dict (datetimes as ISO 8601, enums as their values)."""
        return _jsonable(asdict(self))  # type: ignore[call-overload]


@dataclass(frozen=True)
class User(_View):
    """A person who uses the workbench, with the roles they hold now."""

    id: int
    name: str
    display_name: str
    roles: frozenset[Role]
    disabled: bool
    has_password: bool
    created_at: datetime
    oidc_issuer: str | None = None
    oidc_subject: str | None = None

    def has(self, role: Role) -> bool:
        """True when the user holds the role and is not disabled."""
        return not self.disabled and role in self.roles


@dataclass(frozen=True)
class SignOffView(_View):
    """A sign-off on one dimension of one revision."""

    dimension: Dimension
    user: str
    revision: int
    content_hash: str
    signed_at: datetime
    voided_at: datetime | None = None
    lapsed_because: str | None = None  # set when the signer was disabled or lost the role: it no longer counts


@dataclass(frozen=True)
class GatingFindingView(_View):
    """An error finding of the current revision: it blocks submitting, signing off and publishing unless waived."""

    key: str  # stable within the revision (check, location, message); what a waiver names
    check: str
    location: str
    message: str
    dimension: Dimension  # whose reviewers may waive it
    waived_by: str | None = None
    waiver_reason: str | None = None
    waived_at: datetime | None = None

    @property
    def blocks(self) -> bool:
        """True until a reviewer of its dimension waives it (a new revision starts without waivers)."""
        return self.waived_by is None


@dataclass(frozen=True)
class CommentView(_View):
    """A comment, optionally anchored to a section or an item."""

    id: int
    user: str
    revision: int
    text: str
    anchor: str | None
    created_at: datetime


@dataclass(frozen=True)
class RevisionView(_View):
    """One revision of a draft (content included only when asked for)."""

    number: int
    title: str
    content_hash: str
    editor: str
    note: str
    created_at: datetime
    markdown: str | None = None
    content: dict | None = None
    findings: list | None = None


@dataclass(frozen=True)
class DraftSummary(_View):
    """One row of the review queue."""

    id: int
    title: str
    state: DraftState
    revision: int
    author: str
    signed_dimensions: list[Dimension]
    missing_dimensions: list[Dimension]
    approved: bool
    updated_at: datetime
    published_path: str | None = None
    lapsed_dimensions: list[Dimension] = field(default_factory=list)  # signed, but the signer may no longer give it

    @classmethod
    def of_values(cls, values: dict[str, Any]) -> "DraftSummary":
        """A summary from every field's value, without the generated __init__ (a list builds thousands of them)."""
        summary = cls.__new__(cls)
        # Frozen blocks attribute assignment, not the instance dict; the query supplies every field, already typed.
        summary.__dict__.update(values)
        return summary


@dataclass(frozen=True)
class DraftView(_View):
    """Everything about a draft's current revision; `approved` is derived from its sign-offs."""

    id: int
    title: str
    state: DraftState
    revision: int
    content: dict
    markdown: str
    content_hash: str
    findings: list
    skill_ids: list[str]
    author: str
    generated_by: dict | None
    sign_offs: list[SignOffView]
    missing_dimensions: list[Dimension]
    approved: bool
    comments: list[CommentView]
    editors: list[str]
    created_at: datetime
    updated_at: datetime
    published_path: str | None = None
    published_revision: int | None = None
    module_id: str | None = None
    revision_note: str = ""
    # Sign-offs on the current revision that no longer count (the signer was disabled or lost the role).
    lapsed_sign_offs: list[SignOffView] = field(default_factory=list)
    # The error findings of the current revision with their waivers (any not waived blocks decisions).
    gating_findings: list[GatingFindingView] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def blocking_findings(self) -> list[GatingFindingView]:
        """The error findings no reviewer has waived: while any is left, no submit, sign-off or publish."""
        return [finding for finding in self.gating_findings if finding.blocks]


@dataclass(frozen=True)
class DraftCursor:
    """Where a page of a list ends: lists run newest first by (updated_at, id), so the next page starts after this."""

    updated_at: datetime
    id: int


@dataclass(frozen=True)
class DraftPage:
    """One page of a list, and the cursor of the next page (None on the last one)."""

    drafts: list[DraftSummary]
    next_cursor: DraftCursor | None
