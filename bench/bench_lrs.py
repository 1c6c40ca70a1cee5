"""Import of 10,000 statements from a real LRS: `LrsClient.fetch_statements` against the raw paged HTTP fetch.

ralph (file-system backend) runs on loopback from its own venv (.workbench/tools/ralph-venv, made by
.ci/run); 10,000 statements of one course are stored through its statements API (not timed). Each
round then reads them all twice, in alternating order: "raw" is httpx GETting the statements
resource and following `more` until the end, parsing each page's JSON; "client" is the workbench's
LrsClient doing the same pages plus its checks (activity filtering, de-duplication, cursor,
`since` handling). Both use pages of 500. Median of BENCH_LRS_ROUNDS (default 3). Goal: at most 1.5x.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.lrs_support import ralph_missing_reason, running_ralph  # noqa: E402
from workbench.exports.lrs_client import LrsClient, LrsCredentials  # noqa: E402

COURSE = "https://ld-workbench.invalid/xapi/courses/bench-course"
STATEMENTS = 10_000
PAGE_SIZE = 500
GOAL = 1.5


def _statements(count: int) -> list[dict]:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return [{
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example.org", "name": f"learner-{n % 300}"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"objectType": "Activity", "id": f"{COURSE}/items/q{n % 40 + 1}"},
        "result": {"success": n % 3 != 0, "score": {"scaled": (n % 5) / 4}},
        "context": {"registration": str(uuid.uuid4()), "contextActivities": {"grouping": [{"id": COURSE}]}},
        "timestamp": (start + timedelta(seconds=n)).isoformat(),
    } for n in range(count)]


def raw_fetch(server) -> int:
    """The raw paged fetch: GET, follow `more`, parse JSON; returns the number of statements."""
    count = 0
    with httpx.Client(auth=(server.username, server.password), headers={"X-Experience-API-Version": "1.0.3"}, timeout=120) as client:
        url = f"{server.statements_url}?limit={PAGE_SIZE}"
        while url:
            page = client.get(url).raise_for_status().json()
            count += len(page["statements"])
            url = str(httpx.URL(server.endpoint).join(page["more"])) if page.get("more") and page["statements"] else ""
    return count


def client_fetch(server) -> int:
    """The workbench's import read: every page, filtered to the course, with its cursor."""
    credentials = LrsCredentials(server.username, SecretStr(server.password))
    with LrsClient(server.endpoint, credentials, page_size=PAGE_SIZE, timeout_seconds=120) as client:
        return len(client.fetch_statements([COURSE]).statements)


def main() -> int:
    """Load the LRS, time both reads in alternating rounds, print the ratio."""
    reason = ralph_missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    rounds = int(os.environ.get("BENCH_LRS_ROUNDS", "3"))
    with tempfile.TemporaryDirectory() as work, running_ralph(Path(work), page_size=PAGE_SIZE) as server:
        statements = _statements(STATEMENTS)
        with httpx.Client(auth=(server.username, server.password), headers={"X-Experience-API-Version": "1.0.3"}, timeout=120) as http:
            for start in range(0, len(statements), 1000):
                http.post(server.statements_url, json=statements[start:start + 1000]).raise_for_status()
        timings: dict[str, list[float]] = {"raw": [], "client": []}
        for round_number in range(rounds):
            order = [("raw", raw_fetch), ("client", client_fetch)]
            for name, read in order if round_number % 2 == 0 else reversed(order):
                started = time.perf_counter()
                count = read(server)
                timings[name].append(time.perf_counter() - started)
                if count != STATEMENTS:
                    print(f"{name} read {count} statements, expected {STATEMENTS}")
                    return 1
        raw, ours = statistics.median(timings["raw"]), statistics.median(timings["client"])
        ratio = ours / raw
        verdict = "ok" if ratio <= GOAL else "OVER GOAL"
        print(f"rounds: {rounds}; raw {', '.join(f'{t:.2f}' for t in timings['raw'])} s; client {', '.join(f'{t:.2f}' for t in timings['client'])} s")
        print(f"import {STATEMENTS:,} statements ({STATEMENTS // PAGE_SIZE} pages)   client {ours:7.2f} s   raw paged fetch {raw:7.2f} s   "
              f"ratio {ratio:5.2f}x   (goal <= {GOAL}x: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
