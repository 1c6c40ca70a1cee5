"""Reading the rows of one draft inside a transaction: the draft (locked), its revisions, sign-offs, contributors."""

from __future__ import annotations

import json
from sqlalchemy import Connection, Row, and_, bindparam, select

from review.driver_statements import DriverStatement
from review.errors import InvalidInput, RevisionChange, StaleRevision, UnknownDraft
from review.findings import WaiverRecord, gating_findings, is_gating
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


# The statements every state change runs are built once: building one costs more than running it.
_DRAFT_QUERY = select(drafts).where(drafts.c.id == bindparam("draft_id"))
_DRAFT = DriverStatement(_DRAFT_QUERY)
_DRAFT_LOCKED = DriverStatement(_DRAFT_QUERY.with_for_update())
_SIGNED = DriverStatement(
    select(sign_offs, users.c.name.label("user_name"), users.c.disabled.label("user_disabled"), user_roles.c.role.label("signer_role"))
    .join(users, users.c.id == sign_offs.c.user_id)
    .outerjoin(user_roles, user_roles.c.user_id == sign_offs.c.user_id)
    .where(sign_offs.c.draft_id == bindparam("draft_id"), sign_offs.c.revision == bindparam("revision"), sign_offs.c.voided_at.is_(None))
    .order_by(sign_offs.c.signed_at, sign_offs.c.id)
)
_ONE_REVISION = (revisions.c.draft_id == bindparam("draft_id"), revisions.c.number == bindparam("number"))
_REVISION = DriverStatement(select(revisions).where(*_ONE_REVISION))
# What state changes check of a revision; its content and markdown (the bulk of the row) only publishing reads.
_REVISION_SEAL = DriverStatement(
    select(revisions.c.id, revisions.c.draft_id, revisions.c.number, revisions.c.title, revisions.c.content_hash,
           revisions.c.findings).where(*_ONE_REVISION))
_EDITORS_QUERY = select(revisions.c.editor_id).where(revisions.c.draft_id == bindparam("draft_id"))
_EDITORS = DriverStatement(_EDITORS_QUERY)
_EDITORS_AND_GENERATOR = DriverStatement(_EDITORS_QUERY.union(select(users.c.id).where(users.c.name == bindparam("generator"))))
_WAIVERS = (
    select(finding_waivers.c.finding_key, finding_waivers.c.reason, finding_waivers.c.waived_at, users.c.name)
    .join(users, users.c.id == finding_waivers.c.user_id)
    .where(finding_waivers.c.draft_id == bindparam("draft_id"), finding_waivers.c.revision == bindparam("revision"),
           finding_waivers.c.voided_at.is_(None))
)


def draft_row(connection: Connection, draft_id: object, *, lock: bool = False) -> Row:
    """The draft's row (locked for update when asked), or UnknownDraft."""
    row = (_DRAFT_LOCKED if lock else _DRAFT).first(connection, {"draft_id": parse_draft_id(draft_id)})
    if row is None:
        raise unknown_draft(draft_id)
    return row


def sign_offs_with_signers(connection: Connection, draft_id: int, revision: int) -> tuple[list[Row], list[StandingSignOff]]:
    """The sign-offs standing on a revision (oldest first, with the signer's name and disabled flag) and, for the
    approval rule, each with its signer's roles now: one query."""
    rows = _SIGNED.rows(connection, {"draft_id": draft_id, "revision": revision})
    signed: dict[int, Row] = {}
    held: dict[int, set[Role]] = {}
    for row in rows:
        signed.setdefault(row.id, row)
        roles = held.setdefault(row.id, set())
        if row.signer_role in Role._value2member_map_:
            roles.add(Role(row.signer_role))
    ordered = list(signed.values())
    return ordered, [StandingSignOff(Dimension(row.dimension), row.user_id, row.user_name, bool(row.user_disabled),
                                     frozenset(held[row.id])) for row in ordered]


def revision_row(connection: Connection, draft_id: int, number: int, *, with_content: bool = True) -> Row:
    """One revision's row (without content and markdown unless asked), or InvalidInput naming the draft and the number."""
    row = (_REVISION if with_content else _REVISION_SEAL).first(connection, {"draft_id": draft_id, "number": int(number)})
    if row is None:
        raise InvalidInput(f"draft {draft_id} has no revision {number}; `workbench review show {draft_id}` lists them")
    return row


def generator_of(generated_by: str | None) -> str | None:
    """The name of the user who had the draft generated, from the draft's generated_by JSON."""
    recorded = json.loads(generated_by) if generated_by else {}
    generator = recorded.get("user") if isinstance(recorded, dict) else None
    return str(generator) if generator else None


def contributors(connection: Connection, row: Row) -> set[int]:
    """Users who authored, generated or edited any revision of the draft (one query)."""
    ids = {row.author_id}
    generator = generator_of(row.generated_by)
    if generator:
        ids.update(editor for editor, in _EDITORS_AND_GENERATOR.rows(connection, {"draft_id": row.id, "generator": generator}))
    else:
        ids.update(editor for editor, in _EDITORS.rows(connection, {"draft_id": row.id}))
    return ids


def check_revision(connection: Connection, row: Row, expected_revision: int | None, state: str | None = None) -> None:
    """Refuse an action based on an older revision, saying what changed since (`state`: the draft's
    state now, when the caller has derived it; else the stored one)."""
    if expected_revision is None or int(expected_revision) == row.current_revision:
        return
    newer = tuple(
        RevisionChange(r.number, r.name, r.created_at, r.note or "")
        for r in connection.execute(
            select(revisions.c.number, revisions.c.note, revisions.c.created_at, users.c.name)
            .join(users, users.c.id == revisions.c.editor_id)
            .where(revisions.c.draft_id == row.id, revisions.c.number > int(expected_revision))
            .order_by(revisions.c.number)
        )
    )
    changes = "; ".join(
        f"revision {r.number} by {r.editor} at {r.at:%Y-%m-%d %H:%M} UTC" + (f" ({r.note})" if r.note else "")
        for r in newer
    ) or "no newer revision exists"
    raise StaleRevision(
        f"draft {row.id} is at revision {row.current_revision}, you acted on revision {expected_revision}: "
        f"{changes}; reload it (`workbench review show {row.id}`) and act again",
        draft_id=row.id, acted_on=int(expected_revision), current_revision=row.current_revision, state=state or row.state,
        changes=newer,
    )


def current_waivers(connection: Connection, draft_id: int, revision: int) -> dict[str, WaiverRecord]:
    """The waivers standing on a revision, by finding key."""
    rows = connection.execute(_WAIVERS, {"draft_id": draft_id, "revision": revision}).all()
    return {row.finding_key: WaiverRecord(row.name, row.reason, row.waived_at) for row in rows}


def standing_waivers(connection: Connection, draft_ids: list[int]) -> dict[int, dict[str, WaiverRecord]]:
    """The waivers standing on the current revision of each of these drafts, by draft and finding key."""
    rows = connection.execute(
        select(finding_waivers.c.draft_id, finding_waivers.c.finding_key, finding_waivers.c.reason, finding_waivers.c.waived_at,
               users.c.name)
        .join(users, users.c.id == finding_waivers.c.user_id)
        .join(drafts, and_(drafts.c.id == finding_waivers.c.draft_id, drafts.c.current_revision == finding_waivers.c.revision))
        .where(finding_waivers.c.draft_id.in_(draft_ids), finding_waivers.c.voided_at.is_(None))
    ).all()
    waivers: dict[int, dict[str, WaiverRecord]] = {}
    for row in rows:
        waivers.setdefault(row.draft_id, {})[row.finding_key] = WaiverRecord(row.name, row.reason, row.waived_at)
    return waivers


def revision_gating(connection: Connection, revision: Row) -> list[GatingFindingView]:
    """The error findings of a revision row, each with its waiver."""
    return gating_of(connection, revision.draft_id, revision.number, revision.findings)


def gating_of(connection: Connection, draft_id: int, number: int, findings_json: str) -> list[GatingFindingView]:
    """The error findings of a revision (its stored findings JSON), each with its waiver."""
    findings = json.loads(findings_json)
    if not any(is_gating(finding) for finding in findings or []):
        return []  # nothing to waive: no need to read the waivers
    return gating_findings(findings, current_waivers(connection, draft_id, number))
