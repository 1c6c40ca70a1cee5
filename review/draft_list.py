"""The review queue's lists as one SQL query each: filters, derived approval, lapsed sign-offs, a reviewer's queue, keyset pages."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from typing import Sequence

from sqlalchemy import ColumnElement, Connection, Select, and_, case, cast, exists, false, func, null, or_, select
from sqlalchemy.dialects.postgresql import JSON

from review.errors import InvalidInput
from review.policy import ALL_DIMENSIONS, REVIEWER_ROLE, Actor, Dimension, DraftState
from review.tables import drafts, publications, revisions, sign_offs, user_roles, users
from review.views import DraftCursor, DraftSummary

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


def summary_query(dialect: str, wanted: ListFilter, *, after: DraftCursor | None = None, limit: int | None = None) -> Select:
    """The one query of a list: each draft's summary columns, its effective state and its dimension flags."""
    standing = _standing(wanted.state in (DraftState.IN_REVIEW, DraftState.APPROVED) or wanted.reviewer is not None).subquery()
    counted = {d: func.coalesce(standing.c[f"counted_{d.value}"], 0) for d in ALL_DIMENSIONS}
    signed = {d: func.coalesce(standing.c[f"signed_{d.value}"], 0) for d in ALL_DIMENSIONS}
    approved = _total(counted) == len(ALL_DIMENSIONS)
    in_review = drafts.c.state == _IN_REVIEW
    effective = case((and_(in_review, approved), DraftState.APPROVED.value), else_=drafts.c.state)
    query = (
        select(drafts.c.id, drafts.c.title, effective.label("effective_state"), drafts.c.current_revision, drafts.c.updated_at,
               users.c.name.label("author_name"), case((publications.c.present, publications.c.path), else_=null()).label("path"),
               *(counted[d].label(f"counted_{d.value}") for d in ALL_DIMENSIONS),
               *(signed[d].label(f"signed_{d.value}") for d in ALL_DIMENSIONS))
        .join(users, users.c.id == drafts.c.author_id)
        .outerjoin(publications, publications.c.draft_id == drafts.c.id)
        .outerjoin(standing, standing.c.draft_id == drafts.c.id)
        .order_by(drafts.c.updated_at.desc(), drafts.c.id.desc())
    )
    if wanted.state is DraftState.APPROVED:
        query = query.where(in_review, approved)
    elif wanted.state is DraftState.IN_REVIEW:
        query = query.where(in_review, ~approved)
    elif wanted.state is not None:
        query = query.where(drafts.c.state == wanted.state.value)
    if wanted.exclude_states:
        query = query.where(effective.not_in([s.value for s in wanted.exclude_states]))
    if wanted.authors is not None:
        query = query.where(users.c.name.in_(wanted.authors))
    if wanted.ids is not None:
        query = query.where(drafts.c.id.in_(wanted.ids))
    if wanted.reviewer is not None:
        query = query.where(*_queue_conditions(dialect, wanted.reviewer, counted))
    if after is not None:
        query = query.where(or_(drafts.c.updated_at < after.updated_at,
                                and_(drafts.c.updated_at == after.updated_at, drafts.c.id < after.id)))
    if limit is not None:
        query = query.limit(limit)
    return query


def _queue_conditions(dialect: str, reviewer: Actor, counted: dict) -> list[ColumnElement]:
    """A reviewer's queue: in review, missing a dimension they may sign, not signed, authored, generated or edited by them."""
    mine = [d for d, role in REVIEWER_ROLE.items() if role in reviewer.roles]
    if reviewer.disabled or not mine:
        return [false()]
    generator = _generator_name(dialect)
    return [
        drafts.c.state == _IN_REVIEW,
        _total(counted) < len(ALL_DIMENSIONS),
        or_(*(counted[d] == 0 for d in mine)),
        drafts.c.author_id != reviewer.id,
        ~exists().where(revisions.c.draft_id == drafts.c.id, revisions.c.editor_id == reviewer.id),
        ~exists().where(sign_offs.c.draft_id == drafts.c.id, sign_offs.c.revision == drafts.c.current_revision,
                        sign_offs.c.user_id == reviewer.id, sign_offs.c.voided_at.is_(None)),
        or_(drafts.c.generated_by.is_(None), generator.is_(None), generator != reviewer.name),
    ]


def page_size(limit: int | None) -> int | None:
    """The page size asked for, or InvalidInput naming the allowed range."""
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page size {limit!r} is not valid: give a whole number from 1 to {MAX_PAGE_SIZE}")
    return limit


def fetch_summaries(connection: Connection, query: Select) -> list[DraftSummary]:
    """Run a list query and turn its rows into summaries (the dimension lists are worked out once per flag combination)."""
    states = {state.value: state for state in DraftState}
    approved = DraftState.APPROVED
    lists: dict[tuple, tuple[list[Dimension], list[Dimension], list[Dimension]]] = {}
    result = []
    append = result.append
    for (draft_id, title, state, revision, updated_at, author, path, *flags) in connection.execute(query).all():
        key = tuple(flags)
        split = lists.get(key)
        if split is None:
            split = lists[key] = _dimension_lists(key)
        effective = states[state]
        append(DraftSummary.of_values({
            "id": draft_id, "title": title, "state": effective, "revision": revision, "author": author,
            "signed_dimensions": split[0][:], "missing_dimensions": split[1][:], "approved": effective is approved,
            "updated_at": updated_at, "published_path": path, "lapsed_dimensions": split[2][:],
        }))
    return result


def _dimension_lists(flags: Sequence[int]) -> tuple[list[Dimension], list[Dimension], list[Dimension]]:
    """Counted, missing and lapsed dimensions (in the policy's order) from a row's flags."""
    counted = dict(zip(ALL_DIMENSIONS, flags[:3]))
    signed = dict(zip(ALL_DIMENSIONS, flags[3:]))
    return ([d for d in ALL_DIMENSIONS if counted[d]], [d for d in ALL_DIMENSIONS if not counted[d]],
            [d for d in ALL_DIMENSIONS if signed[d] and not counted[d]])

