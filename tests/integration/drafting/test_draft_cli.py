"""The `workbench draft` and `workbench checks` commands: JSON out, one clear line on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.people import PASSWORD
from tests.support.replies import queue_draft

WORKBENCH = Path(sys.executable).with_name("workbench")


def run_cli(*args: str, data_dir: Path, library: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "WORKBENCH_LLM_PROVIDER": "fake", "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [str(WORKBENCH), "--library", str(library), "--data-dir", str(data_dir), *args],
        input=stdin, capture_output=True, text=True, timeout=300, env=env,
    )


def test_checks_prints_the_stored_drafts_findings_as_json(services, brief, library):
    """`workbench checks ID --json` re-runs the checks on the stored draft."""
    queue_draft(services, brief)
    result = services.drafting.create_draft("ana", brief)
    completed = run_cli("checks", str(result.draft_id), "--json", data_dir=services.settings.data_dir, library=library)
    assert completed.returncode == 0, completed.stderr
    findings = json.loads(completed.stdout)
    assert findings == [f.model_dump(mode="json") for f in result.findings]


def test_bad_input_is_one_line_and_a_non_zero_exit(services, library, tmp_path):
    """Unknown draft, unknown skill, missing brief: one error line each, no traceback."""
    data_dir = services.settings.data_dir
    skills = Path(__file__).resolve().parents[3] / "content_library" / "skills.yaml"
    cases = [
        (("checks", "9999"), "no draft with id 9999"),
        (("draft", "--skill", "lead-delegaton", "--skills", str(skills), "--as", "ana", "--password-stdin"), "did you mean: lead-delegation"),
        (("draft", "--brief", str(tmp_path / "missing.yaml"), "--as", "ana", "--password-stdin"), "does not exist"),
        (("draft", "--as", "ana"), "give --skill ID"),
    ]
    for args, expected in cases:
        completed = run_cli(*args, data_dir=data_dir, library=library, stdin=PASSWORD + "\n")
        assert completed.returncode != 0, args
        assert expected in completed.stderr, (args, completed.stderr)
        assert "Traceback" not in completed.stderr
