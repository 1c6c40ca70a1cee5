"""The library folder as a clone of a git remote: clone, pull, commit one file, push with rebase, revert, history.

Every operation runs the git CLI in the clone, with no prompt and no system editor, and holds one
lock file inside `.git` so two publishes of one process (or two processes on one folder) never
interleave. Commits carry their author and committer explicitly: no git configuration is needed.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from workbench.errors import (
    ConfigurationError, LibraryGitError, LibraryPushConflict, LibraryPushRefused, LibraryRemoteUnavailable,
)

PUSH_RETRIES = 3  # a push refused because the remote moved is rebased and pushed again this many times
# What git says when a push is refused because the remote has commits we do not have.
MOVED_MARKERS = ("non-fast-forward", "fetch first", "[rejected]", "stale info")
FIELD, RECORD = "\x1f", "\x1e"
COMMIT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
COMMIT_SUMMARY = re.compile(r"\[[^\]\s]+(?: \([a-z-]+\))? ([0-9a-f]{40})\]")


@dataclass(frozen=True)
class GitIdentity:
    """Who a commit is by: a name and an email, as git records them."""

    name: str
    email: str

    def trailer(self) -> str:
        """The form git uses in trailers: `Name <email>`."""
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class HistoryEntry:
    """One commit that touched a file: short id, author, date and subject, as git recorded them."""

    commit: str
    short: str
    author: str
    date: str
    subject: str


class GitRepository:
    """One clone of the library's remote, on one branch."""

    def __init__(self, worktree: Path, remote: str, branch: str = "main", *, timeout_seconds: float = 120.0,
                 before_push: Callable[[int], None] | None = None) -> None:
        self.worktree = Path(worktree)
        self.remote = remote
        self.branch = branch
        self.timeout_seconds = timeout_seconds
        # Called before each push attempt with its number (tests move the remote there).
        self.before_push = before_push

    # -- running git -----------------------------------------------------------------------

    def _git(self, *args: str, check: bool = True, input_text: str | None = None,
             env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
        environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_EDITOR": "true", "LC_ALL": "C", **(env or {})}
        try:
            done = subprocess.run(
                ["git", "-c", "commit.gpgsign=false", "-c", "core.quotepath=false", *args],
                cwd=cwd or self.worktree, input=input_text, capture_output=True, text=True,
                env=environment, timeout=self.timeout_seconds,
            )
        except FileNotFoundError:
            raise ConfigurationError("the library is set to a git remote but the `git` command is not installed") from None
        except subprocess.TimeoutExpired:
            raise LibraryRemoteUnavailable(
                f"git {args[0]} on the library did not finish within {self.timeout_seconds:.0f} s; nothing was published"
            ) from None
        if check and done.returncode != 0:
            raise _GitFailed(args[0], done.stderr.strip() or done.stdout.strip())
        return done

    def _start(self, *args: str) -> subprocess.Popen:
        """Start a git command without waiting for it (its output is read by `_wait`)."""
        environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_EDITOR": "true", "LC_ALL": "C"}
        try:
            return subprocess.Popen(["git", "-c", "commit.gpgsign=false", "-c", "core.quotepath=false", *args],
                                    cwd=self.worktree, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=environment)
        except FileNotFoundError:
            raise ConfigurationError("the library is set to a git remote but the `git` command is not installed") from None

    def _wait(self, process: subprocess.Popen, command: str) -> None:
        """Wait for a started git command; _GitFailed when it failed."""
        try:
            out, err = process.communicate(timeout=self.timeout_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise LibraryRemoteUnavailable(
                f"git {command} on the library did not finish within {self.timeout_seconds:.0f} s; nothing was published"
            ) from None
        if process.returncode != 0:
            raise _GitFailed(command, err.strip() or out.strip())

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the clone's lock: one git operation sequence at a time on this folder."""
        self.ensure_clone()
        with open(self.worktree / ".git" / "workbench.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- the clone -------------------------------------------------------------------------

    def ensure_clone(self) -> None:
        """Clone the remote into the library folder on first use (an empty or missing folder only)."""
        if (self.worktree / ".git").exists():
            return
        if self.worktree.exists() and any(self.worktree.iterdir()):
            raise ConfigurationError(
                f"the library folder {self.worktree} already holds files but is not a git clone; "
                f"point WORKBENCH_LIBRARY_DIR at an empty folder to clone {self.remote} into it"
            )
        self.worktree.mkdir(parents=True, exist_ok=True)
        self._git("init", "-q", "-b", self.branch)
        self._git("remote", "add", "origin", self.remote)
        try:
            if self._fetch():
                self._git("reset", "-q", "--hard", f"origin/{self.branch}")
        except Exception:
            # A failed first clone leaves no half-made repository behind: the next use clones again.
            _remove_git_dir(self.worktree / ".git")
            raise

    def _fetch(self) -> bool:
        """Fetch the branch; False when the remote does not have it yet (an empty repository)."""
        done = self._git("fetch", "-q", "origin", f"+refs/heads/{self.branch}:refs/remotes/origin/{self.branch}", check=False)
        if done.returncode == 0:
            return True
        message = done.stderr.strip()
        if "couldn't find remote ref" in message.lower():
            return False
        raise LibraryRemoteUnavailable(f"the library remote {self.remote} cannot be reached ({_last_line(message)})")

    def head(self) -> str | None:
        """The commit the library folder is at (None before the first commit)."""
        done = self._git("rev-parse", "--verify", "-q", "HEAD", check=False)
        return done.stdout.strip() or None

    def contains(self, commit: str, of: str = "HEAD") -> bool:
        """True when `commit` is `of` or one of its ancestors in this clone (False for a commit it does not have)."""
        if not COMMIT_ID.fullmatch(commit) or not (self.worktree / ".git").exists():
            return False
        return self._git("merge-base", "--is-ancestor", commit, of, check=False).returncode == 0

    def pull(self) -> str | None:
        """Bring others' commits in (fast-forward only); returns the commit the folder is then at."""
        with self.locked():
            if self._fetch():
                try:
                    self._git("merge", "-q", "--ff-only", f"origin/{self.branch}")
                except _GitFailed as error:
                    raise LibraryGitError(
                        f"the library clone {self.worktree} cannot fast-forward to {self.remote} ({_last_line(error.message)})"
                    ) from None
            return self.head()

    # -- committing and pushing ------------------------------------------------------------

    def commit_and_push(self, relative_path: str, text: str | None, author: GitIdentity, message: str) -> str:
        """Write (or, with None, remove) one file, commit it as `author`, push; returns the pushed commit.

        On any failure the clone goes back to where it was: no local commit is left to be pushed later.
        """
        if text is not None:
            return self.stage(relative_path, text).commit_and_push(author, message)
        with self.locked():
            commit = None
            try:
                self._git("rm", "-q", "--", relative_path)
                commit = self._commit(author, message, only=relative_path)
                return self._push(author, commit)
            except BaseException as error:
                # Our commit is a single-parent commit on top: its parent is where the clone was (or, after
                # a rebase, the remote's tip); without a commit, HEAD is.
                parent = self._git("rev-parse", "--verify", "-q", "HEAD~1" if commit else "HEAD", check=False).stdout.strip()
                self._reset(parent or None, None)
                if isinstance(error, _GitFailed):
                    raise LibraryGitError(f"{error}; nothing was published") from None
                raise

    def stage(self, relative_path: str, text: str) -> "StagedFile":
        """Write one file and start `git add` of it; the clone's lock is held until the returned stage is
        committed or abandoned, so the caller can do other work while git stages the file."""
        self.ensure_clone()
        lock = open(self.worktree / ".git" / "workbench.lock", "a")
        fcntl.flock(lock, fcntl.LOCK_EX)
        target = self.worktree / relative_path
        staged = StagedFile(self, relative_path, text, new_file=not target.exists(), lock=lock)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            staged.adding = self._start("add", "--", relative_path)
        except BaseException:
            staged.abandon()
            raise
        return staged

    def record_and_push(self, author: GitIdentity, message: str) -> str:
        """Push a commit that changes no file (a record, such as the audit head), as `author`; returns it."""
        with self.locked():
            before = self.head()
            try:
                return self._push(author, self._commit(author, message))
            except BaseException as error:
                self._reset(before, None)
                if isinstance(error, _GitFailed):
                    raise LibraryGitError(f"{error}; nothing was published") from None
                raise

    def discard_unpushed(self, folder: str) -> bool:
        """Make the clone exactly the remote's branch: drop commits and files a killed process left unpushed.

        Every commit the workbench makes is pushed or reset at once, so anything the remote lacks comes
        from a publish that died in between. Files outside `folder` that git does not track are kept.
        Returns False when the remote has no branch yet.
        """
        with self.locked():
            # Holding the clone's lock, no git command of ours runs here: an index lock is a killed one's.
            (self.worktree / ".git" / "index.lock").unlink(missing_ok=True)
            if not self._fetch():
                if self.head() is not None:
                    self._reset(None, None)
                self._git("clean", "-q", "-f", "--", folder, check=False)
                return False
            self._git("reset", "-q", "--hard", f"origin/{self.branch}")
            self._git("clean", "-q", "-f", "--", folder)
            return True

    def commits_with_trailer(self, key: str, value: str) -> list[tuple[str, dict[str, str], list[str]]]:
        """(commit, trailers, files it touched) of each commit on HEAD with the trailer `key: value`, newest first."""
        if self.head() is None:
            return []
        done = self._git("log", f"--grep=^{re.escape(key)}: {re.escape(value)}$", "--name-only", "--no-renames",
                         f"--format={RECORD}%H{FIELD}%(trailers:only,unfold){FIELD}", "HEAD")
        found = []
        for record in done.stdout.split(RECORD):
            if not record.strip():
                continue
            commit, trailer_text, names = record.split(FIELD, 2)
            pairs = (line.partition(":") for line in trailer_text.splitlines())
            trailers = {k.strip(): v.strip() for k, _, v in pairs if v}
            found.append((commit.strip(), trailers, [name for name in names.splitlines() if name.strip()]))
        return found

    def file_at(self, commit: str, relative_path: str) -> str | None:
        """A file's text as `commit` holds it (None when it holds no such file)."""
        done = self._git("cat-file", "blob", f"{commit}:{relative_path}", check=False)
        return done.stdout if done.returncode == 0 else None

    def reverted(self, commit: str) -> bool:
        """True when a commit on HEAD says it reverts `commit` (as `git revert` and unpublishing write)."""
        if not COMMIT_ID.fullmatch(commit):
            return False
        done = self._git("log", "-1", "--format=%H", f"--grep=^This reverts commit .*{commit}", "HEAD")
        return bool(done.stdout.strip())

    def revert_and_push(self, commits: list[str], author: GitIdentity, message: str) -> str:
        """Revert the given commits (newest first) in one commit as `author`, push; returns the pushed commit."""
        with self.locked():
            before = self.head()
            try:
                try:
                    self._git("revert", "--no-commit", *commits)
                except _GitFailed as error:
                    raise LibraryPushConflict(f"the publication cannot be reverted cleanly ({error.message})") from None
                return self._push(author, self._commit(author, message))
            except BaseException as error:
                self._git("revert", "--abort", check=False)
                self._reset(before, None)
                if isinstance(error, _GitFailed):
                    raise LibraryGitError(f"{error}; nothing was unpublished") from None
                raise

    def _commit(self, author: GitIdentity, message: str, only: str | None = None) -> str:
        """Commit as `author` what is staged, or just the path `only`; returns the new commit's id."""
        # --allow-empty: every publication is one commit, even one that changes no byte. --only: a file a
        # process killed between `git add` and `git commit` left staged must not ride along in another commit.
        paths = ("--only", "--", only) if only is not None else ()
        done = self._git("-c", "core.abbrev=40", "commit", "--allow-empty", "--no-verify", "-F", "-", *paths,
                         input_text=message, env=_identity(author))
        # "[main (root-commit) <id>] subject": read the id from the summary instead of asking git again.
        found = COMMIT_SUMMARY.match(done.stdout)
        return found.group(1) if found else (self.head() or "")

    def _push(self, author: GitIdentity, commit: str) -> str:
        """Push HEAD; when the remote moved, fetch, rebase and push again (PUSH_RETRIES times)."""
        for attempt in range(PUSH_RETRIES + 1):
            if self.before_push is not None:
                self.before_push(attempt)
            done = self._git("push", "-q", "--porcelain", "origin", f"HEAD:refs/heads/{self.branch}", check=False)
            if done.returncode == 0:
                return commit
            said = f"{done.stdout}\n{done.stderr}"
            if not any(marker in said for marker in MOVED_MARKERS):
                raise LibraryRemoteUnavailable(
                    f"the library remote {self.remote} cannot be reached ({_last_line(done.stderr)}); nothing was published"
                )
            if attempt == PUSH_RETRIES:
                break
            self._fetch()
            try:
                # The rebased commit keeps its author; the committer is the same person.
                self._git("rebase", "-q", f"origin/{self.branch}", env=_identity(author))
                commit = self.head() or ""
            except _GitFailed as error:
                self._git("rebase", "--abort", check=False)
                raise LibraryPushConflict(
                    f"the library remote changed the same file in the meantime ({_last_line(error.message)}); "
                    "nothing was published and the approved draft is kept: resolve the change in the remote, then publish again"
                ) from None
        raise LibraryPushRefused(
            f"the library remote {self.remote} refused the push {PUSH_RETRIES + 1} times because others kept pushing; "
            "nothing was published and the approved draft is kept: publish again"
        )

    def _reset(self, before: str | None, relative_path: str | None) -> None:
        """Put the clone back at `before` (the commit it was at before this operation)."""
        if before is not None:
            self._git("reset", "-q", "--hard", before, check=False)
            return
        # Before the first commit there is nothing to reset to: unstage and drop our file.
        self._git("update-ref", "-d", "HEAD", check=False)
        self._git("rm", "-q", "-r", "--cached", "--ignore-unmatch", ".", check=False)
        if relative_path:
            (self.worktree / relative_path).unlink(missing_ok=True)

    # -- reading ---------------------------------------------------------------------------

    def history(self, relative_path: str, limit: int = 50) -> list[HistoryEntry]:
        """The commits that touched one file, newest first."""
        if self.head() is None:
            return []
        done = self._git("log", f"-n{limit}", f"--format=%H{FIELD}%h{FIELD}%an <%ae>{FIELD}%aI{FIELD}%s{RECORD}",
                         "--", relative_path)
        return [HistoryEntry(*record.strip("\n").split(FIELD, 4)) for record in done.stdout.split(RECORD) if record.strip()]

    def last_trailer(self, key: str) -> tuple[str, str, str] | None:
        """(commit, author date, value) of the newest commit in the clone carrying the trailer `key`."""
        if not (self.worktree / ".git").exists() or self.head() is None:
            return None
        done = self._git("log", "-1", f"--grep=^{re.escape(key)}: ", f"--format=%H{FIELD}%aI{FIELD}%(trailers:key={key},valueonly)")
        if not done.stdout.strip():
            return None
        commit, date, value = done.stdout.strip().split(FIELD, 2)
        return commit, date, value.strip().splitlines()[-1] if value.strip() else ""

    def trailers(self, commit: str) -> list[tuple[str, str]]:
        """A commit's trailers as (key, value) pairs, as git parses them."""
        done = self._git("log", "-1", "--format=%(trailers:only,unfold)", commit)
        pairs = []
        for line in done.stdout.splitlines():
            key, _, value = line.partition(":")
            if value:
                pairs.append((key.strip(), value.strip()))
        return pairs


class StagedFile:
    """One file written into the clone while `git add` stages it; holds the clone's lock until committed or abandoned."""

    def __init__(self, repository: GitRepository, relative_path: str, text: str, *, new_file: bool, lock) -> None:
        self.repository = repository
        self.relative_path = relative_path
        self.text = text
        self.new_file = new_file
        self.adding: subprocess.Popen | None = None
        self._lock = lock

    def commit_and_push(self, author: GitIdentity, message: str) -> str:
        """Commit the staged file as `author` and push; on any failure the clone goes back to where it was."""
        repository, commit = self.repository, None
        try:
            if self.adding is not None:
                repository._wait(self.adding, "add")
            commit = repository._commit(author, message, only=self.relative_path)
            return repository._push(author, commit)
        except BaseException as error:
            self._undo(committed=commit is not None)
            if isinstance(error, _GitFailed):
                raise LibraryGitError(f"{error}; nothing was published") from None
            raise
        finally:
            self.release()

    def abandon(self) -> None:
        """Unstage the file and put the clone back as it was (the publication was not recorded)."""
        try:
            if self.adding is not None:
                self.adding.communicate()
            self._undo(committed=False)
        finally:
            self.release()

    def _undo(self, *, committed: bool) -> None:
        # Our commit is a single-parent commit on top: its parent is where the clone was (or, after a
        # rebase, the remote's tip); without a commit, HEAD is.
        git = self.repository._git
        parent = git("rev-parse", "--verify", "-q", "HEAD~1" if committed else "HEAD", check=False).stdout.strip()
        self.repository._reset(parent or None, self.relative_path if self.new_file else None)

    def release(self) -> None:
        """Let the clone's lock go, undoing nothing (as the process ending would)."""
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None


class _GitFailed(Exception):
    """A git command failed (kept inside this module: callers get the named errors)."""

    def __init__(self, command: str, message: str) -> None:
        super().__init__(f"git {command}: {message}")
        self.message = message


def _identity(person: GitIdentity) -> dict[str, str]:
    return {"GIT_AUTHOR_NAME": person.name, "GIT_AUTHOR_EMAIL": person.email,
            "GIT_COMMITTER_NAME": person.name, "GIT_COMMITTER_EMAIL": person.email}


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no answer"


def _remove_git_dir(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
