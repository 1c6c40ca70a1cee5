"""100,000 statements through `workbench signals import`: all kept, progress on stderr, memory flat (streamed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.drafts import clean_draft
from tests.support.signals import KEY, answered
from workbench.exports.banks import save_assessment_bank
from workbench.exports.cmi5 import course_activity_id

MODULE = "fb-coaching-with-grow"
STATEMENTS = 100_000
PROJECT_ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_a_hundred_thousand_statements_are_streamed_with_progress_and_flat_memory(sample_library, tmp_path):
    save_assessment_bank(sample_library, clean_draft().assessment.model_copy(update={"id": "grow-check", "module_id": MODULE}))
    course = course_activity_id(MODULE)
    template = answered("q1", "learner", True, course=course)
    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as stream:  # a JSON array, as one LRS export
        stream.write("[\n")
        for n in range(STATEMENTS):
            template["id"] = f"00000000-0000-4000-8000-{n:012d}"
            template["actor"]["account"]["name"] = f"learner-{n % 500}"
            template["object"]["id"] = f"{course}/items/q{n % 4 + 1}"
            stream.write(("," if n else "") + json.dumps(template) + "\n")
        stream.write("]\n")

    big = run_import(path, sample_library, tmp_path / "data")
    report = json.loads(big.stdout)
    assert (report["read"], report["kept"], report["rejected"]) == (STATEMENTS, STATEMENTS, 0)
    assert [line for line in big.stderr.splitlines() if line.startswith("read ")] == [
        f"read {count:,} records…" for count in range(10_000, STATEMENTS + 1, 10_000)]

    # Memory: the same command on a file of 100 statements peaks within a few MB of the 100,000 one (a 60+ MB file).
    small_path = tmp_path / "small.json"
    small_path.write_text(json.dumps([json.loads(line.rstrip(",\n").lstrip(",")) for line in path.open().readlines()[1:101]]))
    small = run_import(small_path, sample_library, tmp_path / "data-small")
    assert json.loads(small.stdout)["kept"] == 100
    assert path.stat().st_size > 60e6
    assert peak_mb(big) - peak_mb(small) < 40, (peak_mb(big), peak_mb(small))


def run_import(path: Path, library: Path, data_dir: Path) -> subprocess.CompletedProcess:
    """`workbench signals import PATH --kind xapi --json` in its own process, which reports its peak memory on exit."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "WORKBENCH_SIGNALS_PSEUDONYM_KEY": KEY.get_secret_value()}
    code = ("import atexit, resource, sys; atexit.register(lambda: print('peak-kb', resource.getrusage(resource.RUSAGE_SELF)"
            ".ru_maxrss, file=sys.stderr)); from workbench.cli import main; main()")
    result = subprocess.run([sys.executable, "-c", code, "--library", str(library), "--data-dir", str(data_dir),
                             "signals", "import", str(path), "--kind", "xapi", "--json"],
                            env=env, capture_output=True, text=True, timeout=550)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def peak_mb(result: subprocess.CompletedProcess) -> float:
    """The peak resident memory the import process reported, in MB."""
    line = next(line for line in result.stderr.splitlines() if line.startswith("peak-kb "))
    return int(line.split()[1]) / 1024
