"""The server imports what a first visit needs as it starts; serving a gap report needs no scikit-learn."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[3]


def imported_after(code: str) -> set[str]:
    """The top-level modules a fresh interpreter holds after running `code`."""
    script = code + "\nimport sys\nprint(' '.join(sorted({name.split('.')[0] for name in sys.modules})))\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True,
                          env={**os.environ, "PYTHONPATH": str(PROJECT)})
    return set(done.stdout.split())


def test_the_warm_up_imports_the_index_client_and_the_gap_service_but_not_what_only_computing_needs():
    modules = imported_after("from workbench.app.warm_up import warm_up_in_background\nwarm_up_in_background().join()")
    assert {"chromadb", "workbench", "pandas", "pyarrow"} <= modules
    assert "sklearn" not in modules, "scikit-learn is imported only to compute a report"


def test_a_module_that_fails_to_import_is_logged_and_the_rest_still_imported():
    modules = imported_after("import logging\nlogging.basicConfig()\nfrom workbench.app.warm_up import warm_up_in_background\n"
                             "warm_up_in_background(('no_such_module_here', 'colorsys')).join()")
    assert "colorsys" in modules and "no_such_module_here" not in modules
