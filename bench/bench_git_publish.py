"""Publishing into a git library vs the raw `git commit` + `git push` of the same file to the same remote.

Both sides push to one bare repository in a temp folder: the workbench's clone to `main`, a raw clone
to a branch of its own (so neither side's pushes force the other to rebase). Each step publishes one
approved draft (lead + approval + content hash re-checked, render, stage + fsync, commit + push with
trailers, database commit, place + fsync) and, in alternating order, writes the very same text to the
same path in the raw clone and runs `git add`, `git commit -F`, `git push`. The index is a stand-in that
only reads the file back: re-embedding is measured by bench_review.py and is no part of git's cost.
Drafts are made and approved before timing starts. The git processes each publish starts are counted
(the raw side starts three).

Usage: python bench/bench_git_publish.py   (BENCH_ROUNDS=N sets the rounds, default 4; BENCH_STEPS the steps per round)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher  # noqa: E402

from review.accounts import Accounts  # noqa: E402
from review.actors import SHELL  # noqa: E402
from review.audit import AuditTrail  # noqa: E402
from review.db import Database  # noqa: E402
from review.lifecycle import DraftLifecycle  # noqa: E402
from review.publications import PublicationLedger  # noqa: E402
from review.queries import ReviewQueries  # noqa: E402
from workbench.domain.drafts import DraftContent  # noqa: E402
from workbench.library.draft_file import render_draft_file  # noqa: E402
from workbench.library import git_repository  # noqa: E402
from workbench.library.git_repository import GitRepository  # noqa: E402
from workbench.publishing.git_publishing import GitPublishing, identities  # noqa: E402
from workbench.publishing.service import Publisher  # noqa: E402
from workbench.settings import Settings  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
STEPS = int(os.environ.get("BENCH_STEPS", "5"))
GOAL = 1.5
TEAM = {"lena": ["lead"], "alice": ["author"], "sam": ["accuracy_reviewer"], "cara": ["cultural_reviewer"],
        "eric": ["ethics_reviewer"]}
RAW_IDENTITY = {"GIT_AUTHOR_NAME": "Lena Lead", "GIT_AUTHOR_EMAIL": "lena@example.test",
                "GIT_COMMITTER_NAME": "Lena Lead", "GIT_COMMITTER_EMAIL": "lena@example.test"}


class FileReadingIndex:
    """Stands in for the index: reads the published file back, as re-indexing would start by doing."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def reindex_paths(self, paths: list[str], pushed: str | None = None) -> None:
        for path in paths:
            (self.root / path).read_bytes()

    def remove_paths(self, paths: list[str], pushed: str | None = None) -> None:
        pass


def git(cwd: Path, *args: str, input_text: str | None = None) -> str:
    done = subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=cwd, capture_output=True, text=True,
                          input=input_text, env={**os.environ, **RAW_IDENTITY, "GIT_TERMINAL_PROMPT": "0"})
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout


class CountingSubprocess:
    """Stands in for the subprocess module inside git_repository: counts the git processes started."""

    def __init__(self) -> None:
        self.started = 0

    def __getattr__(self, name: str):
        return getattr(subprocess, name)

    def run(self, *args, **kwargs):
        self.started += 1
        return subprocess.run(*args, **kwargs)

    def Popen(self, *args, **kwargs):  # noqa: N802 - the name subprocess gives it
        self.started += 1
        return subprocess.Popen(*args, **kwargs)


def sample_content(title: str) -> dict:
    """A module and assessment to publish (the test suite's clean draft, retitled)."""
    from tests.support.drafts import sample_content as content_of

    return content_of(title)


def setup(root: Path):
    """A remote with one module, the review stack on SQLite with approved drafts, and the raw clone."""
    remote = root / "remote.git"
    git(root, "init", "-q", "--bare", "-b", "main", str(remote))
    seed = root / "seed"
    git(root, "clone", "-q", str(remote), str(seed))
    (seed / "intro.md").write_text("# Intro\n\nWritten by hand.\n", encoding="utf-8")
    git(seed, "add", ".")
    git(seed, "commit", "-q", "-m", "Start the library")
    git(seed, "push", "-q", "origin", "HEAD:main")
    raw_clone = root / "raw"
    git(root, "clone", "-q", str(remote), str(raw_clone))
    git(raw_clone, "checkout", "-q", "-b", "raw")

    database = Database(f"sqlite:///{root / 'workbench.db'}")
    database.upgrade()

    def clock() -> datetime:
        return datetime.now(timezone.utc)

    trail = AuditTrail(database, clock)
    queries = ReviewQueries(database)
    accounts = Accounts(database, trail, clock, PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    for index, (name, roles) in enumerate(TEAM.items()):
        accounts.add_user(name, "a long test password", roles, actor=None if index == 0 else SHELL)
    lifecycle = DraftLifecycle(trail, queries, clock)
    ledger = PublicationLedger(database, trail, queries, clock)
    library = root / "library"
    settings = Settings(library_dir=library, data_dir=root / "data", llm_provider="fake", library_git_remote=str(remote))
    repository = GitRepository(library, str(remote), "main")
    publisher = Publisher(settings, ledger, FileReadingIndex(library),
                          git=GitPublishing(repository, identities(lambda name: None, "example.test")))

    def approved(number: int):
        content = sample_content(f"Module number {number}")
        markdown = render_draft_file(DraftContent.model_validate(content))
        draft = lifecycle.create_draft("alice", title=f"Module number {number}", content=content, markdown=markdown,
                                       findings=[], skill_ids=["feedback"])
        draft = lifecycle.submit("alice", draft.id, draft.revision)
        for user, dimension in (("sam", "accuracy"), ("cara", "cultural"), ("eric", "ethics")):
            draft = lifecycle.sign_off(user, draft.id, dimension, draft.revision)
        return draft

    return publisher, approved, raw_clone, library


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-git-publish-") as temp:
        publisher, approved, raw_clone, library = setup(Path(temp))
        total = (ROUNDS * STEPS) + 2
        drafts = [approved(number) for number in range(total)]  # not timed
        last: dict[str, str] = {}
        counting = CountingSubprocess()
        processes: list[int] = []

        def ours() -> float:
            draft = drafts.pop(0)
            git_repository.subprocess, before = counting, counting.started
            started = time.perf_counter()
            try:
                result = publisher.publish("lena", draft.id, draft.revision)
            finally:
                elapsed = time.perf_counter() - started
                git_repository.subprocess = subprocess
            processes.append(counting.started - before)
            last["path"], last["text"] = result.path, (library / result.path).read_text(encoding="utf-8")
            last["message"] = git(library, "log", "-1", "--format=%B")
            return elapsed

        def raw() -> float:
            target = raw_clone / last["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            target.write_text(last["text"], encoding="utf-8")
            git(raw_clone, "add", "--", last["path"])
            git(raw_clone, "commit", "-q", "-F", "-", input_text=last["message"])
            git(raw_clone, "push", "-q", "origin", "HEAD:refs/heads/raw")
            return time.perf_counter() - started

        for _ in range(2):  # warm up: imports, the first clone, the database's caches
            ours(), raw()
        processes.clear()  # the first clone is no part of a publish
        samples: dict[str, list[float]] = {"ours": [], "raw": []}
        for round_number in range(ROUNDS):
            for _ in range(STEPS):
                if round_number % 2 == 0:
                    samples["ours"].append(ours())
                    samples["raw"].append(raw())
                else:
                    # The raw side needs a publication's text: it repeats the previous one's file at a new path.
                    last["path"] = last["path"].replace(".md", "-again.md")
                    samples["raw"].append(raw())
                    samples["ours"].append(ours())
        load = os.getloadavg()[0]
        ours_min, raw_min = min(samples["ours"]), min(samples["raw"])
        ours_median, raw_median = statistics.median(samples["ours"]), statistics.median(samples["raw"])
        ratio = ours_median / raw_median
        verdict = "ok" if ratio <= GOAL else "over goal"
        print(f"git publish vs raw commit + push ({ROUNDS} rounds x {STEPS}, alternating, load {load:.1f})")
        print(f"publish with git backend  min {ours_min * 1000:7.1f} ms  median {ours_median * 1000:7.1f} ms | "
              f"raw git commit + push  min {raw_min * 1000:7.1f} ms  median {raw_median * 1000:7.1f} ms | "
              f"ratio {ratio:.2f}x (min/min {ours_min / raw_min:.2f}x)   goal <= {GOAL}x: {verdict}")
        print(f"git processes per publish: {statistics.mean(processes):.1f} (max {max(processes)}; the raw side: 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
