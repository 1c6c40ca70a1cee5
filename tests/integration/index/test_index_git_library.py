"""`workbench index` on a library kept in git: others' commits are pulled first and the commit is shown."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.support.git_remote import git, make_remote, other_person
from workbench.cli import app


@pytest.mark.slow
def test_index_pulls_the_remote_and_names_the_commit_it_reflects(small_library, tmp_path):
    remote = make_remote(tmp_path, small_library)
    clone = tmp_path / "clone"
    common = ["--library", str(clone), "--data-dir", str(tmp_path / "data")]
    env = {"WORKBENCH_LIBRARY_GIT_REMOTE": str(remote), "WORKBENCH_LLM_PROVIDER": "fake"}

    first = CliRunner().invoke(app, [*common, "index"], env=env)
    assert first.exit_code == 0, first.output
    seeded = git(remote, "rev-parse", "main").strip()
    assert f"The index reflects library commit {seeded[:12]}." in first.stdout
    assert (clone / ".git").is_dir(), "the library folder was cloned on first use"

    other = other_person(tmp_path, remote)
    theirs = other.commit("notes/meetings.md", "# Running meetings\n\nSend the agenda a day ahead.\n", "Add meetings")
    second = CliRunner().invoke(app, [*common, "index", "--json"], env=env)
    assert second.exit_code == 0, second.output
    assert f'"library_commit": "{theirs}"' in second.stdout and '"chunks_added": 1' in second.stdout

    # The remote cannot be reached: the clone is indexed as it is, and the output says it was not pulled.
    remote.rename(tmp_path / "gone.git")
    third = CliRunner().invoke(app, [*common, "index"], env=env)
    assert third.exit_code == 0, third.output
    assert f"The index reflects library commit {theirs[:12]}." in third.stdout
    assert f"{remote}: not pulled: the library remote {remote} cannot be reached" in third.stdout
