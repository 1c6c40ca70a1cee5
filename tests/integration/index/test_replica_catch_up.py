"""Two replicas' clones of one git library on one Chroma server: a clone catches up with what another replica published."""

from __future__ import annotations

import pytest

from tests.support.chroma_server import chroma_server
from tests.support.git_remote import make_remote
from workbench.index.service import LibraryIndex
from workbench.library.git_repository import GitIdentity, GitRepository

pytestmark = pytest.mark.slow

LEAD = GitIdentity("Lena Lead", "lena@example.test")


def _module(title: str) -> str:
    return f"---\nid: {title.lower().replace(' ', '-')}\ntitle: {title}\n---\n\n# {title}\n\nWhat {title.lower()} asks of a team lead.\n"


@pytest.fixture
def replicas(tmp_path, small_library, small_settings, embedder):
    """(index, clone) of replicas A and B: separate clones and data dirs, one remote, one Chroma server."""
    remote = make_remote(tmp_path, small_library)
    with chroma_server(tmp_path / "chroma") as server:
        pairs = []
        for name in ("a", "b"):
            settings = small_settings.with_overrides(library_dir=tmp_path / name / "library", data_dir=tmp_path / name / "data",
                                                     chroma_url=server.url, library_git_remote=str(remote))
            clone = GitRepository(settings.library_dir, str(remote))
            pairs.append((LibraryIndex(settings, embedder, library_git=clone), clone))
        pairs[0][0].build()
        yield pairs


def _publish(clone: GitRepository, path: str, title: str) -> str:
    """What a publish does to the clone: one pushed commit of one file (rebased when the remote moved)."""
    return clone.commit_and_push(path, _module(title), LEAD, f"Publish {title}")


def test_a_module_published_on_one_replica_is_listed_by_the_other(replicas):
    (index_a, clone_a), (index_b, _) = replicas
    assert {m.title for m in index_b.scan().modules} == {"Giving feedback", "Spotting phishing", "Sleep and performance"}

    pushed = _publish(clone_a, "published/coaching.md", "Coaching")
    index_a.reindex_paths(["published/coaching.md"], pushed=pushed)

    listed = index_b.scan()
    assert "Coaching" in {m.title for m in listed.modules}
    assert (index_b.settings.library_dir / "published" / "coaching.md").read_text(encoding="utf-8") == _module("Coaching")


def test_a_late_index_write_of_an_older_publication_never_hides_a_newer_one(replicas):
    (index_a, clone_a), (index_b, clone_b) = replicas
    index_b.scan()  # B's clone exists before either publishes
    older = _publish(clone_a, "published/coaching.md", "Coaching")
    newer = _publish(clone_b, "published/retros.md", "Retrospectives")  # rebased onto A's commit, then pushed

    # B's index write lands first; A's, for the older commit, comes after it.
    index_b.reindex_paths(["published/retros.md"], pushed=newer)
    index_a.reindex_paths(["published/coaching.md"], pushed=older)

    assert index_a.store.library_tip() == newer
    assert {"Coaching", "Retrospectives"} <= {m.title for m in index_a.scan().modules}
    assert clone_a.head() == newer


def test_an_unreachable_chroma_server_leaves_the_clone_readable(tmp_path, small_library, small_settings, embedder):
    from tests.support.chroma_server import free_port

    remote = make_remote(tmp_path, small_library)
    settings = small_settings.with_overrides(library_dir=tmp_path / "clone", chroma_url=f"http://127.0.0.1:{free_port()}",
                                             library_git_remote=str(remote))
    index = LibraryIndex(settings, embedder, library_git=GitRepository(settings.library_dir, str(remote)))

    assert len(index.scan().modules) == 3
