"""Scripted learners take our SCORM 1.2 package in headless Chromium (scorm-again as the LMS runtime); the
interaction records the package reports, imported as an LMS's CSV, give the item statistics a hand computation gives."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.e2e.lms_support import build_lms_site, chromium, sample_content, serve_directory
from tests.support.signals import signals_on
from workbench.exports.service import ExportFormat, render_export, source_from_draft
from workbench.signals.catalog import ResultCatalog
from workbench.signals.item_analysis import ItemRules

pytestmark = pytest.mark.browser

# Who gets q1 (single choice), q3 (true/false) and q4 (fill-in) right; q2 and q5 everyone gets right.
SCRIPT = {"L0": (1, 1, 1), "L1": (1, 1, 0), "L2": (1, 0, 1), "L3": (0, 1, 0), "L4": (0, 0, 0), "L5": (1, 0, 0)}


def take_quiz(frame, q1: int, q3: int, q4: int) -> None:
    """Answer as scripted: q1 'a' (right) or 'b' (wrong, no credit); q3 False (right) or True; q4 'SBI' or 'GROW'."""
    frame.locator(f"input[name='q1'][value='{0 if q1 else 1}']").check()
    frame.locator("input[name='q2'][value='0']").check()
    frame.locator("input[name='q2'][value='1']").check()
    frame.locator(f"input[name='q3'][value='{1 if q3 else 0}']").check()
    frame.locator("input[name='q4']").fill("SBI" if q4 else "GROW")
    frame.locator("input[name='q5'][value='0']").check()
    frame.locator("input[name='q5'][value='1']").check()
    frame.locator("#submit-quiz").click()


def hand_point_biserial(x: list[int], rest: list[int]) -> float:
    """Pearson's r written out: sum of products of deviations over the root of the product of sums of squares."""
    n = len(x)
    mx, my = sum(x) / n, sum(rest) / n
    products = sum((a - mx) * (b - my) for a, b in zip(x, rest))
    return products / (sum((a - mx) ** 2 for a in x) * sum((b - my) ** 2 for b in rest)) ** 0.5


def test_item_statistics_of_learners_who_took_the_exported_package_match_a_hand_computation(database, tmp_path: Path):
    content = sample_content()
    source = source_from_draft(content)
    export = render_export(source, ExportFormat.SCORM12, 80)
    site = build_lms_site(tmp_path / "site", ExportFormat.SCORM12.value, export.data)
    rows = []
    with chromium() as browser, serve_directory(site) as base_url:
        for learner, answers in SCRIPT.items():
            page = browser.new_page()
            page.goto(f"{base_url}/lms.html")
            frame = page.frame_locator("#course").frame_locator("iframe")
            frame.locator("body[data-lms='connected']").wait_for(timeout=15_000)
            take_quiz(frame, *answers)
            frame.locator("#quiz-result .recorded").wait_for(timeout=15_000)
            interactions = page.evaluate("window.cmiSnapshot()")["interactions"]
            for index in range(len(interactions)):
                record = interactions[str(index)]
                rows.append([learner, source.source_id, record["id"], record["result"], record["student_response"],
                             "2026-11-29", record["time"]])
            page.close()
    path = tmp_path / "interactions.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["learner_id", "module_id", "cmi.interactions.n.id", "cmi.interactions.n.result",
                         "cmi.interactions.n.student_response", "date", "cmi.interactions.n.time"])
        writer.writerows(rows)

    catalog = ResultCatalog.from_sources([(source, ("fb-giving",))])
    signals = signals_on(database, catalog=catalog, min_group_size=5)
    report = signals.import_file(path, "scorm-csv", "lena")
    assert (report.read, report.kept, report.rejected) == (30, 30, 0), (report.problems[:3], report.unknown_ids)
    signals.item_rules = ItemRules(min_attempts=5)
    items = {item.item_id: item for item in signals.item_analysis(source.source_id).items}

    scripted = {"q1": [a[0] for a in SCRIPT.values()], "q2": [1] * 6, "q3": [a[1] for a in SCRIPT.values()],
                "q4": [a[2] for a in SCRIPT.values()], "q5": [1] * 6}
    totals = [sum(scripted[item][n] for item in scripted) for n in range(6)]
    for item_id, x in scripted.items():
        assert items[item_id].attempts == 6
        assert items[item_id].difficulty == pytest.approx(sum(x) / 6)
        rest = [total - score for total, score in zip(totals, x)]
        expected = None if len(set(x)) == 1 else hand_point_biserial(x, rest)
        assert items[item_id].discrimination == pytest.approx(expected), item_id
    # q1's options as the package reported them: 'a' (the key) by 4 of 6, 'b' by 2
    assert [(o.response, o.key, o.share) for o in items["q1"].options] == [("a", True, pytest.approx(4 / 6)), ("b", False, pytest.approx(2 / 6))]
    assert [f.code for f in items["q2"].flags] == ["too_easy"]  # everyone right, and enough answers for the test's rules
