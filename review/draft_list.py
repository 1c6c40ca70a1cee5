"""The review queue's lists as one SQL query each: filters, derived approval, lapsed sign-offs, a reviewer's queue, keyset pages."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, case, cast, exists, false, func, null, or_, select
from sqlalchemy.dialects.postgresql import JSON

from review.db import UTCDateTime
from review.errors import InvalidInput
from review.policy import ALL_DIMENSIONS, REVIEWER_ROLE, Actor, Dimension, DraftState
from review.tables import drafts, publications, revisions, sign_offs, user_roles, users
from review.views import DraftCursor

MAX_PAGE_SIZE = 1000
_IN_REVIEW = DraftState.IN_REVIEW.value


@dataclass(frozen=True)
class ListFilter:
    """What a list keeps: a state (derived ones included), a reviewer's queue, an author, ids, states left out."""

    state: DraftState | None = None
    reviewer: Actor | None = None
    authors: tuple[str, ...] | None = None
    ids: tuple[int, ...] | None = None
    exclude_states: tuple[DraftState, ...] = ()


@dataclass(frozen=True)
class ListShape:
    """What the SQL of a list depends on; the values it compares with are bound when it runs."""

    state: DraftState | None
    queue: tuple[Dimension, ...] | None  # a reviewer's queue: the dimensions they may sign (none: an empty queue)
    authors: bool
    ids: bool
    exclude_states: tuple[DraftState, ...]
    after: bool
    limit: bool


def list_shape(wanted: ListFilter, *, after: DraftCursor | None, limit: int | None) -> tuple[ListShape, dict[str, Any]]:
    """The shape of a list's query and the values to bind into it."""
    values: dict[str, Any] = {}
    queue = None
    if wanted.reviewer is not None:
        reviewer = wanted.reviewer
        queue = () if reviewer.disabled else tuple(d for d, role in REVIEWER_ROLE.items() if role in reviewer.roles)
        values.update(reviewer_id=reviewer.id, reviewer_name=reviewer.name)
    if wanted.authors is not None:
        values["authors"] = list(wanted.authors)
    if wanted.ids is not None:
        values["ids"] = list(wanted.ids)
    if after is not None:
        values.update(after_updated_at=after.updated_at, after_id=after.id)
    if limit is not None:
        values["limit"] = limit
    excluded = tuple(sorted(set(wanted.exclude_states)))
    return ListShape(wanted.state, queue, wanted.authors is not None, wanted.ids is not None, excluded,
                     after is not None, limit is not None), values


def _standing(reviewer_only: bool) -> Select:
    """Per draft, which dimensions of its current revision are signed, and which of those still count."""
    signer = users.alias("signer")
    columns = []
    for dimension in ALL_DIMENSIONS:
        is_dimension = sign_offs.c.dimension == dimension.value
        # The policy's approval rule in SQL: a sign-off counts while its signer is enabled and still holds the dimension's role.
        counts = and_(signer.c.disabled == false(), exists().where(
            user_roles.c.user_id == sign_offs.c.user_id, user_roles.c.role == REVIEWER_ROLE[dimension].value))
        columns.append(func.max(case((is_dimension, 1), else_=0)).label(f"signed_{dimension.value}"))
        columns.append(func.max(case((and_(is_dimension, counts), 1), else_=0)).label(f"counted_{dimension.value}"))
    query = (
        select(sign_offs.c.draft_id, *columns)
        .join(drafts, and_(drafts.c.id == sign_offs.c.draft_id, drafts.c.current_revision == sign_offs.c.revision))
        .join(signer, signer.c.id == sign_offs.c.user_id)
        .where(sign_offs.c.voided_at.is_(None))
        .group_by(sign_offs.c.draft_id)
    )
    if reviewer_only:
        query = query.where(drafts.c.state == _IN_REVIEW)
    return query


def _total(counted: dict) -> ColumnElement:
    """How many dimensions count, as one SQL sum."""
    return reduce(operator.add, counted.values())


def _generator_name(dialect: str) -> ColumnElement:
    """The name of the user who generated the draft, read from its generated_by JSON."""
    if dialect == "postgresql":
        return cast(drafts.c.generated_by, JSON)["user"].astext
    return func.json_extract(drafts.c.generated_by, "$.user")


def dimension_flags(flags: int) -> tuple[tuple[Dimension, ...], tuple[Dimension, ...], tuple[Dimension, ...]]:
    """Counted, missing and lapsed dimensions (in the policy's order) from a row's flags: bit i counted, bit 3 + i signed."""
    counted = [d for i, d in enumerate(ALL_DIMENSIONS) if flags >> i & 1]
    signed = [d for i, d in enumerate(ALL_DIMENSIONS) if flags >> (len(ALL_DIMENSIONS) + i) & 1]
    return (tuple(counted), tuple(d for d in ALL_DIMENSIONS if d not in counted),
            tuple(d for d in signed if d not in counted))


def summary_query(dialect: str, shape: ListShape) -> Select:
    """The one query of a list: each draft's summary columns, its effective state and its dimension flags as one number."""
    standing = _standing(shape.state in (DraftState.IN_REVIEW, DraftState.APPROVED) or shape.queue is not None).subquery()
    counted = {d: func.coalesce(standing.c[f"counted_{d.value}"], 0) for d in ALL_DIMENSIONS}
    signed = {d: func.coalesce(standing.c[f"signed_{d.value}"], 0) for d in ALL_DIMENSIONS}
    # One number per row instead of six: the summary's three dimension tuples are looked up by it.
    flags = reduce(operator.add, [counted[d] * (1 << i) for i, d in enumerate(ALL_DIMENSIONS)]
                   + [signed[d] * (1 << (len(ALL_DIMENSIONS) + i)) for i, d in enumerate(ALL_DIMENSIONS)])
    approved = _total(counted) == len(ALL_DIMENSIONS)
    in_review = drafts.c.state == _IN_REVIEW
    effective = case((and_(in_review, approved), DraftState.APPROVED.value), else_=drafts.c.state)
    query = (
        select(drafts.c.id, drafts.c.title, effective.label("effective_state"), drafts.c.current_revision, drafts.c.updated_at,
               users.c.name.label("author_name"), case((publications.c.present, publications.c.path), else_=null()).label("path"),
               flags.label("dimension_flags"))
        .join(users, users.c.id == drafts.c.author_id)
        .outerjoin(publications, publications.c.draft_id == drafts.c.id)
        .outerjoin(standing, standing.c.draft_id == drafts.c.id)
        .order_by(drafts.c.updated_at.desc(), drafts.c.id.desc())
    )
    if shape.state is DraftState.APPROVED:
        query = query.where(in_review, approved)
    elif shape.state is DraftState.IN_REVIEW:
        query = query.where(in_review, ~approved)
    elif shape.state is not None:
        query = query.where(drafts.c.state == shape.state.value)
    if shape.exclude_states:
        query = query.where(effective.not_in([s.value for s in shape.exclude_states]))
    if shape.authors:
        query = query.where(users.c.name.in_(bindparam("authors", expanding=True)))
    if shape.ids:
        query = query.where(drafts.c.id.in_(bindparam("ids", expanding=True)))
    if shape.queue is not None:
        query = query.where(*_queue_conditions(dialect, shape.queue, counted))
    if shape.after:
        after_updated_at, after_id = bindparam("after_updated_at", type_=UTCDateTime), bindparam("after_id", type_=Integer)
        query = query.where(or_(drafts.c.updated_at < after_updated_at,
                                and_(drafts.c.updated_at == after_updated_at, drafts.c.id < after_id)))
    if shape.limit:
        query = query.limit(bindparam("limit", type_=Integer))
    return query


def _queue_conditions(dialect: str, mine: tuple[Dimension, ...], counted: dict) -> list[ColumnElement]:
    """A reviewer's queue: in review, missing a dimension they may sign, not signed, authored, generated or edited by them."""
    if not mine:
        return [false()]
    reviewer_id, reviewer_name = bindparam("reviewer_id", type_=Integer), bindparam("reviewer_name")
    generator = _generator_name(dialect)
    return [
        drafts.c.state == _IN_REVIEW,
        _total(counted) < len(ALL_DIMENSIONS),
        or_(*(counted[d] == 0 for d in mine)),
        drafts.c.author_id != reviewer_id,
        ~exists().where(revisions.c.draft_id == drafts.c.id, revisions.c.editor_id == reviewer_id),
        ~exists().where(sign_offs.c.draft_id == drafts.c.id, sign_offs.c.revision == drafts.c.current_revision,
                        sign_offs.c.user_id == reviewer_id, sign_offs.c.voided_at.is_(None)),
        or_(drafts.c.generated_by.is_(None), generator.is_(None), generator != reviewer_name),
    ]


def page_size(limit: int | None) -> int | None:
    """The page size asked for, or InvalidInput naming the allowed range."""
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page size {limit!r} is not valid: give a whole number from 1 to {MAX_PAGE_SIZE}")
    return limit
