"""The hash-chained, append-only audit log: append, verify, export, and the AuditTrail service over it."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import IO, Any, Callable, Iterator, TypeVar

from sqlalchemy import Connection, Row, bindparam, select

from review.checkpoint import Checkpoint, CheckpointFile, CheckpointUnreadable
from review.db import Database
from review.driver_statements import DriverStatement
from review.errors import InvalidTransition, NotApproved, PermissionDenied, ReviewError
from review.spreadsheet import formula_safe
from review.tables import audit_head, audit_log

log = logging.getLogger(__name__)
T = TypeVar("T")

GENESIS_HASH = "0" * 64
HASHED_FIELDS = ("seq", "at", "actor", "action", "draft_id", "revision", "content_hash", "dimension", "comment", "details", "prev_hash")
CSV_FIELDS = (*HASHED_FIELDS, "row_hash")


def row_hash(fields: dict[str, Any]) -> str:
    """The sha256 of a row's canonical JSON (its fields plus the previous row's hash)."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# Built once: every change appends through them.
_HEAD_LOCKED = DriverStatement(select(audit_head.c.last_seq, audit_head.c.last_hash).where(audit_head.c.id == 1).with_for_update())
_INSERT_ROW = DriverStatement(audit_log.insert(), column_keys=(*HASHED_FIELDS, "row_hash"))
_MOVE_HEAD = DriverStatement(
    audit_head.update().where(audit_head.c.id == 1).values(last_seq=bindparam("new_seq"), last_hash=bindparam("new_hash")))


def append(
    connection: Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    draft_id: int | None = None,
    revision: int | None = None,
    content_hash: str | None = None,
    dimension: str | None = None,
    comment: str | None = None,
    details: dict | None = None,
) -> int:
    """Append one row inside the caller's transaction; returns its sequence number."""
    # Locking the single head row serialises appends, so the chain never forks.
    head = _HEAD_LOCKED.rows(connection)[0]
    fields: dict[str, Any] = {
        "seq": head.last_seq + 1,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor[:200],
        "action": action,
        "draft_id": draft_id,
        "revision": revision,
        "content_hash": content_hash,
        "dimension": dimension,
        "comment": comment,
        "details": json.dumps(details or {}, sort_keys=True, ensure_ascii=False),
        "prev_hash": head.last_hash,
    }
    fields["row_hash"] = row_hash(fields)
    _INSERT_ROW.run(connection, fields)
    _MOVE_HEAD.run(connection, {"new_seq": fields["seq"], "new_hash": fields["row_hash"]})
    return fields["seq"]


@dataclass(frozen=True)
class AuditVerification:
    """The outcome of checking the chain; `first_bad_seq` names the first row that does not fit."""

    ok: bool
    rows_checked: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""
    checkpoint_seq: int | None = None  # the checkpoint the chain was compared with, if any

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {
            "ok": self.ok,
            "rows_checked": self.rows_checked,
            "head_hash": self.head_hash,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "checkpoint_seq": self.checkpoint_seq,
        }


def _rows(connection: Connection) -> Iterator[dict]:
    result = connection.execution_options(yield_per=1000).execute(select(audit_log).order_by(audit_log.c.seq))
    for row in result:
        yield dict(row._mapping)


def verify(connection: Connection, checkpoint: Checkpoint | None = None) -> AuditVerification:
    """Recompute the chain and compare it with the head, then with the checkpoint kept outside the
    database; name the first edited, inserted or missing row."""
    head = connection.execute(select(audit_head).where(audit_head.c.id == 1)).one_or_none()
    if head is None:
        return AuditVerification(False, 0, "", None, "the audit head row is missing; the log cannot be trusted")
    chain = _verify_chain(connection, head)
    if not chain.ok or checkpoint is None:
        return chain
    return _compare_with_checkpoint(connection, chain, checkpoint)


def _compare_with_checkpoint(connection: Connection, chain: AuditVerification, checkpoint: Checkpoint) -> AuditVerification:
    """A chain that verifies on its own must still reach the checkpoint's row, with the same hash."""
    last_seq = chain.rows_checked
    when = f" (written {checkpoint.at})" if checkpoint.at else ""
    if checkpoint.seq == 0:
        return replace(chain, checkpoint_seq=0)
    if last_seq < checkpoint.seq:
        return replace(chain, ok=False, first_bad_seq=last_seq + 1, checkpoint_seq=checkpoint.seq, problem=(
            f"the log ends at row {last_seq} but the checkpoint outside the database{when} recorded row {checkpoint.seq}: "
            f"rows {last_seq + 1} to {checkpoint.seq} were deleted and the head reset"
            if last_seq else
            f"the log is empty but the checkpoint outside the database{when} recorded row {checkpoint.seq}: the log was wiped"
        ))
    anchored = connection.execute(select(audit_log.c.row_hash).where(audit_log.c.seq == checkpoint.seq)).scalar_one()
    if anchored != checkpoint.hash:
        return replace(chain, ok=False, first_bad_seq=checkpoint.seq, checkpoint_seq=checkpoint.seq, problem=(
            f"row {checkpoint.seq} does not match the checkpoint outside the database{when}: "
            f"the log up to it was rewritten"
        ))
    return replace(chain, checkpoint_seq=checkpoint.seq)


def _verify_chain(connection: Connection, head: Row) -> AuditVerification:
    """Recompute the chain row by row and compare its end with the head row."""
    expected_seq, previous_hash, checked = 1, GENESIS_HASH, 0
    for row in _rows(connection):
        seq = row["seq"]
        if seq != expected_seq:
            problem = (
                f"row {expected_seq} is missing (the log jumps from row {expected_seq - 1} to row {seq})"
                if seq > expected_seq
                else f"row {seq} is out of sequence"
            )
            return AuditVerification(False, checked, head.last_hash, expected_seq, problem)
        if row["prev_hash"] != previous_hash:
            return AuditVerification(
                False, checked, head.last_hash, seq,
                f"row {seq} does not follow row {seq - 1} (a row before it was deleted, inserted or edited)",
            )
        if row_hash(row) != row["row_hash"]:
            return AuditVerification(False, checked, head.last_hash, seq, f"row {seq} was edited (its hash does not match its content)")
        previous_hash, expected_seq, checked = row["row_hash"], seq + 1, checked + 1
    last_seq = expected_seq - 1
    if head.last_seq > last_seq:
        return AuditVerification(
            False, checked, head.last_hash, last_seq + 1,
            f"row {last_seq + 1} is missing: the log ends at row {last_seq} but {head.last_seq} rows were written",
        )
    if head.last_seq < last_seq:
        return AuditVerification(
            False, checked, head.last_hash, head.last_seq + 1,
            f"row {head.last_seq + 1} was inserted: only {head.last_seq} rows were written through the workbench",
        )
    if head.last_hash != previous_hash:
        return AuditVerification(False, checked, head.last_hash, last_seq, f"row {last_seq} does not match the recorded head hash")
    return AuditVerification(True, checked, head.last_hash)


def export_csv(connection: Connection, stream: IO[str]) -> int:
    """Write every row as CSV (formula-looking cells quoted for spreadsheets); returns the row count."""
    writer = csv.writer(stream)
    writer.writerow(CSV_FIELDS)
    count = 0
    for row in _rows(connection):
        writer.writerow([formula_safe(row[name]) for name in CSV_FIELDS])
        count += 1
    return count


class AuditTrail:
    """Everything that changes the workbench leaves a row here; denials too, in their own transaction."""

    def __init__(self, database: Database, clock: Callable[[], datetime], checkpoint: CheckpointFile | None = None,
                 recorded_head: Callable[[], Checkpoint | None] | None = None) -> None:
        self.database = database
        self.clock = clock
        self.checkpoint = checkpoint
        # A second anchor kept elsewhere (the last Audit-Head a git library's commits carry), or None.
        self.recorded_head = recorded_head

    def record(self, connection: Connection, actor: str, action: str, draft: Row | None = None, *,
               draft_id: int | None = None, revision: int | None = None, content_hash: str | None = None,
               dimension: str | None = None, comment: str | None = None, details: dict | None = None) -> int:
        """Append one row inside the caller's transaction (draft id and revision default to the draft row's)."""
        if draft is not None:
            draft_id = draft.id
            revision = draft.current_revision if revision is None else revision
        return append(
            connection, at=self.clock(), actor=actor, action=action, draft_id=draft_id,
            revision=revision, content_hash=content_hash, dimension=dimension, comment=comment, details=details,
        )

    def run_write(self, work: Callable[[Connection], T], *, actor: str, action: str,
                  draft_id: int | None = None, revision: int | None = None) -> T:
        """Run a write transaction; a denial is audited after the rollback, then re-raised."""
        try:
            return self.database.run_write(work)
        except (PermissionDenied, InvalidTransition, NotApproved) as error:
            self._record_denial(actor, action, draft_id, revision, error)
            raise

    def _record_denial(self, actor: str, action: str, draft_id: int | None, revision: int | None, error: ReviewError) -> None:
        def work(connection: Connection) -> None:
            append(
                connection, at=self.clock(), actor=actor, action="denied", draft_id=draft_id, revision=revision,
                comment=str(error), details={"attempted": action, "error": type(error).__name__},
            )

        try:
            self.database.run_write(work)
        except Exception:  # noqa: BLE001 - the denial itself must still reach the user
            log.exception("could not audit a denial of %s by %s", action, actor)

    def verify(self) -> AuditVerification:
        """Recompute the hash chain and compare it with the checkpoint; a chain that verifies becomes the new checkpoint."""
        elsewhere = self.recorded_head() if self.recorded_head is not None else None
        # One snapshot: a head read before rows that others appended meanwhile would look like an insertion.
        if self.checkpoint is None:
            with self.database.snapshot() as connection:
                return self._also_reaches(connection, verify(connection), elsewhere)
        with self.checkpoint.locked():
            try:
                previous = self.checkpoint.read()
            except CheckpointUnreadable as error:
                return AuditVerification(False, 0, "", None, f"{error}; the log cannot be compared with it")
            with self.database.snapshot() as connection:
                result = self._also_reaches(connection, verify(connection, previous), elsewhere)
            if result.ok and result.rows_checked > (previous.seq if previous else -1):
                self.checkpoint.write(Checkpoint(result.rows_checked, result.head_hash, self._stamp()))
        return result

    @staticmethod
    def _also_reaches(connection: Connection, result: AuditVerification, elsewhere: Checkpoint | None) -> AuditVerification:
        """A chain that verifies must also reach the head recorded elsewhere, with the same hash."""
        if not result.ok or elsewhere is None:
            return result
        compared = _compare_with_checkpoint(connection, result, elsewhere)
        return compared if not compared.ok else replace(compared, checkpoint_seq=max(result.checkpoint_seq or 0, elsewhere.seq))

    def anchor(self) -> None:
        """Write the committed head to the checkpoint (after a publish), if the chain still holds the last one.

        Never fails the caller: what was done is committed; a checkpoint that cannot move is left for
        `audit verify` to report.
        """
        if self.checkpoint is None:
            return
        try:
            with self.checkpoint.locked():
                previous = self.checkpoint.read()
                with self.database.read() as connection:
                    head = connection.execute(select(audit_head).where(audit_head.c.id == 1)).one()
                    if previous is not None and previous.seq > 0:
                        anchored = connection.execute(
                            select(audit_log.c.row_hash).where(audit_log.c.seq == previous.seq)
                        ).scalar_one_or_none()
                        if head.last_seq < previous.seq or anchored != previous.hash:
                            # Moving on would bury a truncation or a rewrite: keep the checkpoint that exposes it.
                            log.warning("audit checkpoint not advanced: the log no longer holds row %s as checkpointed", previous.seq)
                            return
                if previous is None or head.last_seq > previous.seq:
                    self.checkpoint.write(Checkpoint(head.last_seq, head.last_hash, self._stamp()))
        except (OSError, CheckpointUnreadable) as error:
            log.warning("could not write the audit checkpoint: %s", error)

    def _stamp(self) -> str:
        return self.clock().isoformat(timespec="seconds")

    def export_csv(self, stream: IO[str]) -> int:
        """Write the audit log as CSV; returns the number of rows."""
        with self.database.read() as connection:
            return export_csv(connection, stream)

    def rows(self, draft_id: int | None = None, limit: int | None = None, action: str | None = None) -> list[dict]:
        """Audit rows, oldest first (the newest `limit` when given), optionally for one draft or action."""
        query = select(audit_log)
        if draft_id is not None:
            query = query.where(audit_log.c.draft_id == int(draft_id))
        if action is not None:
            query = query.where(audit_log.c.action == action)
        if limit is not None:
            query = query.order_by(audit_log.c.seq.desc()).limit(limit)
        with self.database.read() as connection:
            rows = [dict(r._mapping) for r in connection.execute(query.order_by(audit_log.c.seq))]
        rows.sort(key=lambda r: r["seq"])
        for row in rows:
            row["details"] = json.loads(row["details"])
        return rows
