"""An interrupted publish into a git library: its commit reached the remote, its database transaction never committed.

A publish pushes its commit inside the database transaction that records it. When the process dies
after the remote accepted the push but before the commit, the draft stays approved and the remote holds
a publication the database does not know. The next publish of that draft (on any replica: the attempt
is recorded in the shared database) looks for that commit and records it instead of pushing a second one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import yaml

from review.errors import PublishError
from review.publications import PublishContext
from workbench.library.format import split_front_matter
from workbench.library.git_repository import GitRepository
from workbench.publishing.render import render_published

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Interrupted:
    """The commit of an interrupted publish of this very revision, and what became of its file since."""

    commit: str
    path: str
    module_id: str
    text: str  # the file as that commit wrote it: exactly what publishing renders
    edited_since: bool  # the branch now holds another text at `path` (edited by hand after the push)


def find_interrupted(repository: GitRepository, context: PublishContext, folder: str) -> Interrupted | None:
    """The pushed commit of an unfinished publish of the draft's current revision, to adopt; None to publish anew.

    Raises PublishError when a commit claims this publication but its file is not what publishing
    renders: recording it would put text nobody reviewed under the reviewers' names.
    """
    # Another replica may have pushed it: what the remote holds is the truth, not this clone.
    if not repository.discard_unpushed(folder):
        return None
    draft = context.draft
    commit, path = _newest_publication(repository, draft.id, draft.revision, draft.content_hash)
    if not commit:
        return None
    pushed = repository.file_at(commit, path) or ""
    now = repository.file_at("HEAD", path)
    if now is None or repository.reverted(commit):
        log.warning("draft %s: commit %s of an interrupted publish was reverted or its file %s removed in the library "
                    "remote since; publishing it again", draft.id, commit[:12], path)
        return None
    module_id, published_at = _identity(pushed)
    if module_id is None or published_at is None or render_published(context, module_id, published_at) != pushed:
        raise PublishError(
            f"commit {commit[:12]} in the library remote is marked as the publication of draft {draft.id} revision "
            f"{draft.revision}, but its file {path} is not what publishing renders from the approved draft; nothing was "
            "published: revert that commit in the remote, then publish again"
        )
    if now != pushed:
        log.warning("draft %s: adopting commit %s of an interrupted publish; %s was edited in the library remote since "
                    "and is listed as changed outside review", draft.id, commit[:12], path)
    return Interrupted(commit, path, module_id, pushed, edited_since=now != pushed)


def _newest_publication(repository: GitRepository, draft_id: int, revision: int, content_hash: str) -> tuple[str, str]:
    """(commit, path) of the newest commit whose trailers publish this revision of the draft; ("", "") if none."""
    for commit, trailers, paths in repository.commits_with_trailer("Content-Hash", content_hash):
        if (trailers.get("Draft-Id") == str(draft_id) and trailers.get("Revision") == str(revision)
                and "Reason" not in trailers and len(paths) == 1):
            return commit, paths[0]
    return "", ""


def _identity(text: str) -> tuple[str | None, datetime | None]:
    """The module id and publication time a published file's header names (None for what cannot be read)."""
    try:
        header, _ = split_front_matter(text)
        data = yaml.safe_load(header or "") or {}
        provenance = data.get("provenance") or {}
        return str(data["id"]), datetime.fromisoformat(str(provenance["published_at"]))
    except (yaml.YAMLError, AttributeError, KeyError, TypeError, ValueError):
        return None, None
