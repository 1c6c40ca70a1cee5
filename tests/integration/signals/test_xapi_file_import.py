"""xAPI files imported into the workbench database (SQLite and PostgreSQL): what is kept, what is reported, and that
a file is imported whole or not at all."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.signals import COURSE, MODULE_ID, NOW, OTHER_COURSE, answered, module_result, signals_on, write_json_lines
from workbench.errors import SignalsInputInvalid
from workbench.signals.tables import learner_results, signal_imports


def rows(database) -> list:
    with database.read() as connection:
        return connection.execute(select(learner_results).order_by(learner_results.c.id)).all()


def import_rows(database) -> list:
    with database.read() as connection:
        return connection.execute(select(signal_imports).order_by(signal_imports.c.id)).all()


def test_results_map_to_items_objectives_and_skills_and_people_are_pseudonymised(database, tmp_path):
    statements = [answered("q1", "sam.lee", True, response="a"), answered("q2", "sam.lee", False, response="c"),
                  module_result("failed", "sam.lee", 0.5)]
    path = tmp_path / "statements.json"
    path.write_text(json.dumps(statements, indent=2), encoding="utf-8")

    report = signals_on(database).import_file(path, "xapi", "lena")

    assert (report.read, report.kept, report.rejected, report.ignored) == (3, 3, 0, 0)
    kept = rows(database)
    assert [(r.module_id, r.item_id, r.objective_id, json.loads(r.skill_ids), r.verb, r.success, r.score_scaled, r.response)
            for r in kept] == [
        (MODULE_ID, "q1", "o1", ["fb-giving"], "answered", True, 1.0, "a"),
        (MODULE_ID, "q2", "o2", ["fb-giving"], "answered", False, 0.0, "c"),
        (MODULE_ID, None, "", ["fb-giving"], "failed", False, 0.5, None),
    ]
    assert [r.record_key for r in kept] == [s["id"] for s in statements]
    assert kept[0].occurred_at == NOW - timedelta(days=1)
    # One pseudonym per person, never the identifier itself.
    assert len({r.person for r in kept}) == 1 and len(kept[0].person) == 32
    stored = json.dumps([list(r) for r in kept], default=str) + json.dumps([list(r) for r in import_rows(database)], default=str)
    assert "sam.lee" not in stored
    (record,) = import_rows(database)
    assert (record.kind, record.source, record.imported_by, record.kept_count) == ("xapi", "statements.json", "lena", 3)
    assert len(record.sha256) == 64 and record.imported_at == NOW


def test_re_importing_the_same_file_changes_nothing(database, tmp_path):
    path = write_json_lines(tmp_path / "s.jsonl", [answered("q1", "sam", True), answered("q3", "ana", False)])
    signals = signals_on(database)
    first = signals.import_file(path, "xapi", "lena")
    again = signals.import_file(tmp_path / "s.jsonl", "xapi", "eric")
    assert again.already_imported and again.import_id == first.import_id and again.imported_by == "lena"
    assert len(rows(database)) == 2 and len(import_rows(database)) == 1
    # The same statements in another file are recognised by their ids: a new import, nothing new kept.
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps([json.loads(line) for line in path.read_text().splitlines()]), encoding="utf-8")
    third = signals.import_file(copy, "xapi", "lena")
    assert (third.kept, third.duplicates, third.already_imported) == (0, 2, False)
    assert len(rows(database)) == 2


def test_bad_statements_are_reported_by_line_and_the_good_ones_kept(database, tmp_path):
    no_actor = answered("q1", "sam", True)
    del no_actor["actor"]
    no_verb = answered("q1", "sam", True)
    del no_verb["verb"]
    too_high = answered("q2", "sam", True)
    too_high["result"]["score"]["scaled"] = 1.5
    future = answered("q3", "sam", True, when=NOW + timedelta(hours=2))
    lines = [
        answered("q1", "ana", True),      # 1 kept
        no_actor,                          # 2
        no_verb,                           # 3
        too_high,                          # 4
        future,                            # 5
        '{"id": "broken", "actor": ',      # 6 invalid JSON
        "",                                # 7 blank: skipped silently
        answered("q9", "ana", True),       # 8 unknown item of our course
        answered("q1", "ana", True, course=OTHER_COURSE),  # 9 another course: ignored
        module_result("passed", "ana", 0.9),  # 10 kept
    ]
    path = write_json_lines(tmp_path / "mixed.jsonl", lines)

    report = signals_on(database).import_file(path, "xapi", "lena")

    assert [(p.line, p.reason) for p in report.problems] == [
        (2, "the statement has no actor"),
        (3, "the statement has no verb"),
        (4, "result.score.scaled 1.5 is outside [-1, 1]"),
        (5, f"the timestamp {(NOW + timedelta(hours=2)).isoformat()} is in the future"),
        (6, "invalid JSON (Expecting value)"),
    ]
    assert report.unknown_ids == {f"{COURSE}/items/q9": 1}
    assert (report.read, report.kept, report.rejected, report.ignored) == (9, 2, 6, 1)
    assert [r.verb for r in rows(database)] == ["answered", "passed"]
    (record,) = import_rows(database)
    stored = json.loads(record.report)
    assert stored["problems"][0] == {"line": 2, "reason": "the statement has no actor"}
    assert stored["unknown_ids"] == [{"id": f"{COURSE}/items/q9", "count": 1}]


def test_an_empty_file_is_a_clear_error_and_nothing_is_recorded(database, tmp_path):
    signals = signals_on(database)
    for name, text, reason in (("empty.json", "", "the file is empty"), ("blank.json", " \n\n", "the file holds only white space"),
                               ("array.json", "[ ]", "the file holds an empty JSON array")):
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(SignalsInputInvalid) as error:
            signals.import_file(tmp_path / name, "xapi", "lena")
        assert str(error.value) == f"{name}: {reason}; nothing was imported"
    assert import_rows(database) == []


def test_a_crash_part_way_leaves_nothing_of_the_file(database, tmp_path, monkeypatch):
    """Batches are written inside the one transaction; a failure after some of them rolls every one back."""
    from workbench.signals import service, store

    monkeypatch.setattr(store, "BATCH_ROWS", 10)
    monkeypatch.setattr(service, "PROGRESS_EVERY", 25)
    statements = [answered(f"q{n % 4 + 1}", f"learner-{n}", n % 2 == 0) for n in range(35)]
    path = write_json_lines(tmp_path / "s.jsonl", statements)
    signals = signals_on(database)
    written = []
    original_write = store.SignalStore._write
    monkeypatch.setattr(store.SignalStore, "_write", lambda self, connection, import_id, batch, report: (
        written.append(len(batch)), original_write(self, connection, import_id, batch, report)))

    def crash(count):
        raise OSError("the process died")

    with pytest.raises(OSError, match="the process died"):
        signals.import_file(path, "xapi", "lena", progress=crash)
    assert written == [10, 10]  # two batches were in the database's transaction when it failed
    assert rows(database) == [] and import_rows(database) == []
    # The same file then imports in full.
    assert signals.import_file(path, "xapi", "lena").kept == 35


def test_a_file_that_is_not_utf8_is_refused_whole(database, tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(answered("q1", "ana", True)).encode() + b"\n" + '{"x": "caf\xe9"}\n'.encode("latin-1"))
    with pytest.raises(SignalsInputInvalid, match=r"^latin1.jsonl: not UTF-8 text \(invalid continuation byte\); nothing was imported$"):
        signals_on(database).import_file(path, "xapi", "lena")
    assert rows(database) == [] and import_rows(database) == []


def test_per_item_figures_are_shown_only_for_groups_of_at_least_n_people(database, tmp_path):
    statements = [answered("q1", f"person-{n}", n < 3) for n in range(5)]  # 5 people, 3 correct
    statements += [answered("q2", f"person-{n}", True) for n in range(4)]  # only 4 people
    path = write_json_lines(tmp_path / "s.jsonl", statements)
    signals = signals_on(database, min_group_size=5)
    signals.import_file(path, "xapi", "lena")
    aggregates = signals.item_aggregates()
    assert [(i.item_id, i.attempts, i.people, i.correct_share) for i in aggregates.items] == [("q1", 5, 5, 0.6)]
    assert aggregates.withheld == 1
    assert "person-" not in json.dumps(aggregates.as_dict())


