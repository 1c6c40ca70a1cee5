"""A publish or unpublish into a git library killed between the accepted push and the database commit.

A child process publishes against a real bare remote and is SIGKILLed while it waits at a step; the
retry (in this process, on the same clone or on another replica's) must leave exactly one publication.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from review.audit import AuditTrail
from review.errors import PublishError
from review.policy import DraftState
from tests.integration.publishing.conftest import RecordingIndex
from tests.support.git_remote import commits_of_draft, git, make_remote, other_person, remote_file, remote_log, trailers
from workbench.library.git_repository import GitRepository
from workbench.publishing.git_publishing import GitPublishing, identities, recorded_audit_head
from workbench.publishing.service import Publisher
from workbench.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
SQLITE_ONLY = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
PATH = "published/giving-feedback.md"


class SimulatedCrash(BaseException):
    """Like the process dying: not an Exception, so no `except Exception` clean-up runs."""


@pytest.fixture
def remote(tmp_path):
    return make_remote(tmp_path)


def _publisher(team, tmp_path, remote, clone_dir, fault_hook=None) -> Publisher:
    settings = Settings(library_dir=clone_dir, data_dir=tmp_path / "data", llm_provider="fake", library_git_remote=str(remote))
    publishing = GitPublishing(GitRepository(clone_dir, str(remote), "main"), identities({"lena": "Lena Lead"}.get, "example.test"))
    return Publisher(settings, team.ledger, RecordingIndex(clone_dir), git=publishing, fault_hook=fault_hook)


def _killed_at(step: str, database, clone_dir: Path, remote: Path, draft, tmp_path: Path) -> None:
    """A child process publishes the draft, is SIGKILLed while it waits at `step`, and is gone."""
    ready = tmp_path / f"{step}.ready"
    url = database.url.render_as_string(hide_password=False)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.publish_child", url, str(clone_dir), str(remote), str(draft.id),
         str(draft.revision), str(ready), step],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    try:
        while not ready.exists():
            if child.poll() is not None:
                pytest.fail(f"the publishing process ended before {step} ({child.returncode}): {child.stderr.read()}")
            assert time.monotonic() < deadline, f"the publishing process did not reach {step}"
            time.sleep(0.05)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(60)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL


def _publish_commits(remote: Path, draft_id: int) -> list[str]:
    """Every commit on the remote whose message carries the draft's Draft-Id trailer (read from `%B`)."""
    found = []
    for commit in remote_log(remote, "--format=%H").split():
        if ("Draft-Id", str(draft_id)) in trailers(remote, commit):
            found.append(commit)
    return found


def _anchored_trail(team, database, repository: GitRepository) -> AuditTrail:
    return AuditTrail(database, team.trail.clock, None, lambda: recorded_audit_head(repository))


def _assert_published_once(team, database, remote, publisher, draft, result, orphan) -> None:
    """One publication, held by the orphan commit; the chain verifies against the library's newest Audit-Head."""
    assert result.commit == orphan and result.path == PATH
    assert _publish_commits(remote, draft.id) == commits_of_draft(remote, draft.id) == [orphan]
    [record] = team.ledger.publications()
    assert record.commit == orphan and record.path == PATH
    assert remote_file(remote, PATH) == record.text == (publisher.library_dir / PATH).read_text(encoding="utf-8")
    assert f"draft_id: {draft.id}" in record.text and record.content_hash == draft.content_hash
    assert [name for name in git(remote, "ls-tree", "-r", "--name-only", "main").split() if name.endswith("-2.md")] == []
    assert team.queries.get_draft(draft.id).state == DraftState.PUBLISHED
    [row] = team.trail.rows(draft_id=draft.id, action="publish")
    assert row["details"]["adopted_commit"] == orphan
    # The newest commit names the adopting row; the orphan's own Audit-Head names a row that was rolled back.
    newest = dict(trailers(remote, remote_log(remote, "-1", "--format=%H").strip()))
    assert newest["Records"] == orphan and newest["Audit-Head"] == f"{row['seq']} {row['row_hash']}"
    verified = _anchored_trail(team, database, publisher.git.repository).verify()
    assert verified.ok, verified.problem
    assert verified.checkpoint_seq == row["seq"]


def test_a_publish_killed_after_its_push_is_adopted_by_the_retry_on_the_same_clone(team, database, tmp_path, remote):
    from tests.integration.review.test_audit_log import _truncate

    clone_dir = tmp_path / "library"
    draft = team.approved()
    _killed_at("pushed", database, clone_dir, remote, draft, tmp_path)
    [orphan] = commits_of_draft(remote, draft.id)
    assert team.queries.get_draft(draft.id).state == DraftState.APPROVED and team.ledger.publications() == []

    publisher = _publisher(team, tmp_path, remote, clone_dir)
    result = publisher.publish("lena", draft.id, draft.revision)
    _assert_published_once(team, database, remote, publisher, draft, result, orphan)
    assert result.warning == ""

    # Adoption did not make the anchor lenient: a chain cut below the adopting row is still caught.
    row = team.trail.rows(draft_id=draft.id, action="publish")[-1]
    _truncate(database, keep=row["seq"] - 1)
    cut = _anchored_trail(team, database, publisher.git.repository).verify()
    assert not cut.ok and f"recorded row {row['seq']}" in cut.problem and "in library commit" in cut.problem


def test_another_replica_adopts_the_commit_a_killed_replica_pushed(team, database, tmp_path, remote):
    replica_b = tmp_path / "replica-b"
    publisher = _publisher(team, tmp_path, remote, replica_b)
    publisher.git.ready()  # replica B's clone exists before replica A pushes
    draft = team.approved()
    _killed_at("pushed", database, tmp_path / "replica-a", remote, draft, tmp_path)
    [orphan] = commits_of_draft(remote, draft.id)
    assert not (replica_b / PATH).exists() and not publisher.git.repository.contains(orphan)

    result = publisher.publish("lena", draft.id, draft.revision)
    _assert_published_once(team, database, remote, publisher, draft, result, orphan)


@SQLITE_ONLY
def test_a_commit_a_killed_publish_never_pushed_is_dropped_and_the_retry_pushes_one(team, database, tmp_path, remote):
    clone_dir = tmp_path / "library"
    draft = team.approved()
    _killed_at("before_push", database, clone_dir, remote, draft, tmp_path)
    assert commits_of_draft(remote, draft.id) == []
    assert (clone_dir / PATH).exists(), "the killed process left its commit and file in the clone"
    (clone_dir / ".git" / "index.lock").write_text("")  # as a process killed inside a git command leaves it

    publisher = _publisher(team, tmp_path, remote, clone_dir)
    result = publisher.publish("lena", draft.id, draft.revision)
    assert _publish_commits(remote, draft.id) == [result.commit] and result.path == PATH
    assert team.ledger.publications()[0].commit == result.commit
    assert remote_log(remote, "-1", "--format=%H").strip() == result.commit
    assert _anchored_trail(team, database, publisher.git.repository).verify().ok


@SQLITE_ONLY
def test_a_file_a_killed_publish_left_staged_is_not_committed_with_the_next_publication(team, tmp_path, remote):
    clone_dir = tmp_path / "library"
    publisher = _publisher(team, tmp_path, remote, clone_dir)
    publisher.git.ready()
    # What a publish killed between `git add` and `git commit` leaves: its file staged in the clone.
    leftover = clone_dir / "published" / "left-behind.md"
    leftover.parent.mkdir(parents=True, exist_ok=True)
    leftover.write_text("---\nid: left-behind\n---\nNever reviewed as part of this publication.\n", encoding="utf-8")
    git(clone_dir, "add", "--", "published/left-behind.md")

    draft = team.approved()
    result = publisher.publish("lena", draft.id, draft.revision)
    assert git(remote, "show", "--name-only", "--format=", result.commit).split() == [result.path]
    assert remote_file(remote, "published/left-behind.md") is None
    assert _publish_commits(remote, draft.id) == [result.commit]


@SQLITE_ONLY
def test_an_adopted_commit_whose_file_was_edited_since_is_recorded_and_named(team, tmp_path, remote):
    clone_dir = tmp_path / "library"
    draft = team.approved()
    crashing = _publisher(team, tmp_path, remote, clone_dir, fault_hook=_crash_at("pushed"))
    with pytest.raises(SimulatedCrash):
        crashing.publish("lena", draft.id, draft.revision)
    [orphan] = commits_of_draft(remote, draft.id)
    other = other_person(tmp_path, remote)
    edited = remote_file(remote, PATH) + "\nA paragraph added by hand.\n"
    other.commit(PATH, edited, "Touch up the feedback module")

    publisher = _publisher(team, tmp_path, remote, clone_dir)
    result = publisher.publish("lena", draft.id, draft.revision)
    assert result.commit == orphan and commits_of_draft(remote, draft.id) == [orphan]
    assert f"recorded commit {orphan[:12]}, which an interrupted publish had pushed" in result.warning
    assert "edited in the library remote since and is listed as changed outside review" in result.warning
    assert remote_file(remote, PATH) == edited, "the hand edit is kept"
    assert [(c.draft_id, c.what) for c in publisher.changed_outside_review()] == [(draft.id, "edited")]


@SQLITE_ONLY
def test_an_orphan_reverted_in_the_remote_is_not_adopted_the_draft_is_published_again(team, tmp_path, remote):
    clone_dir = tmp_path / "library"
    draft = team.approved()
    with pytest.raises(SimulatedCrash):
        _publisher(team, tmp_path, remote, clone_dir, fault_hook=_crash_at("pushed")).publish("lena", draft.id, draft.revision)
    [orphan] = commits_of_draft(remote, draft.id)
    other = other_person(tmp_path, remote)
    git(other.clone, "revert", "--no-edit", orphan)
    git(other.clone, "push", "-q", "origin", "HEAD:main")

    publisher = _publisher(team, tmp_path, remote, clone_dir)
    result = publisher.publish("lena", draft.id, draft.revision)
    assert result.commit != orphan and commits_of_draft(remote, draft.id) == [result.commit, orphan]
    assert result.path == PATH and remote_file(remote, PATH) == team.ledger.publications()[0].text
    assert team.ledger.publications()[0].commit == result.commit
    assert "adopted_commit" not in team.trail.rows(draft_id=draft.id, action="publish")[-1]["details"]


@SQLITE_ONLY
def test_a_commit_claiming_the_publication_with_another_file_is_refused_and_nothing_is_recorded(team, tmp_path, remote):
    clone_dir = tmp_path / "library"
    draft = team.approved()
    with pytest.raises(SimulatedCrash):
        _publisher(team, tmp_path, remote, clone_dir, fault_hook=_crash_at("before_commit")).publish(
            "lena", draft.id, draft.revision)
    other = other_person(tmp_path, remote)
    other.commit(PATH, "# Giving feedback\n\nNot what was reviewed.\n", "Publish Giving feedback")
    git(other.clone, "commit", "-q", "--amend", "-m",
        f"Publish Giving feedback\n\nDraft-Id: {draft.id}\nRevision: {draft.revision}\nContent-Hash: {draft.content_hash}\n")
    git(other.clone, "push", "-q", "-f", "origin", "HEAD:main")
    forged = git(other.clone, "rev-parse", "HEAD").strip()

    publisher = _publisher(team, tmp_path, remote, clone_dir)
    with pytest.raises(PublishError, match=rf"commit {forged[:12]} in the library remote is marked as the publication of "
                                           rf"draft {draft.id}.*not what publishing renders.*nothing was published"):
        publisher.publish("lena", draft.id, draft.revision)
    assert team.ledger.publications() == [] and team.queries.get_draft(draft.id).state == DraftState.APPROVED
    assert remote_log(remote, "-1", "--format=%H").strip() == forged


def _crash_at(step: str):
    def hook(current: str) -> None:
        if current == step:
            raise SimulatedCrash(step)
    return hook


@SQLITE_ONLY
def test_an_unpublish_killed_after_its_revert_was_pushed_is_recorded_by_the_retry(team, database, tmp_path, remote):
    clone_dir = tmp_path / "library"
    draft = team.approved()
    published = _publisher(team, tmp_path, remote, clone_dir).publish("lena", draft.id, draft.revision)
    with pytest.raises(SimulatedCrash):
        _publisher(team, tmp_path, remote, clone_dir, fault_hook=_crash_at("reverted")).unpublish("lena", draft.id, "Superseded")
    [revert] = remote_log(remote, "-1", "--format=%H").split()
    assert f"This reverts commit {published.commit}." in remote_log(remote, "-1", "--format=%B")
    assert team.queries.get_draft(draft.id).state == DraftState.PUBLISHED, "the withdrawal was rolled back"

    publisher = _publisher(team, tmp_path, remote, clone_dir)
    withdrawn = publisher.unpublish("lena", draft.id, "Superseded")
    assert withdrawn.commit == revert and withdrawn.warning == ""
    reverts = [c for c in remote_log(remote, "--format=%H").split() if "Reason" in dict(trailers(remote, c))]
    assert reverts == [revert], "one revert commit, not a second one"
    assert remote_file(remote, PATH) is None and team.queries.get_draft(draft.id).state.value == "archived"
    row = team.trail.rows(draft_id=draft.id, action="unpublish")[-1]
    newest = dict(trailers(remote, remote_log(remote, "-1", "--format=%H").strip()))
    assert newest == {"Records": revert, "Audit-Head": f"{row['seq']} {row['row_hash']}"}
    assert _anchored_trail(team, database, publisher.git.repository).verify().ok
