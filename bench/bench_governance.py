"""Governance checks per LLM call: a governed call against the same call without governance, same run.

Both sides make the same structured call through the fake provider (scripted reply, no model), with
the generation log in the same SQLite database. The governed side first asks governance for the
route — the use's endpoint and its status, the AI-use policy acceptance, the person's and their
team's token budgets summed from the generation log (5,000 earlier calls of the team this month) —
then holds a concurrency slot for the person and one for the team (lock files) while it calls. That is the worst case a lead can configure: every check on.

Rounds alternate governed / raw (then raw / governed); each round makes CALLS calls. Prints the
min and median per-call time of each side, the difference and the goal: governance adds at most
5 ms per call. Run: python bench/bench_governance.py   (BENCH_GOVERNANCE_ROUNDS=N, default 6)
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


def per_call_ms(work, calls: int) -> list[float]:
    """Wall time of each of `calls` calls, in milliseconds."""
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-governance-") as temp:
        services = setup(Path(temp))
        llm, fake, prompt, governance = services.llm, services.llm.fake, services.prompts.get("llm_check"), services.governance

        def raw() -> None:
            fake.enqueue(REPLY)
            llm.structured(prompt, {"topic": "active listening"}, LLMCheckReply)

        def governed() -> None:
            fake.enqueue(REPLY)
            route = governance.route("drafting", "ana")
            with route.generation():
                route.llm.structured(prompt, {"topic": "active listening"}, LLMCheckReply)

        for work in (raw, governed):  # warm up: imports, schema caches, connection pool
            per_call_ms(work, 5)
        samples: dict[str, list[float]] = {"governed": [], "raw": []}
        for round_number in range(ROUNDS):
            order = (("governed", governed), ("raw", raw)) if round_number % 2 == 0 else (("raw", raw), ("governed", governed))
            for name, work in order:
                samples[name] += per_call_ms(work, CALLS)
        governed_ms, raw_ms = samples["governed"], samples["raw"]
        added = statistics.median(governed_ms) - statistics.median(raw_ms)
        print(f"rounds: {ROUNDS} x {CALLS} calls each side, alternating; fake provider, SQLite, 5,000 logged calls")
        print(f"governed call   min {min(governed_ms):7.2f} ms   median {statistics.median(governed_ms):7.2f} ms")
        print(f"raw call        min {min(raw_ms):7.2f} ms   median {statistics.median(raw_ms):7.2f} ms")
        verdict = "ok" if added <= GOAL_MS else "over goal"
        print(f"governance adds {added:6.2f} ms per call (median), {min(governed_ms) - min(raw_ms):6.2f} ms (min); "
              f"ratio {statistics.median(governed_ms) / statistics.median(raw_ms):5.2f}x   (goal <= {GOAL_MS:.0f} ms: {verdict})")
        services.database.dispose()
        return 0


if __name__ == "__main__":
    sys.exit(main())
