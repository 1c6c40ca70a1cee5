"""Signals page (lead): a file of learners' results is uploaded, reported on and kept; figures only for enough people."""

from __future__ import annotations

import json

import pytest

from tests.app.conftest import open_page, texts
from tests.support.drafts import clean_draft
from tests.support.signals import KEY, answered
from workbench.exports.banks import save_assessment_bank
from workbench.exports.cmi5 import course_activity_id

MODULE = "giving-feedback"  # the small library's module; the bank below gives it the clean draft's questions


@pytest.fixture
def published_questions(app_services, small_library):
    app_services.settings.signals_pseudonym_key = KEY
    save_assessment_bank(small_library, clean_draft().assessment.model_copy(update={"id": "feedback-check", "module_id": MODULE}))


def table(at, column: str):
    """The first table on the page that has this column (tables are not widgets: they have no key to find them by)."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def statements_file() -> bytes:
    course = course_activity_id(MODULE)
    statements = [answered("q1", f"learner-{n}", n < 4, course=course) for n in range(5)]  # 5 people: shown
    statements += [answered("q2", f"learner-{n}", True, course=course) for n in range(2)]  # 2 people: withheld
    statements.append({"actor": {"mbox": "mailto:x@example.org"}})  # line 8: no verb
    return "\n".join(json.dumps(s) for s in statements).encode()


def test_a_lead_uploads_statements_and_sees_what_was_kept_and_the_figures_of_large_enough_groups(people, app_services, published_questions):
    at = open_page("lee", "signals")
    assert not at.exception, at.exception
    at.file_uploader(key="wb_signals_file").set_value(("results.jsonl", statements_file(), "application/json"))
    at.run()
    at.button(key="wb_signals_import").click().run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Import 1 from results.jsonl: 7 new results kept, 0 already kept, 0 ignored, 1 not kept." in shown
    problems = table(at, "reason")
    assert problems.to_dict("records") == [{"line": 8, "reason": "the statement has no verb"}]
    imports = table(at, "source")
    assert imports[["import", "kind", "source", "by", "kept"]].to_dict("records") == [
        {"import": 1, "kind": "xapi", "source": "results.jsonl", "by": "lee", "kept": 7}]
    items = table(at, "objective")
    assert items[["module", "item", "attempts", "people", "correct"]].to_dict("records") == [
        {"module": MODULE, "item": "q1", "attempts": 5, "people": 5, "correct": 80}]
    assert "1 item(s) not shown: answered by fewer than 5 people." in shown
    assert "learner-" not in shown + json.dumps(items.to_dict("records"))

    at.button(key="wb_signals_import").click().run()
    assert "results.jsonl was already imported (import 1, " in texts(at)


def test_an_empty_upload_is_one_error_and_nothing_is_recorded(people, app_services, published_questions):
    at = open_page("lee", "signals")
    at.file_uploader(key="wb_signals_file").set_value(("empty.csv", b"", "text/csv"))
    at.run()
    at.radio(key="wb_signals_kind").set_value("scorm-csv").run()
    at.button(key="wb_signals_import").click().run()
    assert len(at.error) == 1 and "empty.csv: the file is empty; nothing was imported" in texts(at)
    assert app_services.signals.imports() == []


def test_only_leads_open_the_signals_page(people):
    at = open_page("ann", "home")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/signals.py")


def test_a_market_trend_upload_lists_each_label_matched_by_meaning_and_those_left_unmatched(people, app_services):
    data = "skill,period,count\nfeedback giving,2026-01,30\nwelding,2026-01,4\nai-prompting,2026-01,12\n".encode()
    at = open_page("lee", "signals")
    at.radio(key="wb_signals_kind").set_value("market-trend").run()
    at.file_uploader(key="wb_signals_file").set_value(("postings.csv", data, "text/csv"))
    at.run()
    at.button(key="wb_signals_import").click().run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Import 1 from postings.csv: 2 new results kept, 0 already kept, 0 ignored, 1 not kept." in shown
    matches = table(at, "confidence")
    assert list(matches["label"]) == ["feedback giving", "welding"]
    assert list(matches["kept"]) == ["yes", "no: unmatched"]
    assert matches["closest skill"].iloc[0].endswith("(fb-giving)")
    assert "1 skill label(s) unknown or unmatched (their rows were not kept): welding" in shown
