"""Two replicas on one PostgreSQL: 2 processes x 10 concurrent reviewers x 50 actions through the review services.

Each reviewer makes 50 actions (comments and sign-offs on drafts shared by everyone, sign-offs on
drafts of their own, requests for changes on shared drafts), all at once with the other 19, from two
processes that each built their own services (as two `workbench serve` replicas do). Afterwards:
  * lost updates: every accepted comment, sign-off and request for changes is in the database exactly
    as accepted, and nothing else is (compared row by row with what the services returned);
  * errors surfaced to a user: anything but the policy's named refusals (a sign-off on a dimension
    another reviewer just signed, a draft that went back to its author) counts, DatabaseBusy included;
  * `audit verify` on each replica (its own checkpoint) and the number of audit rows per action.
The same 1,000 actions made by one process, one at a time, on a fresh schema, are the reference: the
median time per action of each side and their ratio are printed, in alternating rounds.
Run: python bench/bench_replicas.py   (BENCH_ROUNDS=N, default 2)
"""

from __future__ import annotations

import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from review.errors import DatabaseBusy, ReviewError  # noqa: E402
from review.tables import audit_log, comments, drafts, sign_offs, users  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
REPLICAS, REVIEWERS_PER_REPLICA, ACTIONS = 2, 10, 50
SHARED_DRAFTS, OWN_DRAFTS = 10, 10
DIMENSIONS = ("accuracy", "cultural", "ethics")
POSTGRES_URL = os.environ.get("WORKBENCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "unit" / "exports" / "data" / "sample_draft.json"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _services(url: str, data_dir: Path):
    """The workbench's own composition root on the shared database, with a data dir of its own (a replica)."""
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    settings = Settings(library_dir=data_dir / "library", data_dir=data_dir, database_url=url, llm_provider="fake")
    return bootstrap(settings, password_hasher=FAST_HASHER)


def reviewers() -> list[tuple[str, str]]:
    """(user name, dimension) of the 20 reviewers, the dimensions taken in turn."""
    return [(f"rev{n:02d}", DIMENSIONS[n % 3]) for n in range(REPLICAS * REVIEWERS_PER_REPLICA)]


def seed(url: str, data_dir: Path) -> dict:
    """People, 10 shared drafts and 10 drafts per reviewer, all in review (not timed)."""
    import json

    from workbench.domain.drafts import DraftContent
    from workbench.library.draft_file import render_draft_file

    services = _services(url, data_dir)
    services.accounts.add_user("lena", "bench password 1", ["lead"])
    services.accounts.add_user("alice", "bench password 1", ["author"], actor="lena")
    for name, dimension in reviewers():
        services.accounts.add_user(name, "bench password 1", [f"{dimension}_reviewer"], actor="lena")
    content = json.loads(SAMPLE.read_text(encoding="utf-8"))
    markdown = render_draft_file(DraftContent.model_validate(content))

    def in_review(title: str) -> int:
        draft = services.lifecycle.create_draft("alice", title=title, content={**content}, markdown=markdown, findings=[],
                                                skill_ids=["feedback"])
        return services.lifecycle.submit("alice", draft.id, draft.revision).id

    shared = [in_review(f"Shared draft {n}") for n in range(SHARED_DRAFTS)]
    own = {name: [in_review(f"{name} draft {n}") for n in range(OWN_DRAFTS)] for name, _ in reviewers()}
    services.database.dispose()
    return {"shared": shared, "own": own}


def plan(drafts_of: dict, seed_value: int) -> dict[str, list[tuple]]:
    """Each reviewer's 50 actions, shuffled: 25 comments, 10 shared and 10 own sign-offs, 5 requests for changes."""
    chooser = random.Random(seed_value)
    plans = {}
    for name, dimension in reviewers():
        actions = [("comment", chooser.choice(drafts_of["shared"]), f"{name} note {k}") for k in range(25)]
        actions += [("sign_off", chooser.choice(drafts_of["shared"]), dimension) for _ in range(10)]
        actions += [("sign_off", draft, dimension) for draft in drafts_of["own"][name]]
        actions += [("request_changes", chooser.choice(drafts_of["shared"]), f"{name} asks for changes {k}") for k in range(5)]
        chooser.shuffle(actions)
        plans[name] = actions
    return plans


def _act(services, name: str, action: tuple) -> tuple[str, str]:
    """Run one action as the app would; ('accepted' | 'refused' | 'error', what was said)."""
    kind, draft_id, argument = action
    try:
        if kind == "comment":
            services.lifecycle.comment(name, draft_id, argument)
        elif kind == "sign_off":
            services.lifecycle.sign_off(name, draft_id, argument, 1)
        else:
            services.lifecycle.request_changes(name, draft_id, 1, argument)
        return "accepted", ""
    except DatabaseBusy as error:
        return "error", f"DatabaseBusy: {error}"
    except ReviewError as error:  # the policy's named refusals: what a reviewer is told, and right to be told
        return "refused", f"{type(error).__name__}: {error}"
    except Exception as error:  # noqa: BLE001 - anything else would reach the user as a failure
        return "error", f"{type(error).__name__}: {error}"


def replica(url: str, data_dir: str, plans: dict, ready, go, results) -> None:
    """One replica process: its own services, one thread per reviewer, all started together."""
    services = _services(url, Path(data_dir))
    services.review_queries.get_draft(1)  # connect and warm up before the clock starts
    found: list = []
    lock = threading.Lock()

    def reviewer(name: str) -> None:
        for action in plans[name]:
            started = time.perf_counter()
            outcome, said = _act(services, name, action)
            with lock:
                found.append((name, action, outcome, said, time.perf_counter() - started))

    threads = [threading.Thread(target=reviewer, args=(name,)) for name in plans]
    ready.set()
    go.wait()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    verified = services.audit_trail.verify()
    services.database.dispose()
    results.put((found, verified.ok, verified.problem))


def run_replicas(url: str, root: Path, plans: dict) -> tuple[list, list[tuple[bool, str]], float]:
    """Two replica processes, ten reviewers each, released at the same moment."""
    context = multiprocessing.get_context("spawn")
    names = list(plans)
    go, results = context.Event(), context.Queue()
    processes, readies = [], []
    for index in range(REPLICAS):
        mine = {name: plans[name] for name in names[index::REPLICAS]}
        ready = context.Event()
        process = context.Process(target=replica, args=(url, str(root / f"replica-{index}"), mine, ready, go, results))
        process.start()
        processes.append(process)
        readies.append(ready)
    for ready in readies:
        ready.wait(300)
    started = time.perf_counter()
    go.set()
    gathered = [results.get(timeout=900) for _ in processes]
    wall = time.perf_counter() - started
    for process in processes:
        process.join()
    return [row for found, _, _ in gathered for row in found], [(ok, problem) for _, ok, problem in gathered], wall


def run_one_process(url: str, root: Path, plans: dict) -> tuple[list, list[tuple[bool, str]], float]:
    """The same actions from one process, one after another (reviewers in turn)."""
    services = _services(url, root / "single")
    services.review_queries.get_draft(1)
    found = []
    started = time.perf_counter()
    for step in range(ACTIONS):
        for name, actions in plans.items():
            began = time.perf_counter()
            outcome, said = _act(services, name, actions[step])
            found.append((name, actions[step], outcome, said, time.perf_counter() - began))
    wall = time.perf_counter() - started
    verified = services.audit_trail.verify()
    services.database.dispose()
    return found, [(verified.ok, verified.problem)], wall


def lost_updates(url: str, found: list, shared: list[int]) -> list[str]:
    """Differences between what the services accepted and what the database holds."""
    accepted = [(name, action) for name, action, outcome, _, _ in found if outcome == "accepted"]
    want_comments = sorted((draft, name, argument) for name, (kind, draft, argument) in accepted if kind != "sign_off")
    want_sign_offs = sorted({(draft, name, argument) for name, (kind, draft, argument) in accepted if kind == "sign_off"})
    sent_back = {draft for name, (kind, draft, _) in accepted if kind == "request_changes"}
    engine = create_engine(url)
    with engine.connect() as connection:
        by_id = {row.id: row.name for row in connection.execute(select(users.c.id, users.c.name))}
        have_comments = sorted((row.draft_id, by_id[row.user_id], row.text) for row in connection.execute(
            select(comments.c.draft_id, comments.c.user_id, comments.c.text)))
        have_sign_offs = sorted((row.draft_id, by_id[row.user_id], row.dimension) for row in connection.execute(
            select(sign_offs.c.draft_id, sign_offs.c.user_id, sign_offs.c.dimension)))
        states = {row.id: row.state for row in connection.execute(select(drafts.c.id, drafts.c.state))}
        audited = dict(connection.execute(select(audit_log.c.action, func.count()).group_by(audit_log.c.action)).all())
    engine.dispose()
    problems = []
    if have_comments != want_comments:
        problems.append(f"comments: {len(set(want_comments) - set(have_comments))} accepted but missing, "
                        f"{len(set(have_comments) - set(want_comments))} not accepted but stored")
    if have_sign_offs != want_sign_offs:
        problems.append(f"sign-offs: {len(set(want_sign_offs) - set(have_sign_offs))} accepted but missing, "
                        f"{len(set(have_sign_offs) - set(want_sign_offs))} not accepted but stored")
    wrong_state = [d for d in shared if (states[d] == "changes_requested") != (d in sent_back)]
    if wrong_state:
        problems.append(f"drafts {wrong_state}: state does not match the accepted requests for changes")
    plain_comments = sum(1 for _, (kind, _, _) in accepted if kind == "comment")
    if audited.get("comment", 0) != plain_comments or audited.get("request_changes", 0) != len(sent_back):
        problems.append(f"audit rows: {audited.get('comment', 0)} comments for {plain_comments} accepted, "
                        f"{audited.get('request_changes', 0)} requests for changes for {len(sent_back)} accepted")
    return problems


def fresh_schema() -> tuple[str, callable]:
    """A throw-away schema on the PostgreSQL server; returns its URL and how to drop it."""
    name = f"wb_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()
    return url, drop


def one_round(side: str, index: int) -> dict:
    """Seed a fresh schema, run one side, check it; the schema is dropped afterwards."""
    url, drop = fresh_schema()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-replicas-") as folder:
            root = Path(folder)
            drafts_of = seed(url, root / "seed")
            plans = plan(drafts_of, index)
            run = run_replicas if side == "replicas" else run_one_process
            found, audits, wall = run(url, root, plans)
            return {"side": side, "found": found, "audits": audits, "wall": wall,
                    "lost": lost_updates(url, found, drafts_of["shared"])}
    finally:
        drop()


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} on {os.cpu_count()} cores; "
          f"{REPLICAS} replicas x {REVIEWERS_PER_REPLICA} reviewers x {ACTIONS} actions on PostgreSQL, {ROUNDS} rounds")
    results: dict[str, list[dict]] = {"replicas": [], "one process": []}
    for index in range(ROUNDS):
        order = ["replicas", "one process"] if index % 2 == 0 else ["one process", "replicas"]
        for side in order:
            results[side].append(one_round(side, index))
    for side, rounds in results.items():
        for number, done in enumerate(rounds):
            outcomes = [row[2] for row in done["found"]]
            errors = [row[3] for row in done["found"] if row[2] == "error"]
            per_action = statistics.median(row[4] for row in done["found"]) * 1000
            print(f"{side:<12} round {number}: {len(outcomes)} actions in {done['wall']:.1f} s "
                  f"({outcomes.count('accepted')} accepted, {outcomes.count('refused')} refused by the policy, "
                  f"{len(errors)} errors), median {per_action:.1f} ms per action")
            refusals = Counter(row[3].split(":")[0] for row in done["found"] if row[2] == "refused")
            print(f"    refused: {dict(refusals)}")
            for line in sorted(set(errors))[:5]:
                print(f"    error: {line[:200]}")
    both = [(results["replicas"][n], results["one process"][n]) for n in range(ROUNDS)]
    lost = sum(len(done["lost"]) for pair in both for done in pair)
    errors = sum(1 for pair in both for done in pair for row in done["found"] if row[2] == "error")
    audits_ok = all(ok for pair in both for done in pair for ok, _ in done["audits"])
    for pair in both:
        for done in pair:
            for problem in done["lost"]:
                print(f"    lost update ({done['side']}): {problem}")
            for ok, problem in done["audits"]:
                if not ok:
                    print(f"    audit ({done['side']}): {problem}")
    concurrent = statistics.median(row[4] for done, _ in both for row in done["found"]) * 1000
    single = statistics.median(row[4] for _, done in both for row in done["found"]) * 1000
    wall_ratio = statistics.median(d["wall"] for d, _ in both) / statistics.median(d["wall"] for _, d in both)
    print(f"{'time per action, 2 replicas x 10 concurrent vs 1 process one at a time':<72} "
          f"median {concurrent:7.1f} ms vs {single:7.1f} ms   ratio {concurrent / single:5.2f}x   for comparison")
    print(f"{'wall time for all 1,000 actions, 2 replicas vs 1 process':<72} ratio {wall_ratio:5.2f}x   for comparison")
    print(f"{'lost updates':<72} {lost:>5}   goal 0: {'ok' if lost == 0 else 'over goal'}")
    print(f"{'errors surfaced to a user':<72} {errors:>5}   goal 0: {'ok' if errors == 0 else 'over goal'}")
    print(f"{'audit verify on every replica':<72} {'intact' if audits_ok else 'BROKEN':>5}   goal intact: "
          f"{'ok' if audits_ok else 'over goal'}")


if __name__ == "__main__":
    main()
