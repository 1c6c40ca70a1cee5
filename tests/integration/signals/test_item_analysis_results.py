"""Item analysis over imported answers: first answers only, figures as computed by hand, flags on enough people."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.signals import MODULE_ID, NOW, answered, signals_on, write_json_lines
from tests.unit.signals.test_item_analysis import ANSWERS


def statements(copies: int) -> list[dict]:
    """The unit test's five scripted people, `copies` times over (copies keep p and r as they are)."""
    day = NOW - timedelta(days=2)
    return [answered(item, f"{person}-{copy}", correct, when=day, response=response)
            for copy in range(copies) for person, item, correct, response in ANSWERS]


def test_imported_answers_give_the_hand_computed_figures_and_a_retake_does_not_count(database, tmp_path):
    retakes = [answered("q3", f"{person}-0", True, when=NOW - timedelta(days=1), response="c") for person in "AE"]
    path = write_json_lines(tmp_path / "answers.jsonl", statements(6) + retakes)
    signals = signals_on(database)
    signals.import_file(path, "xapi", "lena")
    analysis = signals.item_analysis(MODULE_ID)
    items = {item.item_id: item for item in analysis.items}
    assert [(i, s.attempts, s.difficulty) for i, s in items.items()] == [("q1", 30, 0.6), ("q2", 30, 0.4), ("q3", 30, 0.6)]
    assert items["q1"].discrimination == pytest.approx(1 / 2.4 ** 0.5)
    assert items["q3"].discrimination == pytest.approx(0.0, abs=1e-9)
    assert [item.item_id for item in analysis.flagged] == ["q3"]  # 30 answers: enough to flag
    assert [f.code for f in items["q3"].flags] == ["non_discriminating"]
    assert signals.analysed_modules() == [MODULE_ID]


def test_items_answered_by_fewer_than_the_minimum_group_are_withheld(database, tmp_path):
    signals = signals_on(database, min_group_size=6)
    signals.import_file(write_json_lines(tmp_path / "few.jsonl", statements(1)), "xapi", "lena")  # 5 people
    analysis = signals.item_analysis(MODULE_ID)
    assert (analysis.items, analysis.withheld) == ([], 3)
