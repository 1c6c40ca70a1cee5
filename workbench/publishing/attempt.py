"""What one publish carries across its transaction's retries: the staged file, the pushed commit, an earlier attempt."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from workbench.library.git_repository import StagedFile
from workbench.publishing.interrupted import Interrupted


@dataclass(frozen=True)
class PushedPublication:
    """A publication's commit, pushed inside a transaction the database may run again."""

    commit: str
    tip: str  # the branch tip: the publication's commit, or a commit recording the audit head after it
    head: tuple[int, str]  # the audit row (sequence, hash) the tip's Audit-Head names
    text_sha256: str
    path: str
    module_id: str
    text: str
    adopted: str = ""  # the interrupted attempt's commit this one adopted ("" when pushed anew)


@dataclass
class StagedPublication:
    """What one run of the transaction staged: a file beside its final name, or a `git add` in the clone."""

    temp: Path | None = None
    replace: bool = False  # the staged file may replace the one at its final name (a re-publish)
    git: StagedFile | None = None

    def take_git(self) -> StagedFile | None:
        """The git staging, handed over to whoever commits or abandons it."""
        staged, self.git = self.git, None
        return staged

    def discard(self) -> None:
        """Remove what a transaction that did not commit staged (unstaging it from the git clone, if there)."""
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
            self.temp = None
        staged = self.take_git()
        if staged is not None:
            staged.abandon()

    def release_git(self) -> None:
        """As if the process ended here: the clone's lock goes, what git staged stays for the next publish to clear."""
        staged = self.take_git()
        if staged is not None:
            staged.release()


@dataclass
class PublishAttempt:
    """One publish of a draft revision, across the retries of its transaction."""

    # The fsync of the committed attempt row, run beside the transaction; the push waits for it once.
    attempt_on_disk: Callable[[], None] | None = None
    unfinished: bool = False  # an earlier attempt of this revision was left behind: look for its commit
    interrupted: Interrupted | None = None  # what that attempt pushed, once looked up inside the transaction
    pushed: PushedPublication | None = None

    def take_attempt_on_disk(self) -> Callable[[], None] | None:
        """The attempt row's pending fsync, handed over once."""
        wait, self.attempt_on_disk = self.attempt_on_disk, None
        return wait

    def take_unfinished(self) -> bool:
        """Whether an earlier attempt is still to be looked for (True once)."""
        unfinished, self.unfinished = self.unfinished, False
        return unfinished
