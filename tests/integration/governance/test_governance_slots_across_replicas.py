"""On PostgreSQL a concurrency slot is an advisory lock: a generation on another replica counts, and a killed one gives its slot back."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.replies import queue_draft
from workbench.errors import BudgetExceeded

pytestmark = pytest.mark.postgres
PROJECT_ROOT = Path(__file__).resolve().parents[3]

# Another replica in the middle of one of ana's generations: it holds her slot until told or killed.
REPLICA = textwrap.dedent("""
    import sys
    from sqlalchemy import create_engine
    from workbench.governance.slots import AdvisorySlots

    slots = AdvisorySlots(create_engine(sys.argv[1]))
    held = slots.take("user:ana", 1)
    print("held" if held else "refused", flush=True)
    sys.stdin.readline()
""")


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_a_generation_on_another_replica_takes_the_slot_until_its_process_ends(services, brief, database):
    services.governance.set_budget("lena", "user", "ana", concurrent=1)
    url = database.url.render_as_string(hide_password=False)
    replica = subprocess.Popen([sys.executable, "-c", REPLICA, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    try:
        assert replica.stdout.readline().strip() == "held"
        with pytest.raises(BudgetExceeded, match="ana already has 1 generation running, the limit is 1; wait for one to finish"):
            services.drafting.create_draft("ana", brief)
        assert services.llm.fake.history == []
        services.governance.set_budget("lena", "user", "bo", concurrent=1)
        queue_draft(services, brief)
        services.drafting.create_draft("bo", brief)  # another person's slot is free
    finally:
        replica.kill()  # SIGKILL: its session ends on the server, and the lock with it
        replica.wait()
    queue_draft(services, brief)
    assert services.drafting.create_draft("ana", brief).draft_id
