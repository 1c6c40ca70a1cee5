"""Governance checks per LLM call: a governed call against the same call without governance, same run.

Both sides make the same structured call through the fake provider (scripted reply, no model), with
the generation log in the same SQLite database. The governed side first asks governance for the
route — the use's endpoint and its status, the AI-use policy acceptance, the person's and their
team's token budgets summed from the generation log (5,000 earlier calls of the team this month) —
then holds a concurrency slot for the person and one for the team (lock files) while it calls. That is the worst case a lead can configure: every check on.

Each round makes CALLS pairs of calls, governed then raw (raw then governed in the next round).
Prints the min and median per-call time of each side, the checks' own time, the median of the
pairs' differences and the goal: governance adds at most 5 ms per call. The generation log's
synchronous write dominates both sides and its time varies a lot on a loaded machine; pairing
calls keeps that drift out of the difference. The CPU time of each side (thread time, which a busy
machine does not stretch) says what the checks cost before the scheduler multiplies it: on a
machine whose load is ten times its cores, a millisecond of CPU takes several of wall time.
Run: python bench/bench_governance.py   (BENCH_GOVERNANCE_ROUNDS=N, default 6)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from workbench.bootstrap import bootstrap  # noqa: E402
from workbench.llm.check import LLMCheckReply  # noqa: E402
from workbench.llm.generation_log import GenerationRecord, generation_log  # noqa: E402
from workbench.settings import Settings  # noqa: E402

GOAL_MS = 5.0
CALLS = 50
ROUNDS = int(os.environ.get("BENCH_GOVERNANCE_ROUNDS", "6"))
REPLY = {"topic": "active listening", "tip": "Summarise what you heard before you answer."}
PASSWORD = "a long bench password"
HISTORY = 5_000


def setup(root: Path):
    """Services with every governance check switched on for `ana`, and a history of 5,000 logged calls."""
    settings = Settings(library_dir=root / "library", data_dir=root / "data", llm_provider="fake", llm_max_retries=0)
    (root / "library").mkdir()
    services = bootstrap(settings, password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    accounts, governance = services.accounts, services.governance
    accounts.add_user("lena", PASSWORD, ["lead"])
    for name in ("ana", "bo", "cy"):
        accounts.add_user(name, PASSWORD, ["author"], actor="lena")
        governance.add_team_member("lena", "enablement", name)
    governance.set_budget("lena", "user", "ana", tokens_per_day=10**9, tokens_per_month=10**10, concurrent=4)
    governance.set_budget("lena", "team", "enablement", tokens_per_day=10**9, tokens_per_month=10**10, concurrent=8)
    version = governance.publish_policy("lena", "# AI at work\n\nPeople review every draft.")
    governance.accept_policy("ana", version.version)
    # Usage history the budget sums read through: a busy month for a small team, spread from the start
    # of the month to ten minutes ago (at least 3,000 of the rows fall into today, whatever the date).
    now = datetime.now(timezone.utc)
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    span = max(now - timedelta(minutes=10) - month, timedelta(minutes=1))
    rows = []
    for number in range(HISTORY):
        record = asdict(GenerationRecord("llm_check", 1, "0" * 64, "fake", "fake", actor=("ana", "bo", "cy")[number % 3],
                                         use="drafting", endpoint="default", prompt_tokens=100, completion_tokens=50).safe())
        rows.append({**record, "parameters": "{}", "at": month + span * (number / HISTORY)})
    services.database.run_write(lambda connection: connection.execute(insert(generation_log), rows))
    return services


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-governance-") as temp:
        services = setup(Path(temp))
        llm, fake, prompt, governance = services.llm, services.llm.fake, services.prompts.get("llm_check"), services.governance
        checks_ms: list[float] = []

        def raw() -> None:
            fake.enqueue(REPLY)
            llm.structured(prompt, {"topic": "active listening"}, LLMCheckReply)

        def governed() -> None:
            fake.enqueue(REPLY)
            started = time.perf_counter()
            route = governance.route("drafting", "ana")
            slot = route.generation()
            slot.__enter__()
            checked = time.perf_counter()
            try:
                route.llm.structured(prompt, {"topic": "active listening"}, LLMCheckReply)
            finally:
                released = time.perf_counter()
                slot.__exit__(None, None, None)
                checks_ms.append((checked - started + time.perf_counter() - released) * 1000)

        cpu: dict[str, list[float]] = {"governed": [], "raw": []}

        def timed(work) -> float:
            started, started_cpu = time.perf_counter(), time.thread_time()
            work()
            cpu["governed" if work is governed else "raw"].append((time.thread_time() - started_cpu) * 1000)
            return (time.perf_counter() - started) * 1000

        for _ in range(5):  # warm up: imports, schema caches, connection pool
            raw(), governed()
        checks_ms.clear()
        cpu["governed"].clear(), cpu["raw"].clear()
        load_before = os.getloadavg()[0]
        samples: dict[str, list[float]] = {"governed": [], "raw": []}
        differences: list[float] = []
        for round_number in range(ROUNDS):
            for _ in range(CALLS):
                # One pair per step, its order alternating by round: the machine's load drifts slower than a pair.
                if round_number % 2 == 0:
                    governed_ms, raw_ms = timed(governed), timed(raw)
                else:
                    raw_ms, governed_ms = timed(raw), timed(governed)
                samples["governed"].append(governed_ms)
                samples["raw"].append(raw_ms)
                differences.append(governed_ms - raw_ms)
        governed_ms, raw_ms = samples["governed"], samples["raw"]
        added = statistics.median(differences)
        print(f"rounds: {ROUNDS} x {CALLS} pairs (governed, raw), order alternating by round; fake provider, SQLite, "
              f"{HISTORY:,} logged calls this month; load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
              f"({os.cpu_count()} cores)")
        print(f"governed call   min {min(governed_ms):7.2f} ms   median {statistics.median(governed_ms):7.2f} ms")
        print(f"raw call        min {min(raw_ms):7.2f} ms   median {statistics.median(raw_ms):7.2f} ms")
        print(f"the checks themselves (route + slot, timed inside the governed call): min {min(checks_ms):5.2f} ms, "
              f"median {statistics.median(checks_ms):5.2f} ms")
        cpu_added = statistics.median(cpu["governed"]) - statistics.median(cpu["raw"])
        print(f"CPU per call    governed median {statistics.median(cpu['governed']):5.2f} ms, raw median "
              f"{statistics.median(cpu['raw']):5.2f} ms: governance costs {cpu_added:5.2f} ms of CPU per call")
        print(f"difference of the minimums: {min(governed_ms) - min(raw_ms):5.2f} ms")
        verdict = "ok" if added <= GOAL_MS else "over goal"
        print(f"governance adds {added:6.2f} ms per call (median of the pairs' differences); "
              f"ratio {statistics.median(governed_ms) / statistics.median(raw_ms):5.2f}x   (goal <= {GOAL_MS:.0f} ms: {verdict})")
        services.database.dispose()
        return 0


if __name__ == "__main__":
    sys.exit(main())
