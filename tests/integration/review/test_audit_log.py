"""`audit verify` passes on an untouched log and names the first edited, deleted or inserted row."""

from __future__ import annotations

import io
import csv
import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from review.audit import GENESIS_HASH, AuditTrail
from review.checkpoint import CheckpointFile


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


# ---------------------------------------------------------------------- the checkpoint outside the database


@pytest.fixture
def anchored(team, history, database, tmp_path):
    """The team's audit trail with its checkpoint file, verified once (which writes the checkpoint)."""
    trail = AuditTrail(database, team.trail.clock, CheckpointFile(tmp_path / "data" / "audit-checkpoint.json"))
    first = trail.verify()
    assert first.ok and first.checkpoint_seq is None  # nothing to compare with yet
    return trail


def _checkpoint(trail) -> dict:
    return json.loads(trail.checkpoint.path.read_text(encoding="utf-8"))


def _truncate(database, keep: int) -> None:
    """Delete every row after `keep` and reset the head to the last row left: a chain that verifies on its own."""
    _drop_append_only_guard(database)
    with database.transaction() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq > :keep"), {"keep": keep})
        last = connection.execute(text("SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1")).one_or_none()
        connection.execute(text("UPDATE audit_head SET last_seq = :seq, last_hash = :hash WHERE id = 1"),
                           {"seq": last.seq if last else 0, "hash": last.row_hash if last else GENESIS_HASH})


def test_intact_chain_verifies_against_its_checkpoint_and_moves_it_forward(team, history, anchored):
    head = team.trail.rows()[-1]
    assert _checkpoint(anchored) == {"seq": head["seq"], "hash": head["row_hash"], "at": _checkpoint(anchored)["at"]}
    team.lifecycle.comment("cara", history.id, "One more remark")
    again = anchored.verify()
    assert again.ok and again.checkpoint_seq == head["seq"]
    assert _checkpoint(anchored)["seq"] == head["seq"] + 1 == again.rows_checked


def test_deleting_the_last_rows_and_resetting_the_head_is_detected(team, history, anchored, database):
    last = team.trail.rows()[-1]["seq"]
    _truncate(database, keep=last - 3)
    assert team.trail.verify().ok  # the chain alone cannot tell
    result = anchored.verify()
    assert not result.ok and result.first_bad_seq == last - 2 and result.checkpoint_seq == last
    assert f"the log ends at row {last - 3} but the checkpoint outside the database" in result.problem
    assert f"rows {last - 2} to {last} were deleted and the head reset" in result.problem
    assert _checkpoint(anchored)["seq"] == last  # a failed verify never moves the checkpoint back
    # New activity after the truncation does not bury it: the checkpoint stays where the old chain was.
    team.lifecycle.comment("cara", history.id, "After the truncation")
    anchored.anchor()
    assert _checkpoint(anchored)["seq"] == last and not anchored.verify().ok


def test_wiping_the_table_is_detected(team, history, anchored, database):
    last = team.trail.rows()[-1]["seq"]
    _truncate(database, keep=0)
    assert team.trail.verify().ok and team.trail.verify().rows_checked == 0
    result = anchored.verify()
    assert not result.ok and result.first_bad_seq == 1
    assert f"the log is empty but the checkpoint outside the database" in result.problem and f"recorded row {last}" in result.problem


def test_rewriting_a_row_and_every_hash_after_it_is_detected(team, history, anchored, database):
    from review.audit import row_hash

    rows = team.trail.rows()
    _drop_append_only_guard(database)
    previous = rows[3]["row_hash"]
    with database.transaction() as connection:
        # Edit row 5 and recompute the chain from there on, head included: only the checkpoint can tell.
        for row in rows[4:]:
            fields = {**row, "details": json.dumps(row["details"], sort_keys=True, ensure_ascii=False), "prev_hash": previous}
            if row["seq"] == 5:
                fields["actor"] = "mallory"
            fields["row_hash"] = previous = row_hash(fields)
            connection.execute(text("UPDATE audit_log SET actor = :actor, prev_hash = :prev_hash, row_hash = :row_hash WHERE seq = :seq"),
                               {name: fields[name] for name in ("actor", "prev_hash", "row_hash", "seq")})
        connection.execute(text("UPDATE audit_head SET last_hash = :hash WHERE id = 1"), {"hash": previous})
    assert team.trail.verify().ok
    result = anchored.verify()
    last = rows[-1]["seq"]
    assert not result.ok and result.first_bad_seq == last
    assert f"row {last} does not match the checkpoint outside the database" in result.problem


def test_an_unreadable_checkpoint_fails_verification(team, history, anchored):
    anchored.checkpoint.path.write_text('{"seq": "x"', encoding="utf-8")
    result = anchored.verify()
    assert not result.ok and "is not a checkpoint (edited or truncated)" in result.problem


def test_publishing_writes_the_head_to_the_checkpoint(team, database, tmp_path):
    from review.publications import PreparedFile, PublicationLedger

    trail = AuditTrail(database, team.trail.clock, CheckpointFile(tmp_path / "audit-checkpoint.json"))
    ledger = PublicationLedger(database, trail, team.queries, team.trail.clock)
    draft = team.approved()
    ledger.publish_transaction("lena", draft.id, draft.revision,
                               prepare=lambda context: PreparedFile("published/x.md", "x", "text"))
    head = team.trail.rows()[-1]
    assert head["action"] == "publish"
    assert _checkpoint(trail)["seq"] == head["seq"] and _checkpoint(trail)["hash"] == head["row_hash"]


def test_verify_while_others_append_finds_no_tampering(team, database):
    """Replicas keep writing while one verifies: the chain is read as one committed state, never half of one."""
    import threading

    draft = team.in_review()
    stop = threading.Event()
    written = []

    def comment_away() -> None:
        while not stop.is_set():
            team.lifecycle.comment("sam", draft.id, f"note {len(written)}")
            written.append(1)

    writers = [threading.Thread(target=comment_away) for _ in range(3)]
    for writer in writers:
        writer.start()
    try:
        results = [team.trail.verify() for _ in range(40)]
    finally:
        stop.set()
        for writer in writers:
            writer.join()

    assert written, "the writers never ran"
    assert [r.problem for r in results if not r.ok] == []
