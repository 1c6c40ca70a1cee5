"""Read-only views the review service returns: users, drafts, sign-offs, comments, revisions."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
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


class StoredJson(str):
    """JSON text as stored, given to a `ParsedOnRead` field in place of its value."""

    __slots__ = ()


class ParsedOnRead:
    """A dataclass field that takes its value or the value's `StoredJson`, and parses the text on first read.

    A state change returns the draft's view, and most callers never read its content: parsing it
    would be a tenth of a sign-off. The field reads as the parsed value everywhere (equality,
    `to_dict`, repr), so no caller sees the difference.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = f"_{name}_stored"
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            raise AttributeError(self.name)  # the dataclass field has no default
        value = instance.__dict__[self.key]
        if isinstance(value, StoredJson):
            value = instance.__dict__[self.key] = json.loads(value)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        # A frozen dataclass sets its fields once, in __init__, through object.__setattr__.
        instance.__dict__[self.key] = value


class _View:
    __slots__ = ()  # a view with slots of its own then has no instance dict

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


# Slots: a summary is one object, not an object and its dict (a list of thousands gives the collector half as many).
@dataclass(frozen=True, slots=True)
class DraftSummary(_View):
    """One row of the review queue (its dimension tuples are shared between summaries: they are immutable)."""

    id: int
    title: str
    state: DraftState
    revision: int
    author: str
    signed_dimensions: tuple[Dimension, ...]
    missing_dimensions: tuple[Dimension, ...]
    approved: bool
    updated_at: datetime
    published_path: str | None = None
    lapsed_dimensions: tuple[Dimension, ...] = ()  # signed, but the signer may no longer give it

    @classmethod
    def of_values(cls, id: int, title: str, state: DraftState, revision: int, author: str,  # noqa: A002 - the field's name
                  signed_dimensions: tuple[Dimension, ...], missing_dimensions: tuple[Dimension, ...], approved: bool,
                  updated_at: datetime, published_path: str | None, lapsed_dimensions: tuple[Dimension, ...]) -> "DraftSummary":
        """A summary from every field's value, already typed, without the generated __init__ (a list builds thousands)."""
        summary = _new_object(cls)
        # Each slot set once through its descriptor: what the frozen __init__ does, without a call of object.__setattr__ per field.
        _set_id(summary, id)
        _set_title(summary, title)
        _set_state(summary, state)
        _set_revision(summary, revision)
        _set_author(summary, author)
        _set_signed(summary, signed_dimensions)
        _set_missing(summary, missing_dimensions)
        _set_approved(summary, approved)
        _set_updated_at(summary, updated_at)
        _set_published_path(summary, published_path)
        _set_lapsed(summary, lapsed_dimensions)
        return summary


_new_object = object.__new__
(_set_id, _set_title, _set_state, _set_revision, _set_author, _set_signed, _set_missing, _set_approved, _set_updated_at,
 _set_published_path, _set_lapsed) = (getattr(DraftSummary, f.name).__set__ for f in fields(DraftSummary))


@dataclass(frozen=True)
class DraftView(_View):
    """Everything about a draft's current revision; `approved` is derived from its sign-offs."""

    id: int
    title: str
    state: DraftState
    revision: int
    content: dict = ParsedOnRead()  # type: ignore[assignment]  # a dict, parsed when first read
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
