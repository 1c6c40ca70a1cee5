"""Publishing into a git library: one commit per publication, authored by the lead, provenance as trailers.

The commit is made and pushed inside the publication's database transaction, after its audit row:
a push that fails (remote unreachable, a real conflict, refused after every retry) raises, the
transaction rolls back, and the draft stays approved for a retry. Unpublishing reverts the
publication's commits in one revert commit.

A process that dies after the push was accepted leaves a publish commit whose Audit-Head names an audit
row that was rolled back. The retry adopts that commit (see interrupted.py) and pushes, still inside its
transaction, a commit that changes no file and carries the adopting row's Audit-Head: the newest
Audit-Head in the library is again a row of the chain, so `audit verify` keeps its second anchor at full
strength instead of learning to skip heads that do not match (which would let a rewritten chain pass).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Callable

from review.checkpoint import Checkpoint
from review.publications import PublicationSeal, PublishContext
from workbench.errors import WorkbenchError
from workbench.library.git_repository import GitIdentity, GitRepository, HistoryEntry, StagedFile
from workbench.publishing.interrupted import Interrupted, find_interrupted
from workbench.publishing.render import typed_draft

SUBJECT_CHARS = 72
# Anything that would end a trailer line or fake another one is flattened to a space.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def one_line(text: str, limit: int | None = None) -> str:
    """Text made safe for one line of a commit message (control characters and newlines removed)."""
    flat = " ".join(_UNSAFE.sub(" ", str(text)).split())
    return flat if limit is None or len(flat) <= limit else flat[: limit - 1] + "…"


def identities(display_name_of: Callable[[str], str | None], email_domain: str) -> Callable[[str], GitIdentity]:
    """How a workbench user appears in git: their display name and `<user name>@<email domain>`."""
    def identity_of(user: str) -> GitIdentity:
        name = one_line(display_name_of(user) or user) or "workbench"
        local = re.sub(r"[^A-Za-z0-9._+-]+", "-", user).strip("-.") or "workbench"
        return GitIdentity(name.replace("<", "").replace(">", ""), f"{local}@{email_domain}")
    return identity_of


def recorded_audit_head(repository: GitRepository) -> Checkpoint | None:
    """The audit head the newest publish or unpublish commit of the library carries (None if none does)."""
    try:
        found = repository.last_trailer("Audit-Head")
    except WorkbenchError:
        return None  # the clone cannot be read: the checkpoint file still anchors the chain
    if found is None:
        return None
    commit, date, value = found
    seq, _, row_hash = value.partition(" ")
    if not seq.isdigit() or len(row_hash.strip()) != 64:
        return None
    return Checkpoint(int(seq), row_hash.strip(), f"{date} in library commit {commit[:12]}")


class GitPublishing:
    """Turns a publication or a withdrawal into a pushed commit of the library's clone."""

    def __init__(self, repository: GitRepository, identity_of: Callable[[str], GitIdentity]) -> None:
        self.repository = repository
        self.identity_of = identity_of

    def ready(self) -> None:
        """Clone the remote into the library folder if that was not done yet (before anything is staged there)."""
        self.repository.ensure_clone()

    def publication_message(self, seal: PublicationSeal) -> str:
        """The commit message: a subject naming the module, then the provenance as trailers."""
        context, record = seal.context, seal.record
        assert context is not None
        generation = typed_draft(context).provenance
        draft = context.draft
        trailers = [("Draft-Id", str(draft.id)), ("Revision", str(record.revision)), ("Content-Hash", record.content_hash)]
        for sign_off in sorted(context.sign_offs, key=lambda s: s.dimension.value):
            who = self.identity_of(sign_off.user).trailer()
            trailers.append((f"Reviewed-{sign_off.dimension.value}-by", f"{who} {_utc(sign_off.signed_at)}"))
        model = "/".join(part for part in (generation.provider, generation.model) if part) or "none"
        prompts = ", ".join(f"{use.name}@{use.version}" for use in generation.prompts) or "none"
        trailers += [("Model", model), ("Prompt-Versions", prompts), ("Audit-Head", f"{seal.audit_seq} {seal.audit_hash}")]
        subject = one_line(f"Publish {draft.title}", SUBJECT_CHARS)
        body = one_line(f"Published {record.path} from draft {draft.id}, revision {record.revision}, "
                        f"after sign-off on every review dimension.")
        return f"{subject}\n\n{body}\n\n" + "".join(f"{key}: {one_line(value)}\n" for key, value in trailers)

    def stage(self, relative_path: str, text: str) -> StagedFile:
        """Write the file into the clone and start staging it (git works while the transaction records it)."""
        return self.repository.stage(relative_path, text)

    def publish(self, seal: PublicationSeal, staged: StagedFile | None = None) -> str:
        """Commit the publication's file (staged by `stage`, if it holds exactly this) as the lead and push it."""
        author, record = self.identity_of(seal.actor), seal.record
        message = self.publication_message(seal)
        if staged is not None and (staged.relative_path, staged.text) == (record.path, record.text):
            return staged.commit_and_push(author, message)
        if staged is not None:
            staged.abandon()
        return self.repository.commit_and_push(record.path, record.text, author, message)

    def interrupted(self, context: PublishContext, folder: str) -> Interrupted | None:
        """The pushed commit of an earlier, unfinished publish of this revision (None: publish anew)."""
        return find_interrupted(self.repository, context, folder)

    def record_head(self, seal: PublicationSeal, commit: str) -> str:
        """Push a commit that changes no file and names the audit head of the transaction recording `commit`.

        For a publication (or withdrawal) whose commit was pushed by an attempt the database never
        committed (interrupted, or a transaction the database ran again): that commit's Audit-Head names
        a row that was rolled back.
        """
        record = seal.record
        what, does = ("publication", "publishes") if seal.context is not None else ("withdrawal", "withdraws")
        subject = one_line(f"Record the {what} of {record.module_id}", SUBJECT_CHARS)
        message = (f"{subject}\n\nCommit {commit} {does} {record.path} of draft {record.draft_id}, revision "
                   f"{record.revision}; it was interrupted after the push and is now recorded.\n\n"
                   f"Records: {commit}\nAudit-Head: {seal.audit_seq} {seal.audit_hash}\n")
        return self.repository.record_and_push(self.identity_of(seal.actor), message)

    def unpublish(self, seal: PublicationSeal) -> str | None:
        """Revert the commits that published this draft's file; None when the file was edited since (left alone)."""
        record = seal.record
        self.repository.pull()  # a hand edit in the remote must be seen before deciding what to revert
        commits = self._publication_commits(record.path, record.draft_id)
        if not commits:
            interrupted = self._interrupted_withdrawal(record.path, record.draft_id)
            if interrupted:
                self.record_head(seal, interrupted)
            return interrupted or None
        subject = one_line(f"Unpublish {record.module_id}", SUBJECT_CHARS)
        message = (f"{subject}\n\nThis reverts commit {', '.join(commits)}.\n\n"
                   f"Draft-Id: {record.draft_id}\nReason: {one_line(seal.reason)}\n"
                   f"Audit-Head: {seal.audit_seq} {seal.audit_hash}\n")
        return self.repository.revert_and_push(commits, self.identity_of(seal.actor), message)

    def _publication_commits(self, path: str, draft_id: int) -> list[str]:
        """The newest run of commits on `path` that are this draft's publications (none if someone edited after)."""
        commits = []
        for entry in self.repository.history(path):
            trailers = dict(self.repository.trailers(entry.commit))
            if trailers.get("Draft-Id") != str(draft_id) or "Reason" in trailers:
                break
            commits.append(entry.commit)
        return commits

    def _interrupted_withdrawal(self, path: str, draft_id: int) -> str:
        """The revert commit of an unpublish of this draft that was pushed but never recorded ("" if none).

        The database still holds the publication (this very unpublish is recording its withdrawal), so a
        newest commit on the file that withdraws this draft is an earlier attempt's, killed after its push.
        """
        newest = self.repository.history(path, 1)
        if not newest:
            return ""
        trailers = dict(self.repository.trailers(newest[0].commit))
        return newest[0].commit if trailers.get("Draft-Id") == str(draft_id) and "Reason" in trailers else ""

    def history(self, path: str, limit: int = 50) -> list[HistoryEntry]:
        """The commits that touched one library file, newest first."""
        return self.repository.history(path, limit)


def _utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
