"""Publisher: approved draft → library file (atomic, crash-safe) → index; unpublish; repair after a crash.

Order of a publish: inside the review transaction (draft locked, lead and approval re-checked) the file
is rendered, staged next to its final name and fsynced; the transaction records the exact file text and
commits; only then is the staged file renamed into place and the folder fsynced; then the file is
re-indexed. The database commit is the point of no return: `recover()` (when the publisher starts, and on
repair) makes the library match the committed records, and before every publish and unpublish the records
a crash left unfinished are completed, so a crash at any step leaves the old state or the new one.

With a git library the commit is pushed inside that transaction, so a crash after the push leaves a
commit the database does not know. A publish attempt is therefore recorded in its own committed
transaction first; when the next publish of the draft finds an earlier one unfinished, it looks in the
remote for that commit and adopts it (interrupted.py) instead of pushing a second publication. Only then
does a publish cost git more than its add, commit and push.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import yaml
from sqlalchemy.exc import IntegrityError

from review.actors import ActorRef
from review.errors import PublishError
from review.publications import PreparedFile, PublicationLedger, PublicationRecord, PublicationSeal, PublishContext
from workbench.index.service import LibraryIndex
from workbench.publishing import files
from workbench.publishing.attempt import PublishAttempt, PushedPublication, StagedPublication
from workbench.publishing.git_publishing import GitPublishing
from workbench.library.format import file_stem, split_front_matter
from workbench.publishing.paths import resolve_inside, unique_relative_path
from workbench.publishing.render import render_published
from workbench.settings import Settings

log = logging.getLogger(__name__)

PUBLISHED_FOLDER = "published"
FaultHook = Callable[[str], None]
# Steps at which a fault hook is called (tests inject crashes there).
STEPS = ("staged", "before_commit", "committed", "placed", "dir_synced", "indexed")
UNPUBLISH_STEPS = ("committed", "removed", "unindexed")
# A staged file this old belongs to a crashed publish; a younger one may be another process's, in flight.
STALE_TEMP_SECONDS = 600.0


@dataclass(frozen=True)
class PublishResult:
    """Where the module landed and what was published."""

    path: str
    module_id: str
    content_hash: str
    revision: int
    indexed: bool = True
    warning: str = ""
    commit: str = ""  # the pushed commit, when the library is a git repository

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        data = {"path": self.path, "module_id": self.module_id, "content_hash": self.content_hash,
                "revision": self.revision, "indexed": self.indexed, "warning": self.warning}
        return {**data, "commit": self.commit} if self.commit else data


@dataclass(frozen=True)
class OutsideChange:
    """A published file whose content is no longer what review published (edited or removed by hand)."""

    draft_id: int
    path: str
    what: str  # "edited" or "removed"


@dataclass
class RecoveryReport:
    """What `recover()` had to repair."""

    rewritten: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reindexed: list[str] = field(default_factory=list)
    temp_files_removed: int = 0
    conflicts: list[str] = field(default_factory=list)
    index_failures: list[str] = field(default_factory=list)

    def merge(self, other: "RecoveryReport") -> "RecoveryReport":
        """Both reports in one (a path repaired twice is listed once)."""
        def union(a: list[str], b: list[str]) -> list[str]:
            return list(dict.fromkeys([*a, *b]))
        return RecoveryReport(union(self.rewritten, other.rewritten), union(self.removed, other.removed),
                              union(self.reindexed, other.reindexed), self.temp_files_removed + other.temp_files_removed,
                              union(self.conflicts, other.conflicts), union(self.index_failures, other.index_failures))

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {"rewritten": self.rewritten, "removed": self.removed, "reindexed": self.reindexed,
                "temp_files_removed": self.temp_files_removed, "conflicts": self.conflicts,
                "index_failures": self.index_failures}


class Publisher:
    """Publishes approved drafts into the library and keeps files, database and index consistent."""

    def __init__(self, settings: Settings, ledger: PublicationLedger, index: LibraryIndex, *,
                 fault_hook: FaultHook | None = None, clock: Callable[[], datetime] | None = None,
                 git: GitPublishing | None = None, after_publish: Callable[[int], None] | None = None) -> None:
        self.settings = settings
        # Told each published draft id once its file is indexed (freshness keeps the passages it cites).
        self.after_publish = after_publish
        self.ledger = ledger
        self.index = index
        # With a git library, every publication is also a pushed commit, made before the database commits.
        self.git = git
        self.fault_hook = fault_hook
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        # Recovery also runs on its own (at start, before each publish); what it did is kept until
        # `repair()` reports it, so `publish --repair` tells what was repaired, not an empty second pass.
        self._unreported = RecoveryReport()
        self.recover()

    @property
    def library_dir(self) -> Path:
        """The library root."""
        return Path(self.settings.library_dir)

    def _fault(self, step: str) -> None:
        if self.fault_hook is not None:
            self.fault_hook(step)

    def _index_call(self, method: str, relative_path: str, pushed: str = "") -> str:
        """Run index.reindex_paths/remove_paths (naming the pushed commit, if any); returns an error text instead of raising."""
        try:
            getattr(self.index, method)([relative_path], pushed=pushed or None)
            return ""
        except Exception as error:  # noqa: BLE001 - the library file is in place; the index can catch up later
            log.warning("index %s failed for %s: %s", method, relative_path, error)
            return f"{type(error).__name__}: {error}"

    # ------------------------------------------------------------------ publish

    def publish(self, actor: ActorRef, draft_id: int, expected_revision: int) -> PublishResult:
        """Publish the approved current revision (lead only); re-publishing replaces the module's own file."""
        if self.git is not None:
            self.git.ready()
        self._catch_up()
        # One time for every attempt: a transaction the database retries renders (and pushes) the same text.
        now = self.clock()
        attempt = PublishAttempt()
        if self.git is not None:
            # Committed before anything is pushed: a publish that dies after its push leaves this row behind.
            # Its fsync runs beside what follows; the seal waits for it before pushing.
            attempt.unfinished, attempt.attempt_on_disk = self.ledger.begin_attempt(draft_id, expected_revision, now)
        for retry in range(3):
            staged = StagedPublication()
            seal = None if self.git is None else (
                lambda sealing, staged=staged: self._push_publication(sealing, attempt, staged))
            try:
                record = self.ledger.publish_transaction(
                    actor, draft_id, expected_revision,
                    lambda context, staged=staged: self._prepare(context, staged, now, attempt), seal)
            except IntegrityError:
                # Another draft took the same file name at the same moment: pick the next free name.
                staged.discard()
                if retry == 2:
                    raise PublishError("could not find a free file name for the module; try again") from None
                continue
            except Exception:
                staged.discard()
                raise
            except BaseException:
                staged.release_git()
                raise
            break
        self._fault("committed")
        final = resolve_inside(self.library_dir, record.path)
        if staged.temp is not None:
            self._place(staged, final, record)
        self._fault("placed")
        if staged.temp is not None:
            files.fsync_dir(final.parent)
        self._fault("dir_synced")
        pushed = attempt.pushed
        error = self._index_call("reindex_paths", record.path, pushed.tip if pushed else "")
        if not error:
            self.ledger.mark_indexed(record.draft_id, record.text_sha256)
        self._fault("indexed")
        warning = f"published, but re-indexing failed ({error}); run `workbench publish --repair`" if error else ""
        found = attempt.interrupted
        if found is not None and found.edited_since:
            warning = warning or (f"recorded commit {found.commit[:12]}, which an interrupted publish had pushed; {record.path} "
                                  "was edited in the library remote since and is listed as changed outside review")
        if self.after_publish is not None:
            try:
                self.after_publish(record.draft_id)
            except Exception as failure:  # noqa: BLE001 - the publication is committed; say what is missing
                log.warning("cited passages of draft %s not recorded: %s", record.draft_id, failure)
                warning = warning or f"published, but its cited passages were not recorded ({failure})"
        return PublishResult(
            record.path, record.module_id, record.content_hash, record.revision, indexed=not error,
            warning=warning,
            commit=pushed.commit if pushed else "",
        )

    def _place(self, staged: StagedPublication, final: Path, record: PublicationRecord) -> None:
        """After the commit: move the staged file into place (never over someone else's file)."""
        assert staged.temp is not None
        try:
            files.place(staged.temp, final, may_replace=staged.replace)
        except FileExistsError:
            staged.temp.unlink(missing_ok=True)
            if files.file_sha256(final) == record.text_sha256:
                pass  # another process's recovery already put exactly this file in place
            else:
                raise PublishError(
                    f"a file appeared at {record.path} while publishing; it was left untouched. "
                    "Move it away and run `workbench publish --repair`"
                ) from None
        except OSError as error:
            raise PublishError(
                f"draft {record.draft_id} is published in the database but {record.path} could not be written ({error}); "
                "fix the cause and run `workbench publish --repair`"
            ) from None

    def _push_publication(self, sealing: PublicationSeal, attempt: PublishAttempt, staged: StagedPublication) -> str:
        """Inside the publish transaction: commit and push the file (once, however often the transaction runs).

        Returns the commit holding the publication. The newest Audit-Head in the library must name a row
        this transaction writes: when the pushed commit's does not (the database ran the transaction again,
        or the commit is an interrupted attempt's), a commit recording the head follows it.
        """
        assert self.git is not None
        attempt_on_disk = attempt.take_attempt_on_disk()
        if attempt_on_disk is not None:
            try:
                attempt_on_disk()  # the attempt row survives a power cut before anything is pushed
            except OSError as error:
                raise PublishError(f"the publish attempt could not be written to disk ({error}); nothing was published") from None
        record, head = sealing.record, (sealing.audit_seq, sealing.audit_hash)
        pushed = attempt.pushed
        if pushed is not None and pushed.text_sha256 == record.text_sha256:
            if pushed.head != head:
                attempt.pushed = replace(pushed, tip=self.git.record_head(sealing, pushed.commit), head=head)
                self._fault("pushed")
            return pushed.commit
        if record.commit:  # adopted: the interrupted attempt's commit already holds this very file
            commit, tip = record.commit, self.git.record_head(sealing, record.commit)
        else:
            commit = tip = self.git.publish(sealing, staged.take_git())
        attempt.pushed = PushedPublication(commit=commit, tip=tip, head=head, text_sha256=record.text_sha256,
                                           path=record.path, module_id=record.module_id, text=record.text,
                                           adopted=record.commit)
        self._fault("pushed")
        return commit

    def _place_of(self, context: PublishContext, pushed: PushedPublication | None) -> tuple[str, str]:
        """The library path and module id of this publication."""
        if pushed is not None:
            # The database runs the transaction again after our push: the same file, not a new name beside it.
            return pushed.path, pushed.module_id
        if context.existing_path:
            return context.existing_path, context.existing_module_id or Path(context.existing_path).stem
        relative = unique_relative_path(self.library_dir, PUBLISHED_FOLDER, file_stem(context.draft.title), context.taken_paths)
        return relative, Path(relative).stem

    def _prepare(self, context: PublishContext, staged: StagedPublication, now: datetime,
                 attempt: PublishAttempt) -> PreparedFile:
        """Inside the publish transaction: choose the path, render, stage and fsync the file."""
        staged.discard()  # a retried transaction stages afresh
        if self.git is not None and attempt.take_unfinished():
            # Inside the transaction, the draft locked: an attempt still running elsewhere has ended by now.
            attempt.interrupted = self.git.interrupted(context, PUBLISHED_FOLDER)
        pushed, found, adopted = attempt.pushed, attempt.interrupted, None
        if pushed is not None and pushed.adopted:
            adopted = PreparedFile(pushed.path, pushed.module_id, pushed.text, adopted_commit=pushed.adopted)
        elif pushed is None and found is not None:
            adopted = PreparedFile(found.path, found.module_id, found.text, adopted_commit=found.commit)
        if adopted is not None:
            self._fault("staged")
            self._fault("before_commit")
            return adopted
        relative, module_id = self._place_of(context, pushed)
        final = resolve_inside(self.library_dir, relative)
        text = render_published(context, module_id, now)
        if self.git is not None:
            # The commit writes the file into the clone; git, not a staged file, makes it all-or-nothing.
            # `git add` runs while the transaction records the publication; the seal's commit waits for it.
            if pushed is None:
                staged.git = self.git.stage(relative, text)
            self._fault("staged")
            self._fault("before_commit")
            return PreparedFile(relative, module_id, text)
        try:
            staged.temp = files.stage(final, text.encode("utf-8"))
            # Re-publishing replaces the module's own file; a new name must never replace anything.
            staged.replace = bool(context.existing_path) and final.exists()
            self._fault("staged")
            self._fault("before_commit")
        except OSError as error:
            raise PublishError(f"could not write {relative} ({error}); nothing was published") from None
        return PreparedFile(relative, module_id, text)

    # ------------------------------------------------------------------ unpublish

    def unpublish(self, actor: ActorRef, draft_id: int, reason: str) -> PublishResult:
        """Archive a published module and remove its file from the library and the index (lead only)."""
        if self.git is not None:
            self.git.ready()
        self._catch_up()
        reverted: dict[str, str] = {}

        def push_withdrawal(sealing: PublicationSeal) -> None:
            assert self.git is not None
            head = f"{sealing.audit_seq} {sealing.audit_hash}"
            if "commit" not in reverted:
                reverted.update(commit=self.git.unpublish(sealing) or "", head=head)
                self._fault("reverted")
            elif reverted["commit"] and reverted["head"] != head:
                # The database ran the transaction again after the push: the revert names a rolled-back row.
                self.git.record_head(sealing, reverted["commit"])
                reverted["head"] = head

        record = self.ledger.unpublish_transaction(actor, draft_id, reason, push_withdrawal if self.git is not None else None)
        self._fault("committed")
        final = resolve_inside(self.library_dir, record.path)
        warning = ""
        on_disk = files.file_sha256(final)
        if self.git is None and on_disk in (record.text_sha256, None):
            files.remove_durably(final)
        elif on_disk is not None:  # with git, the revert commit removed the file unless it was edited since
            warning = f"{record.path} was edited by hand after publishing; it was left in place"
        self._fault("removed")
        error = self._index_call("remove_paths", record.path, reverted.get("commit", ""))
        if not error:
            self.ledger.mark_indexed(record.draft_id, record.text_sha256)
        self._fault("unindexed")
        return PublishResult(record.path, record.module_id, record.content_hash, record.revision, indexed=not error,
                             warning=warning or (f"removing from the index failed ({error})" if error else ""),
                             commit=reverted.get("commit", ""))

    def changed_outside_review(self) -> list[OutsideChange]:
        """Published files whose content differs from what review published (someone edited or removed them)."""
        changed = []
        for record in self.ledger.publications():
            if not record.present:
                continue
            try:
                on_disk = files.file_sha256(resolve_inside(self.library_dir, record.path))
            except ValueError:
                continue
            if on_disk != record.text_sha256:
                changed.append(OutsideChange(record.draft_id, record.path, "removed" if on_disk is None else "edited"))
        return changed

    # ------------------------------------------------------------------ repair

    def repair(self, stale_temp_seconds: float = STALE_TEMP_SECONDS) -> RecoveryReport:
        """Recover now and report everything recovery did since the last report (including at start-up)."""
        self.recover(stale_temp_seconds)
        report, self._unreported = self._unreported, RecoveryReport()
        return report

    def recover(self, stale_temp_seconds: float = STALE_TEMP_SECONDS) -> RecoveryReport:
        """Make the library and the index match every committed publication record (at start, on repair)."""
        report = RecoveryReport()
        report.temp_files_removed = len(files.sweep_temp_files(self.library_dir / PUBLISHED_FOLDER, stale_temp_seconds))
        return self._repair_records(self.ledger.publications(), report)

    def _catch_up(self) -> RecoveryReport:
        """Before each publish and unpublish: finish what a crashed or failed one left undone.

        Costs one indexed query when nothing is unfinished, however many publications there are: every
        step after the database commit (placing the file, indexing it) ends by marking the row indexed, so a
        row still unmarked is all a crash can leave behind. Hand edits and stale temp files are left to the
        full pass (`recover()`) at start and on `publish --repair`.
        """
        return self._repair_records(self.ledger.unfinished(), RecoveryReport())

    def _repair_records(self, records: list[PublicationRecord], report: RecoveryReport) -> RecoveryReport:
        """Make the library and the index match these committed records."""
        for record in records:
            try:
                final = resolve_inside(self.library_dir, record.path)
            except ValueError:
                report.conflicts.append(f"{record.path}: outside the library; ignored")
                continue
            on_disk = files.file_sha256(final)
            if self.git is not None and record.present and on_disk != record.text_sha256:
                # The remote is the library's truth: a change made there is reported, never overwritten.
                report.conflicts.append(f"{record.path}: changed in the library remote outside review; left as it is")
            elif record.present and on_disk != record.text_sha256:
                if on_disk is None or self._is_older_publication(final, record):
                    files.write_atomically(final, record.text.encode("utf-8"), may_replace=on_disk is not None)
                    report.rewritten.append(record.path)
                else:
                    report.conflicts.append(f"{record.path}: edited by hand since publishing; left as it is")
            elif self.git is None and not record.present and on_disk == record.text_sha256:
                files.remove_durably(final)
                report.removed.append(record.path)
            if not record.indexed or record.path in report.rewritten or record.path in report.removed:
                method = "reindex_paths" if record.present else "remove_paths"
                error = self._index_call(method, record.path)
                if error:
                    report.index_failures.append(f"{record.path}: {error}")
                else:
                    self.ledger.mark_indexed(record.draft_id, record.text_sha256)
                    report.reindexed.append(record.path)
        self._unreported = self._unreported.merge(report)
        if report.rewritten or report.removed or report.reindexed or report.temp_files_removed or report.conflicts:
            log.warning("publication recovery: %s", report.to_dict())
        return report

    @staticmethod
    def _is_older_publication(path: Path, record: PublicationRecord) -> bool:
        """True when the file is an earlier publication of the same draft (safe to replace)."""
        try:
            header, _ = split_front_matter(path.read_text(encoding="utf-8"))
            provenance = (yaml.safe_load(header or "") or {}).get("provenance") or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError, AttributeError):
            return False
        return provenance.get("draft_id") == record.draft_id and provenance.get("content_hash") != record.content_hash
