"""What a publish does beside or before its slow steps: the pass before each publish, git staging, the attempt's sync.

The pass before each publish finishes only what a crash or failure left unfinished (one indexed query);
hand edits wait for the full pass at start and on repair. With a git library, `git add` runs while the
transaction records the publication, and the attempt row is synced to disk beside it, before any push.
"""

from __future__ import annotations

import fcntl

import pytest

from review.errors import PublishError
from tests.integration.publishing.conftest import RecordingIndex
from tests.support.git_remote import commits_of_draft, git, make_remote, remote_file
from workbench.library.git_repository import GitRepository
from workbench.publishing.git_publishing import GitPublishing, identities
from workbench.publishing.service import Publisher
from workbench.settings import Settings

SQLITE_ONLY = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
PATH = "published/giving-feedback.md"


def _git_publisher(team, tmp_path, remote, clone_dir, fault_hook=None) -> Publisher:
    settings = Settings(library_dir=clone_dir, data_dir=tmp_path / "data", llm_provider="fake", library_git_remote=str(remote))
    publishing = GitPublishing(GitRepository(clone_dir, str(remote), "main"), identities({"lena": "Lena Lead"}.get, "example.test"))
    return Publisher(settings, team.ledger, RecordingIndex(clone_dir), git=publishing, fault_hook=fault_hook)


def _lock_is_free(clone_dir) -> bool:
    with open(clone_dir / ".git" / "workbench.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(lock, fcntl.LOCK_UN)
        return True


def test_the_pass_before_a_publish_finishes_unfinished_publications_only(team, publish_settings, index, library):
    publisher = Publisher(publish_settings, team.ledger, index)
    first = team.approved(title="Giving feedback")
    done = publisher.publish("lena", first.id, first.revision)
    assert team.ledger.unfinished() == []
    (library / done.path).unlink()  # removed by hand: no crash left this unfinished

    index.fail = True
    second = team.approved(title="Running a meeting")
    failed = publisher.publish("lena", second.id, second.revision)
    assert not failed.indexed
    assert [record.path for record in team.ledger.unfinished()] == [failed.path]

    index.fail = False
    third = team.approved(title="Writing a brief")
    publisher.publish("lena", third.id, third.revision)
    assert failed.path in index.indexed and team.ledger.unfinished() == [], "the index failure was caught up"
    assert not (library / done.path).exists(), "a finished publication is not read before each publish"
    assert publisher.repair().rewritten == [done.path]
    assert (library / done.path).read_text(encoding="utf-8") == team.ledger.publications()[0].text


def test_a_publish_failing_after_git_staged_its_file_leaves_the_clone_unchanged_and_unlocked(team, tmp_path):
    remote, clone_dir = make_remote(tmp_path), tmp_path / "library"
    draft = team.approved()

    def fail(step: str) -> None:
        if step == "before_commit":
            raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="the database went away"):
        _git_publisher(team, tmp_path, remote, clone_dir, fault_hook=fail).publish("lena", draft.id, draft.revision)
    assert _lock_is_free(clone_dir)
    assert not (clone_dir / PATH).exists() and git(clone_dir, "status", "--porcelain") == ""
    assert commits_of_draft(remote, draft.id) == [] and team.ledger.publications() == []

    result = _git_publisher(team, tmp_path, remote, clone_dir).publish("lena", draft.id, draft.revision)
    assert commits_of_draft(remote, draft.id) == [result.commit]
    assert remote_file(remote, PATH) == team.ledger.publications()[0].text


@SQLITE_ONLY
def test_nothing_is_pushed_when_the_publish_attempt_cannot_be_synced_to_disk(team, tmp_path, monkeypatch):
    remote, clone_dir = make_remote(tmp_path), tmp_path / "library"
    draft = team.approved()
    publisher = _git_publisher(team, tmp_path, remote, clone_dir)

    def broken(descriptor: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("review.db._sync_data", broken)
    with pytest.raises(PublishError, match=r"the publish attempt could not be written to disk \(.*Input/output error\); "
                                           r"nothing was published"):
        publisher.publish("lena", draft.id, draft.revision)
    assert commits_of_draft(remote, draft.id) == [] and team.ledger.publications() == []
    assert team.queries.get_draft(draft.id).state.value == "approved"
    assert _lock_is_free(clone_dir) and git(clone_dir, "status", "--porcelain") == ""

    monkeypatch.undo()
    result = publisher.publish("lena", draft.id, draft.revision)
    assert commits_of_draft(remote, draft.id) == [result.commit]
