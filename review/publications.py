"""Publication records: the committed desired state of each published file, kept beside the drafts.

The publisher (workbench.publishing) renders and places files; this module decides, inside the
review transaction, whether a draft may be published and records exactly what was published.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Callable

from sqlalchemy import Row, bindparam, delete, false, insert, select, update
from sqlalchemy.exc import IntegrityError

from review.audit import AuditTrail
from review.content import content_hash, require_comment
from review.db import Database
from review.draft_rows import revision_row
from review.errors import NotApproved
from review.actors import ActorRef
from review.policy import Action
from review.queries import ReviewQueries
from review.tables import audit_head, publish_attempts, publications
from review.unit_of_work import DraftChanges, DraftStep
from review.views import DraftView, SignOffView


@dataclass(frozen=True)
class PublishContext:
    """What the publisher needs to render and place a file, handed over inside the publish transaction."""

    draft: DraftView
    actor: str
    sign_offs: list[SignOffView]
    existing_path: str | None
    existing_module_id: str | None
    taken_paths: frozenset[str]


@dataclass(frozen=True)
class PreparedFile:
    """The file the publisher staged (temp file written and fsynced) for this publication."""

    path: str
    module_id: str
    text: str
    # The commit of an earlier attempt that reached the git remote before its process died: recorded, not pushed again.
    adopted_commit: str = ""


@dataclass(frozen=True)
class PublicationRecord:
    """The committed desired state of one published file; the publisher makes the disk match it."""

    draft_id: int
    path: str
    module_id: str
    revision: int
    content_hash: str
    text: str
    text_sha256: str
    present: bool
    indexed: bool
    commit: str = ""  # the git commit holding it, with a git library


@dataclass(frozen=True)
class PublicationSeal:
    """A publication or withdrawal as it stands inside its transaction, after its audit row: the last
    moment to refuse it. `audit_seq`/`audit_hash` are the chain's head including that row."""

    record: "PublicationRecord"
    actor: str
    context: PublishContext | None  # None for a withdrawal
    audit_seq: int
    audit_hash: str
    reason: str = ""


# Returns the commit that now holds the publication (a git library), or None.
Seal = Callable[[PublicationSeal], "str | None"]

# The statements each publish runs are built once: building one costs more than running it.
_HEAD = select(audit_head.c.last_seq, audit_head.c.last_hash).where(audit_head.c.id == 1)
_ATTEMPT = select(publish_attempts.c.draft_id).where(publish_attempts.c.draft_id == bindparam("draft_id"))
_NEW_ATTEMPT = insert(publish_attempts)
# Updates name the row by `target`: a bind parameter named after a column would set that column.
_RENEW_ATTEMPT = (update(publish_attempts).where(publish_attempts.c.draft_id == bindparam("target"))
                  .values(revision=bindparam("new_revision"), started_at=bindparam("new_start")))
_END_ATTEMPT = delete(publish_attempts).where(publish_attempts.c.draft_id == bindparam("draft_id"))
_PUBLICATION = select(publications).where(publications.c.draft_id == bindparam("draft_id"))
_TAKEN = select(publications.c.path).where(publications.c.draft_id != bindparam("draft_id"))
_SET_COMMIT = (update(publications).where(publications.c.draft_id == bindparam("target"))
               .values(git_commit=bindparam("commit")))
_MARK_INDEXED = (update(publications).where(publications.c.draft_id == bindparam("target"),
                                            publications.c.text_sha256 == bindparam("sha"))
                 .values(indexed=True))
# Matches the partial index ix_publications_unfinished: only rows whose file or index step is still to do.
_UNFINISHED = select(publications).where(publications.c.indexed == false()).order_by(publications.c.draft_id)


def _head(connection) -> tuple[int, str]:
    row = connection.execute(_HEAD).one()
    return row.last_seq, row.last_hash


def _record(row: Row) -> PublicationRecord:
    return PublicationRecord(row.draft_id, row.path, row.module_id, row.revision, row.content_hash, row.text,
                             row.text_sha256, row.present, row.indexed, row.git_commit or "")


class PublicationLedger:
    """Records publications and withdrawals; the publisher keeps the library files in step with it."""

    def __init__(self, database: Database, trail: AuditTrail, queries: ReviewQueries, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.queries = queries
        self.trail = trail
        self.changes = DraftChanges(trail, clock)

    def begin_attempt(self, draft_id: int, revision: int, at: datetime) -> tuple[bool, Callable[[], None]]:
        """Record, in its own committed transaction, that a publish of the draft starts: (True when an earlier
        attempt never finished (its push may have been accepted before it died), the wait for the record to
        be on disk, to call before pushing)."""
        def work(connection) -> bool:
            earlier = connection.execute(_ATTEMPT, {"draft_id": int(draft_id)}).one_or_none()
            if earlier is None:
                connection.execute(_NEW_ATTEMPT, {"draft_id": int(draft_id), "revision": int(revision), "started_at": at})
            else:
                connection.execute(_RENEW_ATTEMPT, {"target": int(draft_id), "new_revision": int(revision), "new_start": at})
            return earlier is not None

        try:
            # The fsync of this commit is done beside the render and `git add` that follow it (on SQLite).
            unfinished = self.database.run_write(work, durable=False)
        except IntegrityError:
            return True, lambda: None  # another process started one at the same moment: look before pushing
        return unfinished, self.database.sync_log_in_background()

    def _context(self, connection, draft_id: int, actor: str) -> tuple[PublishContext, Row | None]:
        """What rendering the draft's file needs, read in the caller's transaction, and its publication row."""
        view = self.queries.draft_view(connection, draft_id)
        existing = connection.execute(_PUBLICATION, {"draft_id": view.id}).one_or_none()
        taken = frozenset(connection.execute(_TAKEN, {"draft_id": view.id}).scalars())
        return PublishContext(
            draft=view, actor=actor, sign_offs=view.sign_offs,
            existing_path=existing.path if existing is not None else None,
            existing_module_id=existing.module_id if existing is not None else None, taken_paths=taken,
        ), existing

    def publish_transaction(self, actor: ActorRef, draft_id: int, expected_revision: int,
                            prepare: Callable[[PublishContext], PreparedFile], seal: Seal | None = None) -> PublicationRecord:
        """Inside one transaction: check lead + approval + content hash, let `prepare` stage the file,
        then record the publication; `seal` (a git push) may still refuse it before the commit.
        The file is only moved into place after this commits."""

        def work(step: DraftStep) -> PublicationRecord:
            connection, row = step.connection, step.draft
            current = revision_row(connection, row.id, row.current_revision)  # with its content: it is checked again here
            # The title names the file and heads it: a title changed in the database after the
            # sign-offs must fail here like changed content does.
            recomputed = content_hash(current.title, json.loads(current.content), current.markdown)
            if (recomputed != current.content_hash or row.title != current.title
                    or any(s.content_hash != recomputed for s in step.signed)):
                raise NotApproved(
                    f"draft {row.id} revision {row.current_revision}: the stored content no longer matches what was signed off; "
                    "it needs a new revision and fresh sign-offs"
                )
            context, existing = self._context(connection, row.id, step.actor.name)
            prepared = prepare(context)
            text_sha = hashlib.sha256(prepared.text.encode("utf-8")).hexdigest()
            values = dict(path=prepared.path, module_id=prepared.module_id, revision=row.current_revision,
                          content_hash=current.content_hash, text=prepared.text, text_sha256=text_sha, present=True,
                          indexed=False, published_at=step.now, removed_at=None, remove_reason=None,
                          git_commit=prepared.adopted_commit or None)
            if existing is None:
                connection.execute(insert(publications).values(draft_id=row.id, **values))
            else:
                connection.execute(update(publications).where(publications.c.id == existing.id).values(**values))
            # The attempt ends with this transaction: committed, or rolled back (the row is kept then).
            connection.execute(_END_ATTEMPT, {"draft_id": row.id})
            adopted = {"adopted_commit": prepared.adopted_commit} if prepared.adopted_commit else {}
            step.audit(content_hash=current.content_hash, details=step.transition_details(
                path=prepared.path, file_sha256=text_sha, sign_offs={s.dimension.value: s.user for s in context.sign_offs},
                **adopted))
            record = PublicationRecord(row.id, prepared.path, prepared.module_id, row.current_revision, current.content_hash,
                                       prepared.text, text_sha, True, False, prepared.adopted_commit)
            if seal is not None:
                commit = seal(PublicationSeal(record, step.actor.name, context, *_head(connection)))
                if commit and commit != record.commit:
                    connection.execute(_SET_COMMIT, {"target": row.id, "commit": commit})
                    record = replace(record, commit=commit)
            return record

        record = self.changes.run(actor, draft_id, Action.PUBLISH, expected_revision, work)
        self.trail.anchor()  # the head after this publish, kept outside the database
        return record

    def unpublish_transaction(self, actor: ActorRef, draft_id: int, reason: str, seal: Seal | None = None) -> PublicationRecord:
        """Archive a published draft and mark its file for removal (lead only, with a reason); `seal` may refuse it."""
        reason = require_comment(reason, "unpublishing")

        def work(step: DraftStep) -> PublicationRecord:
            publication = step.connection.execute(_PUBLICATION, {"draft_id": step.draft.id}).one()
            step.connection.execute(update(publications).where(publications.c.id == publication.id)
                                    .values(present=False, indexed=False, removed_at=step.now, remove_reason=reason))
            step.audit(revision=publication.revision, content_hash=publication.content_hash, comment=reason,
                       details=step.transition_details(path=publication.path))
            record = replace(_record(publication), present=False, indexed=False)
            if seal is not None:
                seal(PublicationSeal(record, step.actor.name, None, *_head(step.connection), reason=reason))
            return record

        record = self.changes.run(actor, draft_id, Action.UNPUBLISH, None, work)
        self.trail.anchor()
        return record

    def publications(self) -> list[PublicationRecord]:
        """Every publication record: the files the publisher keeps in step with the database."""
        with self.database.read() as connection:
            return [_record(r) for r in connection.execute(select(publications).order_by(publications.c.id))]

    def unfinished(self) -> list[PublicationRecord]:
        """The publications and withdrawals whose file or index step has not completed (a crash, an index failure)."""
        with self.database.read() as connection:
            return [_record(r) for r in connection.execute(_UNFINISHED)]

    def mark_indexed(self, draft_id: int, text_sha256: str) -> None:
        """Record that the index reflects this publication (only if it was not replaced meanwhile)."""
        # Not synced to disk on SQLite: a mark lost in a power cut only makes recovery index the file again.
        self.database.run_write(lambda c: c.execute(_MARK_INDEXED, {"target": int(draft_id), "sha": text_sha256}),
                                durable=False)
