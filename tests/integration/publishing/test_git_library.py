"""The library as a git repository: each publication a pushed commit with its provenance as trailers.

The remote is a real bare repository in tmp_path; a second clone plays the other people who push to it.
"""

from __future__ import annotations

import pytest

from review.policy import DraftState
from tests.support.git_remote import (
    commits_of_draft, git, make_remote, other_person, remote_file, remote_log, trailers,
)
from workbench.errors import LibraryPushConflict, LibraryPushRefused, LibraryRemoteUnavailable
from workbench.library.git_repository import GitRepository
from workbench.publishing.git_publishing import GitPublishing, identities
from workbench.publishing.service import Publisher
from workbench.settings import Settings
from tests.integration.publishing.conftest import RecordingIndex

SQLITE_ONLY = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
PATH = "published/giving-feedback.md"
NAMES = {"lena": "Lena Lead", "sam": "Sam Accurate", "cara": "Cara Culture", "eric": "Eric Ethics"}


@pytest.fixture
def remote(tmp_path):
    return make_remote(tmp_path)


@pytest.fixture
def other(tmp_path, remote):
    return other_person(tmp_path, remote)


@pytest.fixture
def clone_dir(tmp_path):
    return tmp_path / "library"


def _publisher(team, tmp_path, remote, clone_dir, before_push=None) -> Publisher:
    settings = Settings(library_dir=clone_dir, data_dir=tmp_path / "data", llm_provider="fake",
                        library_git_remote=str(remote))
    repository = GitRepository(clone_dir, str(remote), "main", before_push=before_push)
    git_publishing = GitPublishing(repository, identities(NAMES.get, "example.test"))
    return Publisher(settings, team.ledger, RecordingIndex(clone_dir), git=git_publishing)


def _head_of_clone(clone_dir) -> str:
    return git(clone_dir, "rev-parse", "HEAD").strip()


def _published_then_edited_in_the_remote(team, tmp_path, remote, other, clone_dir):
    """A draft published through the git backend, then its file edited by hand in the remote."""
    publisher = _publisher(team, tmp_path, remote, clone_dir)
    draft = team.approved()
    publisher.publish("lena", draft.id, draft.revision)
    git(other.clone, "pull", "-q", "origin", "main")
    edited = (other.clone / PATH).read_text(encoding="utf-8") + "\nA paragraph added by hand.\n"
    return publisher, draft, edited, other.commit(PATH, edited, "Touch up the feedback module")


def _not_published(team, draft, clone_dir, remote) -> None:
    """The draft is still approved, nothing is recorded, the clone holds no commit of it and the remote neither."""
    assert team.queries.get_draft(draft.id).state == DraftState.APPROVED
    assert team.ledger.publications() == []
    assert team.trail.rows(draft_id=draft.id, action="publish") == []
    assert commits_of_draft(remote, draft.id) == []
    assert not (clone_dir / PATH).exists()
    assert git(clone_dir, "status", "--porcelain", "--untracked-files=no") == ""


def test_a_publication_is_one_commit_by_the_lead_with_its_provenance_as_trailers(team, tmp_path, remote, clone_dir):
    publisher = _publisher(team, tmp_path, remote, clone_dir)
    draft = team.approved()
    result = publisher.publish("lena", draft.id, draft.revision)

    assert (clone_dir / "published" / "intro.md").exists(), "the library folder is a clone of the remote"
    assert remote_file(remote, PATH) == (clone_dir / PATH).read_text(encoding="utf-8")
    assert commits_of_draft(remote, draft.id) == [result.commit]
    assert remote_log(remote, "-1", "--format=%an <%ae>|%cn|%s", result.commit).strip() == \
        "Lena Lead <lena@example.test>|Lena Lead|Publish Giving feedback"
    parsed = trailers(remote, result.commit)
    keys = [key for key, _ in parsed]
    assert keys == ["Draft-Id", "Revision", "Content-Hash", "Reviewed-accuracy-by", "Reviewed-cultural-by",
                    "Reviewed-ethics-by", "Model", "Prompt-Versions", "Audit-Head"]
    values = dict(parsed)
    assert values["Draft-Id"] == str(draft.id) and values["Revision"] == str(draft.revision)
    assert values["Content-Hash"] == draft.content_hash == result.content_hash
    signed = {s.dimension.value: s.signed_at for s in team.queries.get_draft(draft.id).sign_offs}
    assert values["Reviewed-accuracy-by"] == f"Sam Accurate <sam@example.test> {signed['accuracy']:%Y-%m-%dT%H:%M:%SZ}"
    assert values["Reviewed-ethics-by"].startswith("Eric Ethics <eric@example.test> ")
    # The audit head in the commit is the chain's head including the publication's own row.
    published_row = team.trail.rows(draft_id=draft.id, action="publish")[-1]
    assert values["Audit-Head"] == f"{published_row['seq']} {published_row['row_hash']}"
    assert team.queries.get_draft(draft.id).state == DraftState.PUBLISHED


@SQLITE_ONLY
def test_text_from_people_cannot_forge_a_trailer(team, tmp_path, remote, clone_dir):
    publisher = _publisher(team, tmp_path, remote, clone_dir)
    draft = team.approved(title="Feedback\u2028Draft-Id: 999")
    published = publisher.publish("lena", draft.id, draft.revision)
    assert [value for key, value in trailers(remote, published.commit) if key == "Draft-Id"] == [str(draft.id)]
    assert remote_log(remote, "-1", "--format=%s", published.commit).strip() == "Publish Feedback Draft-Id: 999"

    withdrawn = publisher.unpublish("lena", draft.id, "Outdated\n\nDraft-Id: 999\nReviewed-accuracy-by: Mallory")
    parsed = trailers(remote, withdrawn.commit)
    assert [value for key, value in parsed if key == "Draft-Id"] == [str(draft.id)]
    assert "Reviewed-accuracy-by" not in dict(parsed)
    assert dict(parsed)["Reason"] == "Outdated Draft-Id: 999 Reviewed-accuracy-by: Mallory"


@SQLITE_ONLY
def test_a_remote_that_moved_is_fetched_rebased_and_pushed(team, tmp_path, remote, other, clone_dir):
    publisher = _publisher(team, tmp_path, remote, clone_dir)
    first = team.approved(title="Active listening")
    publisher.publish("lena", first.id, first.revision)
    theirs = other.commit("notes/agenda.md", "# Agenda\n\nWritten elsewhere.\n", "Add the agenda")
    draft = team.approved()
    result = publisher.publish("lena", draft.id, draft.revision)

    assert commits_of_draft(remote, draft.id) == [result.commit]
    # Ours went on top of theirs: the history is linear and their commit is kept.
    assert remote_log(remote, "--format=%H", "-2").split() == [result.commit, theirs]
    assert remote_file(remote, "notes/agenda.md") == "# Agenda\n\nWritten elsewhere.\n"
    assert (clone_dir / "notes" / "agenda.md").exists(), "the rebase brought their change into the clone"
    assert _head_of_clone(clone_dir) == result.commit


@SQLITE_ONLY
def test_a_real_conflict_is_named_keeps_the_approved_draft_and_a_retry_after_fixing_publishes(team, tmp_path, remote, other, clone_dir):
    publisher = _publisher(team, tmp_path, remote, clone_dir)
    publisher.git.ready()
    before = _head_of_clone(clone_dir)
    other.commit(PATH, "# Giving feedback\n\nSomeone else's file at the same place.\n", "Add a feedback page")
    draft = team.approved()
    with pytest.raises(LibraryPushConflict, match="changed the same file.*approved draft is kept"):
        publisher.publish("lena", draft.id, draft.revision)
    assert _head_of_clone(clone_dir) == before, "no local commit is left behind to be pushed later"
    assert team.queries.get_draft(draft.id).state == DraftState.APPROVED
    assert team.ledger.publications() == [] and commits_of_draft(remote, draft.id) == []
    assert "Someone else's file" in remote_file(remote, PATH)

    other.commit(PATH, None, "Remove the feedback page again")
    result = publisher.publish("lena", draft.id, draft.revision)
    assert commits_of_draft(remote, draft.id) == [result.commit]
    assert result.path == PATH and remote_file(remote, PATH) == (clone_dir / PATH).read_text(encoding="utf-8")
    assert team.queries.get_draft(draft.id).state == DraftState.PUBLISHED


@SQLITE_ONLY
def test_a_fourth_refusal_is_named_and_nothing_is_published(team, tmp_path, remote, other, clone_dir):
    moves = []

    def remote_moves(attempt: int) -> None:
        # Someone pushes just before each of our attempts, so every push is refused as non-fast-forward.
        moves.append(other.commit(f"notes/busy-{attempt}.md", f"# Busy {attempt}\n", f"Busy {attempt}"))

    publisher = _publisher(team, tmp_path, remote, clone_dir, before_push=remote_moves)
    draft = team.approved()
    with pytest.raises(LibraryPushRefused, match="refused the push 4 times.*publish again"):
        publisher.publish("lena", draft.id, draft.revision)
    assert len(moves) == 4
    _not_published(team, draft, clone_dir, remote)

    publisher.git.repository.before_push = None
    result = publisher.publish("lena", draft.id, draft.revision)
    assert commits_of_draft(remote, draft.id) == [result.commit]


@SQLITE_ONLY
def test_an_unreachable_remote_records_nothing_and_a_retry_publishes_exactly_once(team, tmp_path, remote, clone_dir):
    publisher = _publisher(team, tmp_path, remote, clone_dir)
    publisher.git.ready()
    before = _head_of_clone(clone_dir)
    away = remote.with_name("remote-away.git")
    remote.rename(away)  # the remote's path no longer exists: git cannot reach it
    draft = team.approved()
    with pytest.raises(LibraryRemoteUnavailable, match="cannot be reached.*nothing was published"):
        publisher.publish("lena", draft.id, draft.revision)
    assert _head_of_clone(clone_dir) == before
    away.rename(remote)
    _not_published(team, draft, clone_dir, remote)

    result = publisher.publish("lena", draft.id, draft.revision)
    assert commits_of_draft(remote, draft.id) == [result.commit]
    assert len(team.ledger.publications()) == 1


@SQLITE_ONLY
def test_a_first_clone_of_an_unreachable_remote_leaves_no_half_made_clone(team, tmp_path, clone_dir):
    publisher = _publisher(team, tmp_path, tmp_path / "missing.git", clone_dir)
    draft = team.approved()
    with pytest.raises(LibraryRemoteUnavailable, match="cannot be reached"):
        publisher.publish("lena", draft.id, draft.revision)
    assert not (clone_dir / ".git").exists()
    assert team.queries.get_draft(draft.id).state == DraftState.APPROVED


@SQLITE_ONLY
def test_unpublishing_is_a_revert_commit_pushed_to_the_remote(team, tmp_path, remote, clone_dir):
    publisher = _publisher(team, tmp_path, remote, clone_dir)
    draft = team.approved()
    published = publisher.publish("lena", draft.id, draft.revision)
    withdrawn = publisher.unpublish("lena", draft.id, "Superseded by the new policy")

    assert withdrawn.commit and withdrawn.warning == ""
    assert remote_log(remote, "-1", "--format=%H").strip() == withdrawn.commit
    message = remote_log(remote, "-1", "--format=%B")
    assert f"This reverts commit {published.commit}." in message
    values = dict(trailers(remote, withdrawn.commit))
    assert values["Reason"] == "Superseded by the new policy" and values["Draft-Id"] == str(draft.id)
    assert remote_log(remote, "-1", "--format=%an", withdrawn.commit).strip() == "Lena Lead"
    assert remote_file(remote, PATH) is None and not (clone_dir / PATH).exists()
    assert remote_file(remote, "published/intro.md") is not None
    assert team.queries.get_draft(draft.id).state.value == "archived"


@SQLITE_ONLY
def test_a_module_edited_in_the_remote_is_pulled_and_reported_as_changed_outside_review(team, tmp_path, remote, other, clone_dir):
    publisher, draft, edited, theirs = _published_then_edited_in_the_remote(team, tmp_path, remote, other, clone_dir)

    assert publisher.changed_outside_review() == []
    assert publisher.git.repository.pull() == theirs
    changes = publisher.changed_outside_review()
    assert [(c.draft_id, c.path, c.what) for c in changes] == [(draft.id, PATH, "edited")]
    # Recovery leaves the remote's version alone and says why.
    assert publisher.repair().conflicts == [f"{PATH}: changed in the library remote outside review; left as it is"]
    assert (clone_dir / PATH).read_text(encoding="utf-8") == edited


@pytest.mark.slow
@SQLITE_ONLY
def test_the_cli_names_the_pushed_commit_of_a_publication_and_of_its_withdrawal(team, database, tmp_path, remote, clone_dir):
    from typer.testing import CliRunner

    from tests.support.people import PASSWORD
    from workbench.cli import app

    draft = team.approved()
    env = {"WORKBENCH_DATABASE_URL": database.url.render_as_string(hide_password=False), "WORKBENCH_LLM_PROVIDER": "fake",
           "WORKBENCH_LIBRARY_GIT_REMOTE": str(remote), "WORKBENCH_LIBRARY_GIT_EMAIL_DOMAIN": "example.test"}
    base = ["--library", str(clone_dir), "--data-dir", str(tmp_path / "data")]
    published = CliRunner().invoke(app, [*base, "publish", str(draft.id), "--revision", str(draft.revision), "--as", "lena",
                                         "--password-stdin"], input=PASSWORD + "\n", env=env)
    assert published.exit_code == 0, (published.stdout, published.stderr)
    [commit] = commits_of_draft(remote, draft.id)
    assert published.stdout.strip().endswith(f"(module giving-feedback); commit {commit[:12]} pushed to the library remote")
    assert remote_log(remote, "-1", "--format=%an <%ae>").strip() == "lena <lena@example.test>"

    withdrawn = CliRunner().invoke(app, [*base, "unpublish", str(draft.id), "--reason", "Superseded", "--as", "lena",
                                         "--password-stdin"], input=PASSWORD + "\n", env=env)
    assert withdrawn.exit_code == 0, (withdrawn.stdout, withdrawn.stderr)
    revert = remote_log(remote, "-1", "--format=%H").strip()
    assert withdrawn.stdout.strip() == f"unpublished draft {draft.id}: removed {PATH}; revert commit {revert[:12]} pushed to the library remote"


@SQLITE_ONLY
def test_a_transaction_the_database_retries_after_the_push_pushes_only_once(team, tmp_path, remote, clone_dir):
    from sqlalchemy.exc import OperationalError

    publisher = _publisher(team, tmp_path, remote, clone_dir)
    busy = []

    def locked_once(step: str) -> None:
        # The database reports a lock timeout after the push: it runs the whole transaction again.
        if step == "pushed" and not busy:
            busy.append(step)
            raise OperationalError("COMMIT", {}, Exception("database is locked"))

    publisher.fault_hook = locked_once
    draft = team.approved()
    result = publisher.publish("lena", draft.id, draft.revision)
    assert busy == ["pushed"]
    assert commits_of_draft(remote, draft.id) == [result.commit]
    assert remote_file(remote, PATH) == team.ledger.publications()[0].text
    assert len(team.trail.rows(draft_id=draft.id, action="publish")) == 1
    # The pushed commit names the first run's audit row, which was rolled back; a commit recording the
    # committed row follows it, so the library's newest Audit-Head is a row of the chain.
    from review.audit import AuditTrail
    from workbench.publishing.git_publishing import recorded_audit_head

    row = team.trail.rows(draft_id=draft.id, action="publish")[-1]
    newest = dict(trailers(remote, remote_log(remote, "-1", "--format=%H").strip()))
    assert newest == {"Records": result.commit, "Audit-Head": f"{row['seq']} {row['row_hash']}"}
    assert team.ledger.publications()[0].commit == result.commit
    anchored = AuditTrail(team.database, team.trail.clock, None, lambda: recorded_audit_head(publisher.git.repository))
    assert anchored.verify().ok


@SQLITE_ONLY
def test_unpublishing_a_module_edited_in_the_remote_leaves_it_and_warns(team, tmp_path, remote, other, clone_dir):
    publisher, draft, edited, theirs = _published_then_edited_in_the_remote(team, tmp_path, remote, other, clone_dir)

    withdrawn = publisher.unpublish("lena", draft.id, "Superseded")
    assert withdrawn.commit == "" and "edited by hand after publishing; it was left in place" in withdrawn.warning
    assert remote_log(remote, "-1", "--format=%H").strip() == theirs, "nothing was reverted"
    assert remote_file(remote, PATH) == edited == (clone_dir / PATH).read_text(encoding="utf-8")
    assert team.queries.get_draft(draft.id).state.value == "archived"


def test_audit_verify_also_compares_the_chain_with_the_head_in_the_librarys_commits(team, database, tmp_path, remote, clone_dir):
    """The data dir's checkpoint file is gone and the newest rows deleted with the head reset: the
    Audit-Head of the last publish commit still exposes the cut."""
    from review.audit import AuditTrail
    from tests.integration.review.test_audit_log import _truncate
    from workbench.publishing.git_publishing import recorded_audit_head

    publisher = _publisher(team, tmp_path, remote, clone_dir)
    draft = team.approved()
    publisher.publish("lena", draft.id, draft.revision)
    published_row = team.trail.rows(draft_id=draft.id, action="publish")[-1]
    trail = AuditTrail(database, team.trail.clock, None, lambda: recorded_audit_head(publisher.git.repository))

    intact = trail.verify()
    assert intact.ok and intact.checkpoint_seq == published_row["seq"]

    _truncate(database, keep=published_row["seq"] - 2)
    assert team.trail.verify().ok, "without an anchor the shortened chain verifies on its own"
    cut = trail.verify()
    assert not cut.ok
    assert f"recorded row {published_row['seq']}" in cut.problem and "in library commit" in cut.problem
