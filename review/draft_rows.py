"""Reading the rows of one draft inside a transaction: the draft (locked), its revisions, sign-offs, contributors."""

from __future__ import annotations

import json
from typing import Iterable

from sqlalchemy import Connection, Row, select

from review.errors import InvalidInput, StaleRevision, UnknownDraft
from review.findings import WaiverRecord, gating_findings
from review.policy import Dimension, Role, StandingSignOff
from review.tables import drafts, finding_waivers, revisions, sign_offs, user_roles, users
from review.views import GatingFindingView


def parse_draft_id(draft_id: object) -> int:
    """The draft id as a number, or UnknownDraft naming what was given."""
    try:
        return int(draft_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise UnknownDraft(f"draft id {draft_id!r} is not a number") from None


def unknown_draft(draft_id: object) -> UnknownDraft:
    """The error for a draft id that names no draft."""
    return UnknownDraft(f"no draft with id {draft_id}; `workbench review list` shows the drafts")


def draft_row(connection: Connection, draft_id: object, *, lock: bool = False) -> Row:
    """The draft's row (locked for update when asked), or UnknownDraft."""
    query = select(drafts).where(drafts.c.id == parse_draft_id(draft_id))
    row = connection.execute(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise unknown_draft(draft_id)
    return row


def current_sign_offs(connection: Connection, draft_id: int, revision: int) -> list[Row]:
    """The sign-offs standing on a revision (with the signer's name and disabled flag), oldest first."""
    return connection.execute(
        select(sign_offs, users.c.name.label("user_name"), users.c.disabled.label("user_disabled"))
        .join(users, users.c.id == sign_offs.c.user_id)
        .where(sign_offs.c.draft_id == draft_id, sign_offs.c.revision == revision, sign_offs.c.voided_at.is_(None))
        .order_by(sign_offs.c.signed_at)
    ).all()


def roles_of(connection: Connection, user_ids: Iterable[int]) -> dict[int, frozenset[Role]]:
    """The roles each of these users holds now."""
    ids = sorted(set(user_ids))
    held: dict[int, set[Role]] = {user_id: set() for user_id in ids}
    if ids:
        for user_id, role in connection.execute(select(user_roles.c.user_id, user_roles.c.role).where(user_roles.c.user_id.in_(ids))):
            if role in Role._value2member_map_:
                held[user_id].add(Role(role))
    return {user_id: frozenset(roles) for user_id, roles in held.items()}


def standing_sign_offs(connection: Connection, signed: list[Row]) -> list[StandingSignOff]:
    """Sign-off rows (from `current_sign_offs`) with each signer's status now, for the approval rule."""
    roles = roles_of(connection, (row.user_id for row in signed))
    return [StandingSignOff(Dimension(row.dimension), row.user_id, row.user_name, bool(row.user_disabled), roles[row.user_id])
            for row in signed]


def revision_row(connection: Connection, draft_id: int, number: int) -> Row:
    """One revision's row, or InvalidInput naming the draft and the number."""
    row = connection.execute(
        select(revisions).where(revisions.c.draft_id == draft_id, revisions.c.number == int(number))
    ).one_or_none()
    if row is None:
        raise InvalidInput(f"draft {draft_id} has no revision {number}; `workbench review show {draft_id}` lists them")
    return row


def contributors(connection: Connection, row: Row) -> set[int]:
    """Users who authored, generated or edited any revision of the draft."""
    ids = {row.author_id}
    ids.update(connection.execute(select(revisions.c.editor_id).where(revisions.c.draft_id == row.id)).scalars())
    generated_by = json.loads(row.generated_by) if row.generated_by else {}
    generator = generated_by.get("user") if isinstance(generated_by, dict) else None
    if generator:
        user_id = connection.execute(select(users.c.id).where(users.c.name == str(generator))).scalar_one_or_none()
        if user_id is not None:
            ids.add(user_id)
    return ids


def check_revision(connection: Connection, row: Row, expected_revision: int | None) -> None:
    """Refuse an action based on an older revision, saying what changed since."""
    if expected_revision is None or int(expected_revision) == row.current_revision:
        return
    newer = connection.execute(
        select(revisions.c.number, revisions.c.note, revisions.c.created_at, users.c.name)
        .join(users, users.c.id == revisions.c.editor_id)
        .where(revisions.c.draft_id == row.id, revisions.c.number > int(expected_revision))
        .order_by(revisions.c.number)
    ).all()
    changes = "; ".join(
        f"revision {r.number} by {r.name} at {r.created_at:%Y-%m-%d %H:%M} UTC" + (f" ({r.note})" if r.note else "")
        for r in newer
    ) or "no newer revision exists"
    raise StaleRevision(
        f"draft {row.id} is at revision {row.current_revision}, you acted on revision {expected_revision}: "
        f"{changes}; reload it (`workbench review show {row.id}`) and act again"
    )


def current_waivers(connection: Connection, draft_id: int, revision: int) -> dict[str, WaiverRecord]:
    """The waivers standing on a revision, by finding key."""
    rows = connection.execute(
        select(finding_waivers.c.finding_key, finding_waivers.c.reason, finding_waivers.c.waived_at, users.c.name)
        .join(users, users.c.id == finding_waivers.c.user_id)
        .where(finding_waivers.c.draft_id == draft_id, finding_waivers.c.revision == revision,
               finding_waivers.c.voided_at.is_(None))
    ).all()
    return {row.finding_key: WaiverRecord(row.name, row.reason, row.waived_at) for row in rows}


def revision_gating(connection: Connection, revision: Row) -> list[GatingFindingView]:
    """The error findings of a revision row, each with its waiver."""
    return gating_findings(json.loads(revision.findings), current_waivers(connection, revision.draft_id, revision.number))
