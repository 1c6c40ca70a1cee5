"""Statements run on the driver's cursor: same stored values, same typed results, same errors as SQLAlchemy's execution."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, event, insert, select
from sqlalchemy.exc import IntegrityError

from review.audit import AuditTrail, row_hash
from review.driver_statements import DriverStatement
from review.tables import audit_head, audit_log, users

_ADD_USER = DriverStatement(insert(users), column_keys=("name", "display_name", "disabled", "created_at"))
_USER = DriverStatement(select(users.c.id, users.c.name, users.c.disabled, users.c.created_at).where(users.c.name == bindparam("name")))
_USER_TWO = DriverStatement(select(users.c.name).where(users.c.id == 2))


def test_values_are_stored_and_read_back_as_sqlalchemy_does(database):
    """An aware time in another zone is stored as UTC and read back aware; a boolean comes back a bool."""
    signed = datetime(2026, 3, 1, 14, 30, 5, 123456, tzinfo=timezone(timedelta(hours=2)))
    with database.transaction() as connection:
        _ADD_USER.run(connection, {"name": "ada", "display_name": "Ada", "disabled": False, "created_at": signed})
        connection.execute(insert(users).values(name="bob", display_name="Bob", disabled=True, created_at=signed))
    with database.read() as connection:
        ada = _USER.first(connection, {"name": "ada"})
        bob = _USER.first(connection, {"name": "bob"})
        through_sqlalchemy = connection.execute(select(users.c.created_at).where(users.c.name == "bob")).scalar_one()
        assert _USER.first(connection, {"name": "nobody"}) is None
        assert _USER_TWO.rows(connection) == [("bob",)]
    assert (ada.name, ada.disabled, bob.disabled) == ("ada", False, True)
    assert ada.disabled is False and bob.disabled is True
    assert ada.created_at == signed and ada.created_at.tzinfo is timezone.utc
    assert bob.created_at == through_sqlalchemy == ada.created_at


def test_the_engine_s_listeners_see_every_statement(database):
    """Statement counts and SQL logging keep working: before_cursor_execute fires with the SQL sent."""
    seen: list[str] = []

    def record(_connection, _cursor, statement, _parameters, _context, _many) -> None:
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        with database.read() as connection:
            _USER.rows(connection, {"name": "ada"})
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    assert [s for s in seen if s.startswith("SELECT")] == [_USER._compiled(database.engine.dialect).sql]


def test_a_constraint_violation_is_sqlalchemy_s_integrity_error_and_nothing_is_kept(database):
    """A duplicate name fails with IntegrityError (callers catch it to re-check a race); the transaction rolls back."""
    now = datetime.now(timezone.utc)
    with database.transaction() as connection:
        _ADD_USER.run(connection, {"name": "ada", "display_name": "Ada", "disabled": False, "created_at": now})
    with pytest.raises(IntegrityError, match="(?i)unique"):
        with database.transaction() as connection:
            _ADD_USER.run(connection, {"name": "cy", "display_name": "Cy", "disabled": False, "created_at": now})
            _ADD_USER.run(connection, {"name": "ada", "display_name": "Ada again", "disabled": False, "created_at": now})
    with database.read() as connection:
        assert [row.name for row in connection.execute(select(users.c.name).order_by(users.c.name))] == ["ada"]


def test_a_chain_written_through_sqlalchemy_still_verifies_once_extended(database):
    """Rows appended the way earlier versions wrote them (SQLAlchemy's execution) and the new way form one chain."""
    clock = lambda: datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)  # noqa: E731
    trail = AuditTrail(database, clock)
    with database.transaction() as connection:
        head = connection.execute(select(audit_head).where(audit_head.c.id == 1)).one()
        previous, seq = head.last_hash, head.last_seq
        for number in range(1, 3):
            seq += 1
            fields = {"seq": seq, "at": clock().isoformat(timespec="microseconds"), "actor": "ada", "action": "comment",
                      "draft_id": None, "revision": None, "content_hash": None, "dimension": None,
                      "comment": f"é {number}", "details": '{"anchor": null}', "prev_hash": previous}
            fields["row_hash"] = previous = row_hash(fields)
            connection.execute(audit_log.insert(), fields)
        connection.execute(audit_head.update().where(audit_head.c.id == 1).values(last_seq=seq, last_hash=previous))
    with database.transaction() as connection:
        trail.record(connection, "ada", "comment", comment="é 3", details={"anchor": None})
    verification = trail.verify()
    assert verification.ok, verification.problem
    assert verification.rows_checked == seq + 1
    rows = trail.rows()
    assert rows[-1]["prev_hash"] == previous and rows[-1]["details"] == {"anchor": None}
    assert [r["comment"] for r in rows[-3:]] == ["é 1", "é 2", "é 3"]
