"""A real bare git repository on disk as the library's remote, and a second clone acting as another person."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

HAND_WRITTEN = "---\nid: intro\ntitle: Intro\n---\n\n# Intro\n\nWritten by hand in the team's repository.\n"
OTHER_PERSON = {"GIT_AUTHOR_NAME": "Olga Other", "GIT_AUTHOR_EMAIL": "olga@example.test",
                "GIT_COMMITTER_NAME": "Olga Other", "GIT_COMMITTER_EMAIL": "olga@example.test"}


def git(cwd: Path, *args: str, input_text: str | None = None) -> str:
    """Run git as the other person would; returns stdout (fails the test on an error)."""
    done = subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=cwd, capture_output=True, text=True,
                          input=input_text, env={**os.environ, **OTHER_PERSON, "GIT_TERMINAL_PROMPT": "0"})
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


@dataclass
class OtherPerson:
    """A clone of the remote where someone else commits and pushes."""

    clone: Path

    def commit(self, relative: str, text: str | None, message: str) -> str:
        """Write (or remove, with None) one file, commit and push; returns the pushed commit."""
        git(self.clone, "pull", "-q", "--ff-only", "origin", "main")
        target = self.clone / relative
        if text is None:
            git(self.clone, "rm", "-q", "--", relative)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            git(self.clone, "add", "--", relative)
        git(self.clone, "commit", "-q", "-m", message)
        git(self.clone, "push", "-q", "origin", "HEAD:main")
        return git(self.clone, "rev-parse", "HEAD").strip()


def make_remote(root: Path, library: Path | None = None) -> Path:
    """A bare repository on `main` holding a copy of `library` (default: one hand-written module)."""
    bare = root / "remote.git"
    git(root, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = root / "seed"
    if library is not None:
        shutil.copytree(library, seed)
    else:
        (seed / "published").mkdir(parents=True)
        (seed / "published" / "intro.md").write_text(HAND_WRITTEN, encoding="utf-8")
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", ".")
    git(seed, "commit", "-q", "-m", "The team's library")
    git(seed, "remote", "add", "origin", str(bare))
    git(seed, "push", "-q", "origin", "HEAD:main")
    return bare


def other_person(root: Path, remote: Path) -> OtherPerson:
    """Another person's clone of the remote."""
    clone = root / "other"
    git(root, "clone", "-q", str(remote), str(clone))
    return OtherPerson(clone)


def remote_log(remote: Path, *args: str) -> str:
    """`git log` of the remote's main branch."""
    return git(remote, "log", "main", *args)


def remote_file(remote: Path, relative: str) -> str | None:
    """A file's content on the remote's main branch (None when it is not there)."""
    done = subprocess.run(["git", "show", f"main:{relative}"], cwd=remote, capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else None


def trailers(remote: Path, commit: str) -> list[tuple[str, str]]:
    """A commit's trailers as `git interpret-trailers --parse` reads its message."""
    message = git(remote, "log", "-1", "--format=%B", commit)
    parsed = git(remote, "interpret-trailers", "--parse", input_text=message)
    return [(key.strip(), value.strip()) for key, _, value in (line.partition(":") for line in parsed.splitlines())]


def commits_of_draft(remote: Path, draft_id: int) -> list[str]:
    """Every commit on the remote's main whose Draft-Id trailer names the draft."""
    out = remote_log(remote, "--format=%H%x00%(trailers:key=Draft-Id,valueonly)%x00%s%x1e")
    found = []
    for record in out.split("\x1e"):
        if record.strip():
            commit, value, subject = record.strip("\n").split("\x00")
            if value.strip() == str(draft_id) and subject.startswith("Publish"):
                found.append(commit)
    return found
