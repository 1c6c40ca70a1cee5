"""`audit verify` passes on an untouched log and names the first edited, deleted or inserted row."""

from __future__ import annotations

import io
import csv

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


def _drop_append_only_guard(database) -> None:
    """What someone with full database access can do before tampering."""
    with database.transaction() as connection:
        if database.is_sqlite:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update ON audit_log"))


@pytest.fixture
def history(team):
    draft = team.approved()
    team.lifecycle.comment("sam", draft.id, "=HYPERLINK(\"http://evil\")", anchor="section:s1")
    return draft


def test_untouched_log_verifies(team, history):
    result = team.trail.verify()
    assert result.ok and result.rows_checked == len(team.trail.rows()) and result.first_bad_seq is None


def test_the_database_itself_refuses_updates_and_deletes(team, history, database):
    with pytest.raises(DBAPIError, match="append-only"):
        with database.transaction() as connection:
            connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"))
    with pytest.raises(DBAPIError, match="append-only"):
        with database.transaction() as connection:
            connection.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    assert team.trail.verify().ok


def test_edited_row_is_named(team, history, database):
    _drop_append_only_guard(database)
    with database.transaction() as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 12"))
    result = team.trail.verify()
    assert not result.ok and result.first_bad_seq == 12 and "row 12 was edited" in result.problem


def test_deleted_row_is_named(team, history, database):
    _drop_append_only_guard(database)
    with database.transaction() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 7"))
    result = team.trail.verify()
    assert not result.ok and result.first_bad_seq == 7 and "row 7 is missing" in result.problem


def test_deleted_last_row_is_named(team, history, database):
    _drop_append_only_guard(database)
    last = team.trail.rows()[-1]["seq"]
    with database.transaction() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = :seq"), {"seq": last})
    result = team.trail.verify()
    assert not result.ok and result.first_bad_seq == last


def test_inserted_row_is_named_even_with_a_correctly_computed_hash(team, history, database):
    from review.audit import row_hash

    last = team.trail.rows()[-1]
    forged = {"seq": last["seq"] + 1, "at": last["at"], "actor": "mallory", "action": "sign_off", "draft_id": history.id,
              "revision": 1, "content_hash": None, "dimension": "ethics", "comment": None, "details": "{}",
              "prev_hash": last["row_hash"]}
    forged["row_hash"] = row_hash(forged)
    with database.transaction() as connection:
        connection.execute(
            text("INSERT INTO audit_log (seq, at, actor, action, draft_id, revision, content_hash, dimension, comment, details, prev_hash, row_hash) "
                 "VALUES (:seq, :at, :actor, :action, :draft_id, :revision, :content_hash, :dimension, :comment, :details, :prev_hash, :row_hash)"),
            forged,
        )
    result = team.trail.verify()
    assert not result.ok and result.first_bad_seq == last["seq"] + 1 and "inserted" in result.problem


def test_row_inserted_in_the_middle_by_renumbering_is_named(team, history, database):
    _drop_append_only_guard(database)
    with database.transaction() as connection:
        # Shift rows 5.. up by one (highest first) and slip a forged row in at 5.
        for seq in sorted((r["seq"] for r in team.trail.rows() if r["seq"] >= 5), reverse=True):
            connection.execute(text("UPDATE audit_log SET seq = seq + 1 WHERE seq = :seq"), {"seq": seq})
        connection.execute(
            text("INSERT INTO audit_log (seq, at, actor, action, details, prev_hash, row_hash) "
                 "VALUES (5, '2026-01-01T00:00:00+00:00', 'mallory', 'approved', '{}', :prev, :hash)"),
            {"prev": team.trail.rows()[3]["row_hash"], "hash": "e" * 64},
        )
    result = team.trail.verify()
    assert not result.ok and result.first_bad_seq == 5


def test_csv_export_has_every_row_and_defuses_formulas(team, history):
    stream = io.StringIO()
    count = team.trail.export_csv(stream)
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert count == len(rows) == len(team.trail.rows())
    comment_row = next(r for r in rows if r["action"] == "comment")
    assert comment_row["comment"].startswith("'=HYPERLINK")
    assert {"seq", "actor", "action", "draft_id", "revision", "content_hash", "row_hash"} <= set(rows[0])
