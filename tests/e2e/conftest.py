"""Browser tests: each test's outcome is kept on its item, so page fixtures can save what a failed test saw."""

from __future__ import annotations

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember the call phase's report as `item.call_report` (read by the page fixtures' teardown)."""
    report = yield
    if report.when == "call":
        item.call_report = report
    return report
